"""``analysis``: watch the deployment over a window and judge it, fail-closed.

Example::

    analysis:
      type: analysis
      stage: post-deploy
      base_url: ${DEPLOY_URL}
      baseline_url: ${PREVIOUS_URL}   # optional: the deployment being replaced, side by side
      duration: 5m
      interval: 10s
      probes: [{get: /api/health}, {get: /, name: home}]
      max_error_rate: 1%              # 5xx, timeouts, refused connections; per probe and overall
      max_p95_ms: 800
      max_p95_increase: 20%           # vs baseline_url: Mann-Whitney U + noise floor decide
      prometheus:
        url: ${PROMETHEUS_URL}
        queries: [{name: 5xx ratio, query: '…', max: 0.01}]
      fail_fast: true

Every round (at the start, every ``interval``, the last at the window's end) sends one GET per
probe to the deployment (and to the baseline), paced below ``max_rps``, never following a
redirect to another host, and evaluates each Prometheus query once. Every sample is kept as a
typed :class:`~gates.model.Series` in the report (charted in the HTML). ``fail_fast`` stops the
window as soon as a breach is certain whatever the remaining samples would be.

Fail-closed: a probe that could not be measured in at least half of its samples (no answer, or a
4xx such as a protection wall), a query whose samples are errored (empty result, several series,
NaN, unreachable provider) at least half of the time or at the end, a baseline that cannot be
measured, too few samples to compare: ``error``, never pass. Contract: docs/gates/analysis.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from gates.checks.analysis.options import AnalysisOptions, Query
from gates.checks.analysis.prometheus import instant
from gates.checks.analysis.stats import mann_whitney_greater, p95_exceeded_for_sure, percentile
from gates.checks.base import Check, GateContext, GateOutcome
from gates.measure import compare
from gates.model import Measurement, Sample, Series, Status
from gates.web.bypass import bypass_headers
from gates.web.fetch import FetchError, fetch

MIN_COMPARE = 5
"""Answered samples each side needs before the baseline comparison may decide anything."""


@dataclass
class ProbeSeries:
    """Samples of one probe against one target."""

    label: str
    url: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def errors(self) -> int:
        """5xx answers, timeouts, refused or broken connections (the error rate's numerator)."""
        return sum(1 for s in self.samples if s.note.startswith(("HTTP 5", "no answer")))

    @property
    def unmeasured(self) -> int:
        """Samples that measured nothing about the deployment: no answer, or a 4xx wall."""
        return sum(1 for s in self.samples if s.note.startswith(("no answer", "HTTP 4")))

    @property
    def latencies(self) -> list[float]:
        """Latency of every answer that counts as a measurement (not 4xx, not no-answer)."""
        return [
            s.value
            for s in self.samples
            if s.value is not None and not s.note.startswith(("no answer", "HTTP 4"))
        ]


@dataclass
class QuerySeries:
    """Samples of one Prometheus query."""

    query: Query
    samples: list[Sample] = field(default_factory=list)

    @property
    def errored(self) -> int:
        """Samples that are not a value."""
        return sum(1 for s in self.samples if not s.ok)

    def breaches(self) -> list[float]:
        """Valid values outside min/max."""
        q = self.query
        return [
            s.value
            for s in self.samples
            if s.ok
            and s.value is not None
            and ((q.max is not None and s.value > q.max) or (q.min is not None and s.value < q.min))
        ]


class Pacer:
    """Spaces requests at least ``1/max_rps`` apart (the load stays bounded in every second)."""

    def __init__(self, max_rps: float, clock: Callable[[], float]) -> None:
        self._gap = 1.0 / max_rps
        self._clock = clock
        self._next = 0.0

    def wait(self) -> None:
        """Sleep until the next request may go."""
        now = self._clock()
        if now < self._next:
            time.sleep(self._next - now)
        self._next = max(now, self._next) + self._gap


def _probe(url: str, options: AnalysisOptions, headers: dict[str, str], at: float) -> Sample:
    try:
        resp = fetch(url, headers=headers, timeout=options.request_timeout, follow=False)
    except FetchError as exc:
        return Sample(at_s=round(at, 3), value=None, ok=False, note=f"no answer: {exc.kind}")
    ms = round(resp.elapsed_ms, 2)
    if resp.status >= 400:
        return Sample(at_s=round(at, 3), value=ms, ok=False, note=f"HTTP {resp.status}")
    return Sample(at_s=round(at, 3), value=ms, ok=True, note=f"HTTP {resp.status}")


def _join(base: str, path: str) -> str:
    return base.rstrip("/") + path


class Watch:
    """One watch window: rounds of samples, then the judgement."""

    def __init__(self, options: AnalysisOptions, base: str) -> None:
        self.options = options
        self.base = base
        self.deployments = [base, *([options.baseline_url] if options.baseline_url else [])]
        self.current = [ProbeSeries(p.label, _join(base, p.get)) for p in options.probes]
        self.previous = [
            ProbeSeries(f"{p.label} (baseline)", _join(options.baseline_url, p.get))
            for p in options.probes
            if options.baseline_url
        ]
        self.queries = [
            QuerySeries(q) for q in (options.prometheus.queries if options.prometheus else [])
        ]
        self.started_at = datetime.now(UTC)
        self.stopped_early: str | None = None
        self.rounds_done = 0
        self.overran = False

    def run(self) -> None:
        """Sample every round until the window ends or a breach is certain (``fail_fast``)."""
        options = self.options
        clock = time.monotonic
        origin = clock()
        pacer = Pacer(options.max_rps, clock)
        # A target that hangs every request cannot stretch the window past this: the rounds it
        # costs are missing samples, judged below (fewer than half of the rounds is an error).
        provider = options.prometheus
        per_round = options.requests_per_round * options.request_timeout + (
            len(provider.queries) * provider.timeout if provider else 0.0
        )
        deadline = origin + options.duration + per_round
        for index in range(options.rounds):
            due = origin + index * options.interval
            if index and clock() > deadline:
                self.overran = True
                return
            if clock() < due:
                time.sleep(due - clock())
            for i in range(len(options.probes)):
                self._sample(self.current[i], pacer, origin)
                if self.previous:
                    self._sample(self.previous[i], pacer, origin)
            for series in self.queries:
                self._query(series, origin)
            self.rounds_done = index + 1
            if options.fail_fast:
                self.stopped_early = self.certain_breach()
                if self.stopped_early:
                    return

    def _sample(self, series: ProbeSeries, pacer: Pacer, origin: float) -> None:
        pacer.wait()
        headers = bypass_headers(self.options.protection_bypass, series.url, self.deployments)
        series.samples.append(_probe(series.url, self.options, headers, time.monotonic() - origin))

    def _query(self, series: QuerySeries, origin: float) -> None:
        assert self.options.prometheus is not None
        at = round(time.monotonic() - origin, 3)
        value, why = instant(
            self.options.prometheus.url, series.query.query, self.options.prometheus.timeout
        )
        series.samples.append(Sample(at_s=at, value=value, ok=value is not None, note=why))

    def certain_breach(self) -> str | None:
        """A breach no remaining sample can undo, or ``None``."""
        options = self.options
        planned = options.rounds
        for series in self.current:
            if series.unmeasured * 2 > planned:
                return f"{series.label}: most samples could not be measured"
            if series.errors > options.max_error_rate / 100 * planned:
                return f"{series.label}: error rate above {options.max_error_rate:g}%"
            if options.max_p95_ms is not None:
                slow = sum(1 for v in series.latencies if v > options.max_p95_ms)
                if p95_exceeded_for_sure(slow, planned):
                    return f"{series.label}: p95 above {options.max_p95_ms:g} ms"
        total = sum(s.errors for s in self.current)
        if self.current and total > options.max_error_rate / 100 * planned * len(self.current):
            return f"overall error rate above {options.max_error_rate:g}%"
        for query in self.queries:
            if query.breaches():
                return f"{query.query.name}: outside its bounds"
            if query.errored * 2 > planned:
                return f"{query.query.name}: most samples errored"
        return None


def _series(watch: Watch) -> list[Series]:
    started = watch.started_at.isoformat()
    found = [Series(s.label, "ms", started, tuple(s.samples)) for s in watch.current]
    found += [Series(s.label, "ms", started, tuple(s.samples)) for s in watch.previous]
    found += [Series(q.query.name, "", started, tuple(q.samples)) for q in watch.queries]
    return found


def _judge_probes(watch: Watch, out: GateOutcome) -> list[str]:
    options = watch.options
    errors: list[str] = []
    for series in watch.current:
        n = len(series.samples)
        if not n or series.unmeasured * 2 >= n:
            notes = sorted({s.note for s in series.samples if not s.ok})
            errors.append(
                f"{series.label}: {series.unmeasured} of {n} samples measured nothing "
                f"({', '.join(notes)[:200]})"
                + (
                    " — protected? set protection_bypass"
                    if any(nt in ("HTTP 401", "HTTP 403") for nt in notes)
                    else ""
                )
            )
        rate = 100 * series.errors / n if n else None
        out.measurements.append(
            compare(f"error rate {series.label}", rate, "<=", options.max_error_rate, unit="%")
        )
        if options.max_p95_ms is not None:
            out.measurements.append(
                compare(
                    f"p95 {series.label}",
                    percentile(series.latencies, 95),
                    "<=",
                    options.max_p95_ms,
                    unit="ms",
                    values=tuple(series.latencies),
                )
            )
    if len(watch.current) > 1:
        total = sum(len(s.samples) for s in watch.current)
        errs = sum(s.errors for s in watch.current)
        out.measurements.append(
            compare(
                "error rate",
                100 * errs / total if total else None,
                "<=",
                options.max_error_rate,
                unit="%",
            )
        )
        if options.max_p95_ms is not None:
            every = [v for s in watch.current for v in s.latencies]
            out.measurements.append(
                compare("p95", percentile(every, 95), "<=", options.max_p95_ms, unit="ms")
            )
    return errors


def _judge_baseline(watch: Watch, out: GateOutcome) -> list[str]:
    options = watch.options
    errors: list[str] = []
    if not watch.previous or options.max_p95_increase is None:
        return errors
    for new, old in zip(watch.current, watch.previous, strict=True):
        n = len(old.samples)
        if not n or old.unmeasured * 2 >= n:
            errors.append(
                f"{old.label}: the baseline could not be measured ({old.unmeasured} of {n})"
            )
            continue
        if len(new.latencies) < MIN_COMPARE or len(old.latencies) < MIN_COMPARE:
            if watch.stopped_early:
                # a certain breach already decided: the comparison simply has not happened
                out.details.setdefault("not_compared", []).append(new.label)
                continue
            errors.append(
                f"{new.label}: too few answered samples to compare with the baseline "
                f"({len(new.latencies)} vs {len(old.latencies)}; need {MIN_COMPARE} each)"
            )
            continue
        p95_new = percentile(new.latencies, 95) or 0.0
        p95_old = percentile(old.latencies, 95) or 0.0
        _, p_value = mann_whitney_greater(new.latencies, old.latencies)
        increase = 100 * (p95_new - p95_old) / p95_old if p95_old > 0 else 0.0
        slower = (
            p_value < options.significance
            and increase > options.max_p95_increase
            and p95_new - p95_old > options.noise_floor_ms
        )
        out.measurements.append(
            Measurement(
                name=f"p95 increase {new.label}",
                value=round(increase, 2),
                unit="%",
                op="<=",
                threshold=options.max_p95_increase,
                baseline=p95_old,
                status=Status.FAIL if slower else Status.PASS,
                message=(
                    f"{new.label}: p95 {p95_new:.0f} ms vs baseline {p95_old:.0f} ms "
                    f"({increase:+.1f}%), Mann-Whitney U p={p_value:.3g}"
                    + (" — slower" if slower else "")
                    + f" (slower needs p<{options.significance:g}, >{options.max_p95_increase:g}%"
                    f" and >{options.noise_floor_ms:g} ms)"
                ),
                rounding="p95 by nearest rank; increase in % of the baseline p95",
            )
        )
    return errors


def _judge_queries(watch: Watch, out: GateOutcome) -> list[str]:
    errors: list[str] = []
    for series in watch.queries:
        q, n = series.query, len(series.samples)
        last = series.samples[-1] if series.samples else None
        if not n or series.errored * 2 >= n or (last is not None and not last.ok):
            why = sorted({s.note for s in series.samples if not s.ok})
            errors.append(
                f"{q.name}: {series.errored} of {n} samples are not a value "
                f"({'; '.join(why)[:300]})"
            )
            continue
        valid = [s.value for s in series.samples if s.ok and s.value is not None]
        if q.max is not None:
            out.measurements.append(
                compare(f"{q.name} (max)", max(valid), "<=", q.max, values=tuple(valid))
            )
        if q.min is not None:
            out.measurements.append(
                compare(f"{q.name} (min)", min(valid), ">=", q.min, values=tuple(valid))
            )
    return errors


def evaluate(options: AnalysisOptions, ctx: GateContext) -> GateOutcome:
    """Watch the window, then judge every probe, the baseline comparison and every query."""
    base = options.base_url or ctx.url
    if not base:
        return GateOutcome.failed_closed("no base_url and no --url: nothing to watch")
    if not base.startswith(("http://", "https://")):
        return GateOutcome.failed_closed(f"base_url {base!r} is not an http(s) URL")
    if options.baseline_url and not options.baseline_url.startswith(("http://", "https://")):
        return GateOutcome.failed_closed(f"baseline_url {options.baseline_url!r} is not http(s)")
    longest = (
        options.duration + options.rounds * options.requests_per_round * options.request_timeout
    )
    if options.duration + 2 * options.request_timeout > ctx.timeout:
        return GateOutcome.failed_closed(
            f"the window ({options.duration:g}s) does not fit the gate timeout ({ctx.timeout:g}s)"
        )
    watch = Watch(options, base)
    watch.run()
    out = GateOutcome(series=_series(watch))
    if options.protection_bypass:
        out.secrets.append(options.protection_bypass)
    out.details.update(
        {
            "base_url": base,
            "baseline_url": options.baseline_url,
            "rounds": watch.rounds_done,
            "planned_rounds": options.rounds,
            "stopped_early": watch.stopped_early,
            "worst_case_s": round(longest, 1),
        }
    )
    errors = _judge_probes(watch, out) + _judge_baseline(watch, out) + _judge_queries(watch, out)
    if watch.overran and watch.rounds_done * 2 < options.rounds:
        errors.append(
            f"only {watch.rounds_done} of {options.rounds} rounds fit the window: the targets "
            "answer too slowly to be watched"
        )
    if errors:
        out.status = Status.ERROR
        out.error = "; ".join(errors)
        out.summary = out.error
        return out
    failing = [m for m in out.measurements if m.status.blocks]
    window = f"{watch.rounds_done} of {options.rounds} rounds"
    if watch.stopped_early:
        out.summary = f"breach after {window}: {watch.stopped_early}"
    elif failing:
        out.summary = f"{len(failing)} limit(s) breached over {window}: " + "; ".join(
            m.message or m.name for m in failing[:3]
        )
    else:
        out.summary = (
            f"healthy over {window} ({sum(len(s.samples) for s in watch.current)} probe samples)"
        )
    return out


CHECK = Check(
    type="analysis",
    options=AnalysisOptions,
    evaluate=evaluate,
    summary="Watch a deployment over a window: error rate, p95, baseline, Prometheus",
)

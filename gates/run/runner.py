"""Run a checklist: the needs graph, concurrency, deadlines, and one fail-closed judgement per gate.

Gates run in daemon threads, at most ``jobs`` at a time, each as soon as its ``needs`` have
passed. The deadline of a command lives in its subprocess (:mod:`gates.process` kills the group);
a gate whose Python code overruns ``timeout`` + grace is abandoned and reported ``error``.
Any exception of a gate is that gate's ``error``. Interrupts kill every process group and still
produce a report, marked interrupted, whose verdict is fail.
"""

from __future__ import annotations

import dataclasses
import os
import queue
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from gates import __version__, process
from gates.checklist.model import Checklist, GateSpec
from gates.checks import CHECKS
from gates.checks.base import GateContext, GateOutcome
from gates.errors import GatesError, ToolTimeout
from gates.model import Finding, GateResult, Report, Status, worst
from gates.verdict import decide
from gates.waivers import always_blocking
from gates.waivers import apply as apply_waivers
from gates.waivers import usage as waiver_usage

ABANDON_GRACE_S = 30.0
"""Extra time a gate's Python code gets past its timeout before the runner stops waiting."""

NON_BLOCKING = "non-blocking "
"""Summary prefix of a non-blocking gate that failed or errored (reported as ``warn``)."""

Progress = Callable[[str, str, GateResult | None], None]
"""``progress(gate_id, event, result)`` with event ``start`` or ``done``."""


@dataclass
class RunOptions:
    """How to run: selection, stage, environment, outputs and comparisons."""

    root: Path
    out_dir: Path
    jobs: int = field(default_factory=lambda: os.cpu_count() or 2)
    only: set[str] | None = None
    skip: set[str] = field(default_factory=set)
    stage: str = "pre-deploy"
    environment: str | None = None
    baseline: Report | None = None
    base_ref: str | None = None
    url: str | None = None
    commit: str | None = None
    branch: str | None = None
    today: date = field(default_factory=lambda: datetime.now(UTC).date())


def selection_reason(spec: GateSpec, options: RunOptions) -> str | None:
    """Why a gate is not selected for this run, or ``None`` when it runs."""
    if options.only is not None and spec.id not in options.only:
        return "not selected (--only)"
    if spec.id in options.skip:
        return "skipped (--skip)"
    if spec.stage != options.stage:
        return f"stage {spec.stage} (this run is {options.stage})"
    return None


def required_for_stage(checklist: Checklist, stage: str) -> tuple[str, ...]:
    """The ``require``d gates that belong to ``stage``: a post-deploy run cannot run pre-deploy
    gates, so their absence is not its failure (the pre-deploy report answers for them)."""
    return tuple(g for g in checklist.require if checklist.gates[g].stage == stage)


def run_checklist(
    checklist: Checklist, options: RunOptions, progress: Progress | None = None
) -> tuple[Report, list[str]]:
    """Run every selected gate; return the report (not yet digested) and secret values seen."""
    started = datetime.now(UTC)
    clock = time.monotonic()
    notify = progress or (lambda *_: None)
    results: dict[str, GateResult] = {}
    secrets: list[str] = []
    waiver_used: set[int] = set()
    failed_ids: set[str] = set()
    """Gates that failed or errored in substance (a non-blocking one is reported ``warn``)."""
    lock = threading.Lock()
    done: queue.Queue[str] = queue.Queue()
    running: dict[str, float] = {}
    pending = dict(checklist.gates)
    interrupted = False

    for gate_id, spec in list(pending.items()):
        reason = selection_reason(spec, options)
        if reason is not None:
            results[gate_id] = _skipped(spec, reason)
            del pending[gate_id]

    def worker(spec: GateSpec) -> None:
        result, failed, seen, used = _execute(spec, checklist, options)
        with lock:
            if spec.id in running:  # not abandoned meanwhile
                results[spec.id] = result
                if failed:
                    failed_ids.add(spec.id)
                secrets.extend(seen)
                waiver_used.update(used)
        done.put(spec.id)

    try:
        while pending or running:
            for gate_id, spec in list(pending.items()):
                if len(running) >= max(1, options.jobs):
                    break
                state = _needs_state(spec, checklist, results, failed_ids, options)
                if state == "wait":
                    continue
                del pending[gate_id]
                if state != "ready":
                    results[gate_id] = _skipped(spec, state)
                    notify(gate_id, "done", results[gate_id])
                    continue
                running[gate_id] = time.monotonic() + spec.timeout + ABANDON_GRACE_S
                notify(gate_id, "start", None)
                threading.Thread(
                    target=worker, args=(spec,), name=f"gate-{gate_id}", daemon=True
                ).start()
            if not running:
                if pending and all(
                    _needs_state(s, checklist, results, failed_ids, options) == "wait"
                    for s in pending.values()
                ):
                    raise RuntimeError("needs graph is stuck")  # validated acyclic; defensive
                continue
            try:
                finished = done.get(timeout=0.2)
            except queue.Empty:
                finished = None
            now = time.monotonic()
            with lock:
                if finished is not None and finished in running:
                    del running[finished]
                    notify(finished, "done", results.get(finished))
                for gate_id, deadline in list(running.items()):
                    if now > deadline:
                        del running[gate_id]
                        spec = checklist.gates[gate_id]
                        failed_ids.add(gate_id)
                        results[gate_id] = _errored(
                            spec,
                            f"gate did not finish within its timeout "
                            f"({spec.timeout:g}s + {ABANDON_GRACE_S:g}s grace); abandoned",
                            spec.timeout + ABANDON_GRACE_S,
                        )
                        notify(gate_id, "done", results[gate_id])
    except KeyboardInterrupt:
        interrupted = True
        process.kill_all_live_groups()
        with lock:
            for gate_id in list(running) + list(pending):
                spec = checklist.gates[gate_id]
                failed_ids.add(gate_id)
                results[gate_id] = _errored(spec, "interrupted before the gate finished", 0.0)
            running.clear()

    ordered = tuple(results[g] for g in checklist.gates if g in results)
    required = required_for_stage(checklist, options.stage)
    verdict, reasons = decide(ordered, required)
    if interrupted:
        verdict = Status.FAIL
        reasons = ["run interrupted (SIGINT/SIGTERM); child processes were killed", *reasons]
    report = Report(
        verdict=verdict,
        environment=checklist.environment,
        stage=options.stage,
        project=checklist.project,
        commit=options.commit,
        branch=options.branch,
        started_at=started.isoformat(timespec="seconds"),
        duration_s=round(time.monotonic() - clock, 3),
        checklist_sha256=checklist.sha256,
        tool_versions=_tool_versions(ordered),
        gates=ordered,
        waivers=tuple(waiver_usage(checklist.waivers, waiver_used, options.today)),
        required=required,
        verdict_reasons=tuple(reasons),
        interrupted=interrupted,
        url=options.url,
    )
    return report, secrets


def _needs_state(
    spec: GateSpec,
    checklist: Checklist,
    results: dict[str, GateResult],
    failed_ids: set[str],
    options: RunOptions,
) -> str:
    """``ready``, ``wait``, or the reason the gate is skipped because of a need."""
    for need in spec.needs:
        need_spec = checklist.gates[need]
        result = results.get(need)
        if result is None:
            return "wait"
        if result.status is Status.SKIPPED and selection_reason(need_spec, options) is not None:
            continue  # excluded from this run on purpose (e.g. a matrix job); judged elsewhere
        if result.status in (Status.PASS, Status.WARN) and need not in failed_ids:
            continue  # a non-blocking gate that failed still fails its dependents' precondition
        return f"needs '{need}', which is {result.status.value}"
    return "ready"


def _execute(
    spec: GateSpec, checklist: Checklist, options: RunOptions
) -> tuple[GateResult, bool, list[str], set[int]]:
    """Run one gate: (its result, whether it failed in substance, secrets seen, waivers used)."""
    check = CHECKS[spec.type]
    baseline = None
    if options.baseline is not None:
        baseline = next((g for g in options.baseline.gates if g.id == spec.id), None)
    environ = dict(os.environ)
    if options.environment:
        environ["GATES_ENV"] = options.environment
    if options.url:
        environ["DEPLOY_URL"] = options.url
    if options.commit:
        environ["GATES_COMMIT"] = options.commit
    ctx = GateContext(
        gate_id=spec.id,
        root=options.root,
        out_dir=options.out_dir,
        timeout=spec.timeout,
        env_name=options.environment,
        stage=options.stage,
        baseline=baseline,
        baseline_given=options.baseline is not None,
        base_ref=options.base_ref,
        url=options.url,
        commit=options.commit,
        environ=environ,
    )
    # The log holds this run only: a previous run's output must not pass for this one's.
    ctx.log_path.unlink(missing_ok=True)
    clock = time.monotonic()
    try:
        outcome = check.evaluate(spec.options, ctx)
    except ToolTimeout as exc:
        outcome = GateOutcome.failed_closed(f"timed out: {exc}")
    except GatesError as exc:
        outcome = GateOutcome.failed_closed(str(exc))
    except Exception as exc:  # any bug or surprise in a gate is that gate's error, never a pass
        outcome = GateOutcome.failed_closed(
            f"internal error in gate '{spec.id}': {type(exc).__name__}: {exc}"
        )
        outcome.details["traceback"] = traceback.format_exc(limit=8)
    duration = time.monotonic() - clock
    gate_waivers = [(i, w) for i, w in enumerate(checklist.waivers) if w.gate == spec.id]
    findings, expired, used_local = apply_waivers(
        outcome.findings, [w for _, w in gate_waivers], options.today
    )
    used = {gate_waivers[i][0] for i in used_local}
    findings = _mark_new(findings, baseline, options.baseline is not None)
    substance, summary = _judge_substance(
        spec, outcome, findings, expired, options.baseline is not None
    )
    status, summary = _as_reported(spec, findings, substance, summary)
    log = ctx.log_path if ctx.log_path.exists() else None
    result = GateResult(
        id=spec.id,
        type=spec.type,
        status=status,
        # an always-blocking finding makes the gate blocking whatever the checklist says
        blocking=spec.blocking or any(always_blocking(f) for f in findings),
        summary=summary,
        duration_s=round(duration, 3),
        measurements=tuple(outcome.measurements),
        findings=tuple(findings),
        evidence=tuple(outcome.evidence or ctx.evidence),
        error=outcome.error,
        log=os.path.relpath(log, options.out_dir) if log else None,
        artifacts=tuple(outcome.artifacts),
        details=outcome.details,
        stage=spec.stage,
        needs=spec.needs,
        series=tuple(outcome.series),
    )
    return result, substance.blocks, list(outcome.secrets), used


def judge(
    spec: GateSpec,
    outcome: GateOutcome,
    findings: Sequence[Finding],
    expired: Sequence[object],
    *,
    baseline_given: bool,
) -> tuple[Status, str]:
    """The gate's status and one-line summary, the same rule for every gate type."""
    status, summary = _judge_substance(spec, outcome, findings, expired, baseline_given)
    return _as_reported(spec, findings, status, summary)


def _as_reported(
    spec: GateSpec, findings: Sequence[Finding], status: Status, summary: str
) -> tuple[Status, str]:
    """A non-blocking gate's fail or error is reported as ``warn`` (contract), named as such."""
    if not spec.blocking and status.blocks and not any(always_blocking(f) for f in findings):
        return Status.WARN, f"{NON_BLOCKING}{status.value}: {summary}"
    return status, summary


def _judge_substance(
    spec: GateSpec,
    outcome: GateOutcome,
    findings: Sequence[Finding],
    expired: Sequence[object],
    baseline_given: bool,
) -> tuple[Status, str]:
    """What the evidence says, before blocking: false turns a failure into a warning."""
    reasons: list[str] = []
    status = outcome.status or Status.PASS
    if outcome.error:
        status = Status.ERROR
    for measurement in outcome.measurements:
        status = worst(status, measurement.status)
        if measurement.status in (Status.FAIL, Status.ERROR) and measurement.message:
            reasons.append(measurement.message)
    if spec.options.fail_on_new_only and not baseline_given and not spec.options.baseline_optional:
        status = Status.ERROR
        reasons.insert(0, "fail_on_new_only needs --baseline (or baseline_optional: true)")
    blocking = [
        f
        for f in findings
        if always_blocking(f)
        or (f.blocks and not f.waived and not (spec.options.fail_on_new_only and f.new is False))
    ]
    if blocking:
        status = worst(status, Status.FAIL)
        reasons.append(f"{len(blocking)} blocking finding{'s' if len(blocking) != 1 else ''}")
    if expired:
        owners = ", ".join(sorted({getattr(w, "owner", "?") for w in expired}))
        status = worst(status, Status.WARN)
        reasons.append(f"expired waiver (owner {owners})")
    summary = outcome.summary or "; ".join(reasons) or status.value
    if outcome.error and outcome.error not in summary:
        summary = outcome.error
    elif reasons and outcome.summary and status is not Status.PASS:
        extra = [r for r in reasons if r not in summary]
        summary = "; ".join([summary, *extra[:2]])
    return status, summary


def _mark_new(
    findings: Sequence[Finding], baseline: GateResult | None, baseline_given: bool
) -> list[Finding]:
    if not baseline_given:
        return list(findings)
    known = {f.fingerprint for f in baseline.findings} if baseline else set()
    return [dataclasses.replace(f, new=f.fingerprint not in known) for f in findings]


def _skipped(spec: GateSpec, reason: str) -> GateResult:
    return GateResult(
        id=spec.id,
        type=spec.type,
        status=Status.SKIPPED,
        blocking=spec.blocking,
        summary=reason,
        stage=spec.stage,
        needs=spec.needs,
    )


def _errored(spec: GateSpec, reason: str, duration: float) -> GateResult:
    status = Status.ERROR if spec.blocking else Status.WARN
    return GateResult(
        id=spec.id,
        type=spec.type,
        status=status,
        blocking=spec.blocking,
        summary=reason if spec.blocking else f"{NON_BLOCKING}error: {reason}",
        error=reason,
        duration_s=round(duration, 3),
        stage=spec.stage,
        needs=spec.needs,
    )


def _tool_versions(results: Sequence[GateResult]) -> dict[str, str]:
    versions = {"gates": __version__}
    for result in results:
        found = result.details.get("tool_versions") if isinstance(result.details, dict) else None
        if isinstance(found, dict):
            versions.update({str(k): str(v) for k, v in found.items()})
    return versions

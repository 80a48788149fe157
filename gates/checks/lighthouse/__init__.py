"""``lighthouse``: the median of N real Lighthouse runs per URL against budgets.

Example::

    lighthouse:
      type: lighthouse
      needs: [build]
      server: {run: "node_modules/.bin/vite preview --host 127.0.0.1 --port 4173 --strictPort",
               url: "http://127.0.0.1:4173", ready_timeout: 60s}
      urls: [/, /login]
      runs: 3                                  # median run per URL, as Lighthouse CI picks it
      preset: mobile                           # or desktop (Lighthouse's --preset=desktop)
      cpu_slowdown: auto                       # calibrate the 4x to this host (calibrate.py)
      budgets: {performance: 0.9, largest-contentful-paint: 2500ms,
                cumulative-layout-shift: 0.1, total-blocking-time: 200ms}
      budget_file: budget.json                 # Lighthouse budget.json resource/timing budgets
      max_increase: 10%                        # timings vs the baseline report
      warn_within: 5%                          # near the threshold: warn instead of a coin flip
      # or judge runs already made instead of server + urls:
      # results: [.lighthouseci/]              # LHR JSON files or folders of lhr-*.json

Lighthouse is ``node_modules/.bin/lighthouse`` of the project (or ``lighthouse: path``), Chromium
is ``$CHROME_PATH`` or ``/usr/bin/chromium`` with ``--headless=new --no-sandbox`` and friends.
The median run is LHCI's ``computeRepresentativeRuns``: the run closest to the median FCP and
median TTI. Budgets are judged on that run; every run's value is kept in ``values``.
A run with ``runtimeError`` (NO_FCP…) or an errored metric audit is ``error``, never a zero.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from gates.checks.base import Check, GateContext, GateOutcome, Rule, chromium_version
from gates.checks.lighthouse.options import LighthouseOptions
from gates.errors import InputError, ToolError
from gates.model import Artifact, Measurement, Severity
from gates.parsers import lighthouse as lhr

if TYPE_CHECKING:
    from gates.checks.lighthouse.judge import representative_index
# the runner (urllib, ssl, http.client), the judge and the budget parser are imported where
# they run: `gates validate` and other gate types never pay for them


def __getattr__(name: str) -> Any:
    """``representative_index`` stays importable from here (it is in ``__all__``), lazily."""
    if name == "representative_index":
        from gates.checks.lighthouse.judge import representative_index

        return representative_index
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


RULES = (
    Rule(
        id="lighthouse-budget",
        severity=Severity.HIGH,
        title="Lighthouse budget missed by the median run",
        why="The median of several runs is what users meet most; one lucky run hides regressions.",
        fix="Open the URL's runs in the report: reduce blocking JavaScript (TBT), preload the LCP "
        "element, reserve space for late content (CLS); or change the budget with a reason.",
    ),
    Rule(
        id="lighthouse-runtime-error",
        severity=Severity.HIGH,
        title="Lighthouse could not audit the page",
        why="A run that errored (NO_FCP, a failed document request) measured nothing.",
        fix="Check that the page renders in Chromium headless and that the server answers.",
    ),
)


def evaluate(options: LighthouseOptions, ctx: GateContext) -> GateOutcome:
    """Collect runs (run Lighthouse or read LHRs), group them by URL, judge each URL's median."""
    from gates.checks.lighthouse.judge import judge_url
    from gates.parsers import lighthouse_budget

    started = time.monotonic()
    versions: dict[str, str] = {}
    calibration: dict[str, float] = {}
    if options.results is not None:
        grouped = _from_results(options, ctx)
    else:
        from gates.checks.lighthouse import runner

        # the browser this run starts, as it names itself (saved results name no binary)
        versions = chromium_version(ctx, runner.chrome_path(ctx.environ))
        grouped, calibration = _collect(options, ctx, started)
    budgets = None
    if options.budget_file:
        budget_path = ctx.path(options.budget_file)
        budgets = lighthouse_budget.load(budget_path)
        ctx.record(budget_path)
    measurements: list[Measurement] = []
    artifacts: list[Artifact] = []
    per_url = {}
    for label, runs in grouped.items():
        judged = judge_url(label, runs, options, ctx, budgets)
        measurements += judged.measurements
        per_url[label] = judged.details
        if judged.screenshot is not None:
            artifacts.append(judged.screenshot)
    bad = [m for m in measurements if m.status.blocks]
    summary = f"{len(grouped)} URL(s) × {max(len(r) for r in grouped.values())} run(s); " + (
        "; ".join(m.message for m in bad[:3])
        if bad
        else f"{len([m for m in measurements if m.op])} budget checks met"
    )
    return GateOutcome(
        summary=summary,
        measurements=measurements,
        artifacts=artifacts,
        details={
            "urls": per_url,
            "preset": options.preset,
            **({"cpu_calibration": calibration} if calibration else {}),
            "host_benchmark_index": {
                label: [r.benchmark_index for r in runs] for label, runs in grouped.items()
            },
        },
        secrets=[options.protection_bypass] if options.protection_bypass else [],
        tool_versions={**_versions(grouped), **versions},
    )


def _versions(grouped: dict[str, list[lhr.LighthouseRun]]) -> dict[str, str]:
    """The Lighthouse version(s) that wrote the judged runs."""
    seen = sorted(
        {r.lighthouse_version for runs in grouped.values() for r in runs if r.lighthouse_version}
    )
    return {"lighthouse": ", ".join(seen)} if seen else {}


def _from_results(
    options: LighthouseOptions, ctx: GateContext
) -> dict[str, list[lhr.LighthouseRun]]:
    assert options.results is not None
    paths: list[Path] = []
    for item in options.results:
        path = ctx.path(item)
        paths += [path] if path.exists() else ctx.glob([item])
    if not paths:
        raise InputError(f"no Lighthouse results matched {', '.join(options.results)}")
    runs = lhr.load_results(paths)
    for run in runs:
        ctx.record(Path(run.source))
    return group_by_url(runs, options.urls)


def group_by_url(
    runs: list[lhr.LighthouseRun], wanted: list[str]
) -> dict[str, list[lhr.LighthouseRun]]:
    """Runs grouped by final URL (as LHCI groups them), labelled by path when hosts agree."""
    hosts = {urlsplit(r.final_url).netloc for r in runs}
    grouped: dict[str, list[lhr.LighthouseRun]] = {}
    for run in runs:
        label = _label(run.final_url) if len(hosts) == 1 else run.final_url
        grouped.setdefault(label, []).append(run)
    if wanted:
        missing = [u for u in wanted if u not in grouped]
        if missing:
            raise InputError(
                f"no Lighthouse run for {', '.join(missing)} (have {', '.join(grouped)})"
            )
        grouped = {u: grouped[u] for u in wanted}
    return grouped


def _label(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


@dataclass(frozen=True)
class _Session:
    """What every Lighthouse run of one gate shares: the CLI, its environment, the clock."""

    options: LighthouseOptions
    ctx: GateContext
    started: float
    binary: str
    out_dir: Path
    env: dict[str, str]

    def url(self, path: str) -> str:
        assert self.options.server is not None
        return urljoin(self.options.server.url.rstrip("/") + "/", path.lstrip("/"))


def _collect(
    options: LighthouseOptions, ctx: GateContext, started: float
) -> tuple[dict[str, list[lhr.LighthouseRun]], dict[str, float]]:
    from gates.checks.lighthouse import runner

    assert options.server is not None
    binary = runner.find_lighthouse(options.lighthouse, ctx.root, ctx.environ)
    env = dict(ctx.environ)
    env["CHROME_PATH"] = runner.chrome_path(ctx.environ)
    session = _Session(options, ctx, started, str(binary), ctx.artifacts_dir, env)
    grouped: dict[str, list[lhr.LighthouseRun]] = {}
    cwd = ctx.path(options.server.cwd) if options.server.cwd else ctx.root
    with runner.running_server(
        options.server.run,
        cwd=cwd,
        env=env,
        log_path=ctx.out_dir / "logs" / f"{ctx.gate_id}.server.log",
    ) as srv:
        runner.wait_until_answers(
            options.server.url, srv, min(options.server.ready_timeout, _left(ctx, started))
        )
        calibration: dict[str, float] = {}
        slowdown = options.cpu_slowdown if isinstance(options.cpu_slowdown, float) else None
        if options.cpu_slowdown == "auto":
            calibration = _calibrate(session, session.url(options.urls[0]))
            slowdown = calibration["multiplier"]
        for url in options.urls:
            grouped[url] = [
                _one_run(session, session.url(url), url, index, slowdown)
                for index in range(options.runs)
            ]
    return grouped, calibration


def _calibrate(session: _Session, url: str) -> dict[str, float]:
    """One short Lighthouse run (a single audit) to read the host's benchmarkIndex, mapped to
    the CPU multiplier by Lighthouse's calculator; the judged runs then use that multiplier."""
    from gates.checks.lighthouse.calibrate import slowdown_for

    run = _one_run(
        session,
        url,
        "calibration",
        0,
        None,
        only_audits=["first-contentful-paint"],
        file_name="calibration.lhr.json",  # not lhr-*.json: results: globs must never judge it
    )
    if run.benchmark_index is None:
        raise ToolError(f"the calibration run on {url} reported no benchmarkIndex")
    return {
        "benchmark_index": run.benchmark_index,
        "multiplier": round(slowdown_for(run.benchmark_index), 2),
    }


def _one_run(
    session: _Session,
    url: str,
    label: str,
    index: int,
    cpu_slowdown: float | None,
    only_audits: list[str] | None = None,
    file_name: str | None = None,
) -> lhr.LighthouseRun:
    from gates.checks.lighthouse import runner

    options, ctx, env = session.options, session.ctx, session.env
    slug = "".join(c if c.isalnum() else "_" for c in label).strip("_") or "root"
    output = session.out_dir / (file_name or f"lhr-{slug}-{index + 1}.json")
    output.unlink(missing_ok=True)
    marker = runner.new_marker()
    profile = (
        _bypass_profile(options, url, env["CHROME_PATH"]) if options.protection_bypass else None
    )
    argv = runner.lighthouse_argv(
        session.binary,
        url,
        output,
        marker=marker,
        preset=options.preset,
        throttling=options.throttling,
        categories=None,
        profile=profile,
        cpu_slowdown=cpu_slowdown,
        only_audits=only_audits,
    )
    try:
        result = ctx.run(
            argv,
            timeout=min(options.run_timeout, _left(ctx, session.started)),
            extra_env={"CHROME_PATH": env["CHROME_PATH"]},
        )
    finally:
        runner.kill_marked(marker)
        if profile:
            shutil.rmtree(profile, ignore_errors=True)
    if not output.exists():
        tail = (result.stderr.strip() or result.stdout.strip()).splitlines()[-1:] or [""]
        raise ToolError(
            f"Lighthouse wrote no result for {url} ({result.describe_exit}): {tail[0][:160]}"
        )
    run = lhr.load(output)
    ctx.record(output)
    if cpu_slowdown is not None and (
        run.cpu_slowdown is None or abs(run.cpu_slowdown - cpu_slowdown) > 0.01 * cpu_slowdown
    ):
        # cpu_slowdown is honoured or the run is refused: a Lighthouse that ignored the flag
        # measured another device than the checklist asked for
        raise ToolError(
            f"Lighthouse ran {url} at CPU slowdown {run.cpu_slowdown}, not the {cpu_slowdown:g} "
            "cpu_slowdown asked for"
        )
    return run


def _bypass_profile(options: LighthouseOptions, url: str, chrome: str) -> str:
    """A fresh Chromium profile holding the deployment's bypass cookie for its host only:
    Lighthouse's extraHeaders would send the secret to every third-party host the page loads."""
    import tempfile

    from gates.web.bypass import browser_profile, bypass_cookies

    assert options.protection_bypass
    cookies = bypass_cookies(url, options.protection_bypass, timeout=options.run_timeout)
    profile = tempfile.mkdtemp(prefix="gates-lh-profile-")
    browser_profile(url, cookies, chrome, profile)
    return profile


def _left(ctx: GateContext, started: float) -> float:
    left = ctx.timeout - (time.monotonic() - started)
    if left <= 1:
        raise ToolError(f"the gate's {ctx.timeout:g}s timeout ran out before Lighthouse finished")
    return left


__all__ = ["CHECK", "LighthouseOptions", "evaluate", "group_by_url", "representative_index"]

CHECK = Check(
    type="lighthouse",
    options=LighthouseOptions,
    evaluate=evaluate,
    rules=RULES,
    summary="Median of N Lighthouse runs per URL against metric, category and budget.json budgets",
)

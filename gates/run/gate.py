"""Evaluate one gate (inside its worker process) and judge its outcome into a ``GateResult``.

Everything a worker needs travels in a :class:`GateTask` and everything it gives back in a
:class:`GateRun`; both are pickled between the processes.
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from gates import redact
from gates.checklist.model import GateSpec, Waiver
from gates.checks import CHECKS
from gates.checks.base import GateContext, GateOutcome
from gates.errors import GatesError, ToolTimeout
from gates.io.safe import evidence_for
from gates.model import Evidence, GateResult
from gates.run.judge import as_reported, judge_substance, mark_new
from gates.waivers import apply as apply_waivers
from gates.writers import mask_files


@dataclass(frozen=True)
class GateTask:
    """One gate to evaluate, with what it may see of the run."""

    spec: GateSpec
    waivers: tuple[tuple[int, Waiver], ...]
    """The checklist's waivers of this gate, with their index in the checklist."""
    root: Path
    out_dir: Path
    environ: dict[str, str]
    stage: str
    environment: str | None
    url: str | None
    commit: str | None
    base_ref: str | None
    baseline: GateResult | None
    baseline_given: bool
    today: date
    needs_not_run: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    """Values the run knows to be secret so far (its own and those earlier gates reported):
    the worker's logs mask them as they are written."""


@dataclass(frozen=True)
class GateRun:
    """What a finished gate gives back to the run."""

    result: GateResult
    failed: bool
    """Failed or errored in substance (true also for a non-blocking gate reported ``warn``)."""
    secrets: tuple[str, ...] = ()
    waivers_used: dict[int, int] = field(default_factory=dict)
    """Findings each waiver matched, by its index in the checklist."""


def execute(task: GateTask) -> GateRun:
    """Evaluate the gate and judge it; every exception of the gate is its ``error``."""
    spec = task.spec
    redact.set_log_secrets(task.secrets)
    ctx = GateContext(
        gate_id=spec.id,
        root=task.root,
        out_dir=task.out_dir,
        timeout=spec.timeout,
        env_name=task.environment,
        stage=task.stage,
        baseline=task.baseline,
        baseline_given=task.baseline_given,
        base_ref=task.base_ref,
        url=task.url,
        commit=task.commit,
        environ=dict(task.environ),
    )
    # The log holds this run only: a previous run's output must not pass for this one's.
    ctx.log_path.unlink(missing_ok=True)
    clock = time.monotonic()
    try:
        outcome = CHECKS[spec.type].evaluate(spec.options, ctx)
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
    # Raw tool output kept as artifacts was written by the tool, not through a masking writer;
    # what this gate found may already be in its own log: mask both now, not at the run's end.
    own = [ctx.out_dir / "artifacts" / spec.id]
    if outcome.secrets:
        redact.add_log_secrets(outcome.secrets)
        own += [ctx.log_path, *ctx.log_path.parent.glob(f"{spec.id}.*.log")]
    rewritten = {path.resolve() for path in mask_files(own, redact.log_redactor())}
    findings, expired, used_local = apply_waivers(
        outcome.findings, [w for _, w in task.waivers], task.today
    )
    findings = mark_new(findings, task.baseline, task.baseline_given)
    substance, summary = judge_substance(spec, outcome, findings, expired, task.baseline_given)
    status, summary = as_reported(spec, findings, substance, summary)
    details = outcome.details
    if task.needs_not_run:
        # --only/--skip left a need out: this gate judged evidence the need did not produce now
        names = ", ".join(f"'{n}'" for n in task.needs_not_run)
        summary = f"{summary} (need {names} not run in this run)"
        details = {**details, "needs_not_run": list(task.needs_not_run)}
    log = ctx.log_path if ctx.log_path.exists() else None
    result = GateResult(
        id=spec.id,
        type=spec.type,
        status=status,
        # an always-blocking finding makes the gate blocking whatever the checklist says
        blocking=spec.blocking or any(f.always_blocks for f in findings),
        summary=summary,
        duration_s=round(duration, 3),
        measurements=tuple(outcome.measurements),
        findings=tuple(findings),
        evidence=_as_kept(tuple(outcome.evidence or ctx.evidence), rewritten, ctx.root),
        error=outcome.error,
        log=os.path.relpath(log, task.out_dir) if log else None,
        artifacts=tuple(outcome.artifacts),
        details=details,
        stage=spec.stage,
        needs=spec.needs,
        series=tuple(outcome.series),
        description=spec.options.description,
        tool_versions=dict(outcome.tool_versions),
    )
    used = {task.waivers[i][0]: n for i, n in used_local.items()}
    return GateRun(result, substance.blocks, tuple(outcome.secrets), used)


def _as_kept(
    evidence: tuple[Evidence, ...], rewritten: set[Path], root: Path
) -> tuple[Evidence, ...]:
    """A file the gate judged and gates then masked (a Lighthouse LHR quoting a bypass secret) is
    recorded as it is kept: the report's digest must verify against the file beside it."""
    if not rewritten:
        return evidence
    kept = []
    for item in evidence:
        path = (root / item.path).resolve()
        kept.append(evidence_for(path, root) if path in rewritten and path.is_file() else item)
    return tuple(kept)

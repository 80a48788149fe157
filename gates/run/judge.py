"""One gate's status and summary from its outcome: the same rule for every gate type.

The non-blocking rule lives here once (:func:`as_reported`): a non-blocking gate that failed
or errored is reported ``warn``, named as such, unless an always-blocking finding overrides.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from gates.checklist.model import GateSpec
from gates.checks.base import GateOutcome
from gates.model import Finding, GateResult, Status, worst

NON_BLOCKING = "non-blocking "
"""Summary prefix of a non-blocking gate that failed or errored (reported as ``warn``)."""


def judge(
    spec: GateSpec,
    outcome: GateOutcome,
    findings: Sequence[Finding],
    expired: Sequence[object],
    *,
    baseline_given: bool,
) -> tuple[Status, str]:
    """The gate's status and one-line summary."""
    status, summary = judge_substance(spec, outcome, findings, expired, baseline_given)
    return as_reported(spec, findings, status, summary)


def as_reported(
    spec: GateSpec, findings: Sequence[Finding], status: Status, summary: str
) -> tuple[Status, str]:
    """A non-blocking gate's fail or error is reported as ``warn`` (contract), named as such."""
    if not spec.blocking and status.blocks and not any(f.always_blocks for f in findings):
        return Status.WARN, f"{NON_BLOCKING}{status.value}: {summary}"
    return status, summary


def judge_substance(
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
        if f.always_blocks
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
        # a reason the gate's own summary already says is not repeated: "35 blocking" there
        # makes "35 blocking findings" here noise
        said = f"{len(blocking)} blocking" if blocking else None
        extra = [
            r
            for r in reasons
            if r not in summary and not (said and r.startswith(said) and said in summary)
        ]
        summary = "; ".join([summary, *extra[:2]])
    return status, summary


def mark_new(
    findings: Sequence[Finding], baseline: GateResult | None, baseline_given: bool
) -> list[Finding]:
    """Findings marked ``new`` unless the baseline's result of this gate had them."""
    if not baseline_given:
        return list(findings)
    known = {f.fingerprint for f in baseline.findings} if baseline else set()
    return [dataclasses.replace(f, new=f.fingerprint not in known) for f in findings]


def skipped(spec: GateSpec, reason: str) -> GateResult:
    """The result of a gate that did not run."""
    return GateResult(
        id=spec.id,
        type=spec.type,
        status=Status.SKIPPED,
        blocking=spec.blocking,
        summary=reason,
        stage=spec.stage,
        needs=spec.needs,
    )


def errored(spec: GateSpec, reason: str, duration: float) -> GateResult:
    """The result of a gate the runner had to stop or lost (deadline, crash, interrupt)."""
    status, summary = as_reported(spec, (), Status.ERROR, reason)
    return GateResult(
        id=spec.id,
        type=spec.type,
        status=status,
        blocking=spec.blocking,
        summary=summary,
        error=reason,
        duration_s=round(duration, 3),
        stage=spec.stage,
        needs=spec.needs,
    )

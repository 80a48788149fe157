"""``gates promote``: load what the decision needs, then ask :mod:`gates.report.promote`.

The requirement list comes from the checklist in force for the target environment, never from
the report being judged, so a report cannot lower its own bar.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from gates import checklist as checklist_mod
from gates.errors import UsageError
from gates.report.codec import load
from gates.report.outputs import git_facts, signing_key
from gates.report.promote import check_promotion, render_refusal
from gates.run.options import required_for_stage
from gates.units import parse_duration
from gates.verdict import EXIT_FAIL, EXIT_PASS


def promote(
    *, report_path: Path, target: str, commit: str | None, max_age: str, checklist_path: Path
) -> tuple[int, str]:
    """``(exit code, text)``: 0 when the report may promote to ``target``, else 1 with reasons."""
    try:
        max_age_s = parse_duration(max_age)
    except ValueError as exc:
        raise UsageError(f"--max-age: {exc}") from None
    in_force = checklist_mod.load(checklist_path, environment=target, stage=None)
    report = load(report_path)
    wanted, _ = git_facts(checklist_path.resolve().parent, commit)
    reasons = check_promotion(
        report,
        target_env=target,
        # Promotion comes before the deployment: the pre-deploy requirements are what a report
        # must evidence (a post-deploy report lacks them and is refused).
        required=required_for_stage(in_force, "pre-deploy"),
        commit=wanted or "",
        max_age_s=max_age_s,
        checklist_sha256=in_force.sha256,
        signing_key=signing_key(),
        now=datetime.now(UTC),
    )
    return (EXIT_FAIL if reasons else EXIT_PASS), render_refusal(report, reasons, target)

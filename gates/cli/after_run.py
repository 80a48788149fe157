"""What ``gates run`` does around the gates of a deployment: the emergency flags, the rollback
after a failing verdict, the notifications after the reports are written (docs/post-deploy.md).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from gates.checklist.model import Checklist
from gates.errors import UsageError
from gates.model import Report, Status
from gates.run.runner import RunOptions
from gates.verdict import EXIT_ROLLBACK_FAILED
from gates.verdict import exit_code as verdict_exit_code


def check_flags(args: argparse.Namespace, checklist: Checklist, stage: str) -> datetime | None:
    """Refuse flags that could not be honoured (before anything runs); ``--deployed-at``."""
    if args.rollback and stage != "post-deploy":
        raise UsageError("--rollback needs --stage post-deploy (a rollback follows a deploy)")
    if args.rollback and checklist.rollback is None:
        raise UsageError("--rollback given but the checklist has no rollback: section")
    if args.emergency is not None and not args.emergency.strip():
        raise UsageError("--emergency needs a reason")
    if args.by and args.emergency is None and "GATES_EMERGENCY" not in os.environ:
        raise UsageError("--by names who asked for an emergency: give --emergency REASON too")
    if not args.deployed_at:
        return None
    try:
        when = datetime.fromisoformat(args.deployed_at)
    except ValueError:
        raise UsageError(f"--deployed-at {args.deployed_at!r} is not an ISO 8601 time") from None
    if when.tzinfo is None:
        raise UsageError("--deployed-at needs a time zone (2026-12-01T10:00:00Z or +01:00)")
    if when > datetime.now(UTC):
        raise UsageError("--deployed-at is in the future")
    return when.astimezone(UTC)


@contextmanager
def emergency_environment(args: argparse.Namespace) -> Iterator[None]:
    """``--emergency``/``--by`` reach the ``window`` gate as GATES_EMERGENCY(_BY), for the run."""
    saved = {k: os.environ.get(k) for k in ("GATES_EMERGENCY", "GATES_EMERGENCY_BY")}
    if args.emergency is not None:
        os.environ["GATES_EMERGENCY"] = args.emergency
    if args.by:
        os.environ["GATES_EMERGENCY_BY"] = args.by
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def rollback_if_asked(
    args: argparse.Namespace,
    checklist: Checklist,
    options: RunOptions,
    report: Report,
    deployed_at: datetime | None,
    secrets: list[str],
) -> Report:
    """With ``--rollback`` and a failing verdict: carry out the rollback; the verdict stays.

    Secret-named environment values (tokens in ``rollback.run``, webhook URLs) join
    ``secrets`` whenever a rollback or a notification may carry them."""
    if args.rollback or checklist.notify:
        from gates import redact
        from gates.deploy.rollback import secret_environment

        secrets.extend(secret_environment(os.environ))
        redact.add_log_secrets(secrets)  # rollback.log is masked as it is written
    if not args.rollback or report.verdict is Status.PASS or checklist.rollback is None:
        return report
    if report.interrupted:
        # A cancelled run detected nothing: rolling back on a cancel would be a false alarm.
        print("gates: run interrupted: no rollback", file=sys.stderr, flush=True)
        return report
    import dataclasses

    from gates.deploy.rollback import carry_out

    print("gates: verdict fail: rolling back (rollback.run)", file=sys.stderr, flush=True)
    outcome = carry_out(
        checklist.rollback,
        checklist,
        options,
        report,
        given_deployed_at=deployed_at,
        environ=dict(os.environ),
    )
    return dataclasses.replace(report, rollback=outcome)


def notify(
    args: argparse.Namespace,
    checklist: Checklist,
    report: Report,
    secrets: Sequence[str],
    out_dir: Path,
) -> None:
    """Post to ``notify:`` targets; show and record what became of each (never fatal)."""
    if report.rollback is not None:
        outcome = report.rollback
        stream = sys.stdout if outcome.status == "recovered" else sys.stderr
        print(f"rollback {outcome.status.upper()}: {outcome.message}", file=stream)
        for step in outcome.timeline:
            after = f"+{step.after_s:g}s" if step.after_s is not None else "never"
            budget = f" / budget {step.budget_s:g}s" if step.budget_s else ""
            late = " OVER BUDGET" if step.within_budget is False else ""
            print(f"  {step.name:<18} {after}{budget}{late}", file=stream)
    if not checklist.notify:
        return
    from gates.deploy.notify import deliver, to_json
    from gates.writers import write_atomic

    deliveries = deliver(checklist.notify, report, args.report_url, secrets)
    write_atomic(out_dir / "notifications.json", to_json(deliveries))
    for item in deliveries:
        if item.ok:
            print(f"notified {item.target} ({item.format}, HTTP {item.status})")
        else:
            print(
                f"gates: NOTIFICATION FAILED: {item.target} ({item.format}) after "
                f"{item.attempts} attempt(s): {item.error} (the verdict is unchanged)",
                file=sys.stderr,
            )


def exit_code(report: Report) -> int:
    """The verdict's exit code, or 4 when a rollback failed or could not be verified."""
    if report.rollback is not None and report.rollback.status != "recovered":
        return EXIT_ROLLBACK_FAILED
    return verdict_exit_code(report.verdict)

"""``gates run --rollback``: carry out ``rollback.run`` after a failing verdict, verify, time it.

The timeline is measured from the deploy (``--deployed-at``, else the first sample of an
``analysis`` gate, else the start of the run): *detected* is the moment the failing verdict was
known, then the rollback command's start and end, then the moment the ``verify`` gates passed
against the restored deployment. Each moment after the deploy is compared with its budget
(``detect``, ``rollback``, ``recover``). The verdict of the run is untouched (the release was bad);
the outcome is :class:`~gates.model.RollbackOutcome` in the report.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from gates.checklist.deploy import RollbackSpec
from gates.checklist.model import Checklist
from gates.errors import GatesError
from gates.model import GateResult, Report, RollbackOutcome, Status, TimelineStep
from gates.process import run_tool, split_command
from gates.run.runner import RunOptions, run_checklist

Clock = Callable[[], datetime]
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|WEBHOOK|AUTH", re.I)
"""Environment variables whose values a rollback command or a webhook may carry: masked in
every report and message (``rollback.run: vercel rollback --token ${VERCEL_TOKEN}``)."""


def secret_environment(environ: Mapping[str, str]) -> list[str]:
    """Values of secret-named environment variables, for redaction."""
    return [v for k, v in environ.items() if SECRET_NAME.search(k) and len(v) >= 6]


def deployed_at(report: Report, given: datetime | None) -> datetime:
    """When the deploy happened: ``--deployed-at``, else the first probe, else the run's start."""
    if given is not None:
        return given
    starts = [s.started_at for g in report.gates for s in g.series if s.started_at]
    return datetime.fromisoformat(min(starts) if starts else report.started_at)


def _step(
    name: str, at: datetime | None, origin: datetime, budget: float | None = None
) -> TimelineStep:
    if at is None:
        return TimelineStep(
            name=name, at=None, budget_s=budget, within_budget=False if budget else None
        )
    after = round((at - origin).total_seconds(), 3)
    return TimelineStep(
        name=name,
        at=at.isoformat(),
        after_s=after,
        budget_s=budget,
        within_budget=None if budget is None else after <= budget,
    )


def carry_out(
    spec: RollbackSpec,
    checklist: Checklist,
    options: RunOptions,
    report: Report,
    *,
    given_deployed_at: datetime | None,
    environ: Mapping[str, str],
    clock: Clock = lambda: datetime.now(UTC),
) -> RollbackOutcome:
    """Run the rollback command, then the verify gates against the restored deployment."""
    origin = deployed_at(report, given_deployed_at)
    detected = clock()
    budgets = spec.budgets
    command = spec.run if isinstance(spec.run, str) else shlex.join(spec.run)
    started = clock()
    exit_code: int | None = None
    problem = ""
    log = options.out_dir / "logs" / "rollback.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.unlink(missing_ok=True)
    try:
        ran = run_tool(
            split_command(spec.run, shell=spec.shell),
            timeout=spec.timeout,
            cwd=options.root,
            env=dict(environ),
            log_path=log,
        )
        exit_code = ran.returncode
        if ran.returncode != 0:
            problem = f"rollback command {ran.describe_exit} (log: logs/rollback.log)"
    except GatesError as exc:  # ToolMissing, ToolTimeout
        problem = f"rollback command did not run to completion: {exc}"
    finished = clock() if not problem else None
    timeline = [
        _step("deployed", origin, origin),
        _step("detected", detected, origin, budgets.detect),
        _step("rollback started", started, origin),
        _step("rollback finished", finished, origin, budgets.rollback),
    ]
    if problem:
        timeline.append(_step("recovered", None, origin, budgets.recover))
        return RollbackOutcome(
            status="failed",
            message=problem,
            command=command,
            exit_code=exit_code,
            timeline=tuple(timeline),
        )
    verified = _verify(spec, checklist, options)
    failing = [g for g in verified if g.status is not Status.PASS and g.status is not Status.WARN]
    if not spec.verify:
        message = "rolled back, but nothing verifies it: rollback.verify names no gate"
    elif failing:
        message = "rolled back, but recovery is not validated: " + "; ".join(
            f"{g.id}: {g.status.value}: {g.error or g.summary}" for g in failing
        )
    else:
        message = ""
    recovered = clock() if not message else None
    timeline.append(_step("recovered", recovered, origin, budgets.recover))
    if message:
        return RollbackOutcome(
            status="unverified",
            message=message,
            command=command,
            exit_code=exit_code,
            timeline=tuple(timeline),
            verify=verified,
        )
    late = [s.name for s in timeline if s.within_budget is False]
    return RollbackOutcome(
        status="recovered",
        message="rolled back and verified by "
        + ", ".join(spec.verify)
        + (f" (over budget: {', '.join(late)})" if late else ""),
        command=command,
        exit_code=exit_code,
        timeline=tuple(timeline),
        verify=verified,
    )


def _verify(
    spec: RollbackSpec, checklist: Checklist, options: RunOptions
) -> tuple[GateResult, ...]:
    if not spec.verify:
        return ()
    out_dir: Path = options.out_dir / "rollback"
    out_dir.mkdir(parents=True, exist_ok=True)
    again = dataclasses.replace(
        options,
        out_dir=out_dir,
        only=set(spec.verify),
        skip=set(),
        url=spec.url or options.url,
        baseline=None,
    )
    result, _ = run_checklist(checklist, again)
    by_id = {g.id: g for g in result.gates}
    return tuple(by_id[g] for g in spec.verify if g in by_id)

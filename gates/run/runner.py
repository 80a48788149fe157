"""Run a checklist: schedule gates by ``needs``, each in its own worker process, and assemble
the report.

At most ``jobs`` workers run at a time (:mod:`gates.run.worker`); a gate starts as soon as its
needs allow (:mod:`gates.run.needs`). A gate that overruns its ``timeout`` has its worker's
whole process tree killed and is ``error``; so is a gate whose worker died. Interrupts
(SIGINT, or SIGTERM turned into ``KeyboardInterrupt`` by the CLI) stop every worker and still
produce a report, marked interrupted, whose verdict is fail.
"""

from __future__ import annotations

import dataclasses
import math
import os
import signal
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import wait
from multiprocessing.context import BaseContext

from gates import __version__, process, redact
from gates.checklist.model import Checklist, GateSpec
from gates.checks import REPORTS_SECRETS
from gates.model import GateResult, Report, Status, tool_list
from gates.redact import Redactor
from gates.run import server, worker
from gates.run.gate import GateRun, GateTask
from gates.run.judge import errored, skipped
from gates.run.needs import NeedState, needs_state
from gates.run.options import RunOptions, required_for_stage, run_environ, selection_reason
from gates.verdict import decide
from gates.waivers import usage as waiver_usage

__all__ = ["Progress", "RunOptions", "required_for_stage", "run_checklist"]

Progress = Callable[[str, str, GateResult | None], None]
"""``progress(gate_id, event, result)`` with event ``start`` or ``done``."""


@dataclass
class _Run:
    """The state of one run while it goes."""

    checklist: Checklist
    options: RunOptions
    notify: Progress
    environ: dict[str, str]
    results: dict[str, GateResult] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    """Gates that failed or errored in substance (a non-blocking one is reported ``warn``)."""
    secrets: list[str] = field(default_factory=list)
    """Values the gates reported as secret (the run's own are in ``options.secrets``)."""
    waivers_used: dict[int, int] = field(default_factory=dict)
    redactor: Redactor = field(default_factory=lambda: Redactor(()))

    def __post_init__(self) -> None:
        self.redactor = Redactor(self.options.secrets)
        redact.set_log_secrets(self.options.secrets)  # this run's, not an earlier one's

    def known_secrets(self) -> tuple[str, ...]:
        """Every value this run knows to be secret so far."""
        return tuple(dict.fromkeys([*self.options.secrets, *self.secrets]))

    def finish(self, gate_id: str, run: GateRun) -> None:
        self.results[gate_id] = run.result
        if run.failed:
            self.failed.add(gate_id)
        new = [s for s in run.secrets if s not in self.secrets]
        if new:
            # from now on the progress line, every later gate's logs (their workers get the
            # values in their task) and this process's own logs (rollback) mask them
            self.secrets.extend(new)
            self.redactor = Redactor(self.known_secrets())
            redact.add_log_secrets(new)
        self.waivers_used.update(run.waivers_used)
        self.notify(gate_id, "done", self.shown(run.result))

    def shown(self, result: GateResult) -> GateResult:
        """``result`` as the progress line may show it: its summary masked with every secret
        known so far (the whole result is masked once, in the report)."""
        summary = self.redactor.text(result.summary)
        return result if summary is result.summary else dataclasses.replace(result, summary=summary)

    def lost(self, spec: GateSpec, reason: str, duration: float) -> None:
        self.finish(spec.id, GateRun(errored(spec, reason, duration), True))


def run_checklist(
    checklist: Checklist, options: RunOptions, progress: Progress | None = None
) -> tuple[Report, list[str]]:
    """Run every selected gate; return the report (not yet digested) and secret values seen."""
    started = datetime.now(UTC)
    clock = time.monotonic()
    environ = run_environ(
        os.environ, environment=options.environment, url=options.url, commit=options.commit
    )
    run = _Run(checklist, options, progress or (lambda *_: None), environ)
    pending: dict[str, GateSpec] = {}
    finders = [g for g, spec in checklist.gates.items() if spec.type in REPORTS_SECRETS]
    for gate_id in start_order(checklist.gates, options.expected_s, first=finders):
        spec = checklist.gates[gate_id]
        reason = selection_reason(spec, options)
        if reason is None:
            pending[gate_id] = spec
        else:
            run.results[gate_id] = skipped(spec, reason)
    interrupted = _schedule(run, pending)
    ordered = tuple(run.results[g] for g in checklist.gates if g in run.results)
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
        waivers=tuple(
            waiver_usage(
                checklist.waivers,
                run.waivers_used,
                options.today,
                ran={g.id for g in ordered if g.status is not Status.SKIPPED},
            )
        ),
        required=required,
        verdict_reasons=tuple(reasons),
        interrupted=interrupted,
        url=options.url,
    )
    return report, run.secrets


def start_order(
    gate_ids: Iterable[str], expected_s: Mapping[str, float], *, first: Iterable[str] = ()
) -> list[str]:
    """The order in which ready gates start. ``first`` (the gates that may find secrets) in
    checklist order before all others: a secret such a gate finds masks the progress and log
    lines of every gate started after it, so none may overtake it because it is quicker. Then
    the longest expected first, so that the longest gate does not start last and run alone on
    one core while the others idle (the bench's slowest, started last, ran 1.3 s alone); a
    gate with no earlier time counts as longest; ties keep the checklist's order."""
    early = set(first)
    return sorted(
        gate_ids,
        key=lambda gate_id: (
            (False, 0.0) if gate_id in early else (True, -expected_s.get(gate_id, math.inf))
        ),
    )


def _schedule(run: _Run, pending: dict[str, GateSpec]) -> bool:
    """Run the pending gates in workers as their needs allow; return whether interrupted."""
    if not pending:
        return False
    process.become_subreaper()  # orphans of a killed worker come back here to be reaped
    # the types of the gates this run starts (a forkserver restarted from here preloads them)
    ctx = server.context(spec.type for spec in pending.values())
    running: dict[str, worker.Worker] = {}
    try:
        while pending or running:
            _start_ready(run, pending, running, ctx)
            if not running:
                if pending:  # validated acyclic: every pending gate waits on nothing running
                    raise RuntimeError("needs graph is stuck")
                break
            _collect(run, running)
    except KeyboardInterrupt:
        _stop_all(run, running, pending)
        return True
    return False


def _start_ready(
    run: _Run,
    pending: dict[str, GateSpec],
    running: dict[str, worker.Worker],
    ctx: BaseContext,
) -> None:
    for gate_id, spec in list(pending.items()):
        if len(running) >= max(1, run.options.jobs):
            return
        needs = needs_state(spec, run.checklist, run.results, run.failed, run.options)
        if needs.state is NeedState.WAIT:
            continue
        del pending[gate_id]
        if needs.state is NeedState.BLOCKED:
            run.results[gate_id] = skipped(spec, needs.reason)
            run.notify(gate_id, "done", run.shown(run.results[gate_id]))
            continue
        run.notify(gate_id, "start", None)
        task = _task(run, spec, needs.not_run)
        deadline = time.monotonic() + spec.timeout + worker.DEADLINE_SLACK_S
        running[gate_id] = worker.start(ctx, task, deadline)


def _task(run: _Run, spec: GateSpec, not_run: tuple[str, ...]) -> GateTask:
    options = run.options
    baseline = None
    if options.baseline is not None:
        baseline = next((g for g in options.baseline.gates if g.id == spec.id), None)
    return GateTask(
        spec=spec,
        waivers=tuple((i, w) for i, w in enumerate(run.checklist.waivers) if w.gate == spec.id),
        root=options.root,
        out_dir=options.out_dir,
        environ=run.environ,
        stage=options.stage,
        environment=options.environment,
        url=options.url,
        commit=options.commit,
        base_ref=options.base_ref,
        baseline=baseline,
        baseline_given=options.baseline is not None,
        today=options.today,
        needs_not_run=not_run,
        secrets=run.known_secrets(),
    )


def _collect(run: _Run, running: dict[str, worker.Worker]) -> None:
    """Wait for a result, a dead worker or the nearest deadline, and handle what happened."""
    now = time.monotonic()
    nearest = min(_next_event(w) for w in running.values())
    waitables = [w.conn for w in running.values()] + [w.sentinel for w in running.values()]
    ready = set(wait(waitables, timeout=max(0.0, min(nearest - now, 1.0))))
    now = time.monotonic()
    for gate_id, gate in list(running.items()):
        spec = run.checklist.gates[gate_id]
        if gate.conn in ready or gate.sentinel in ready:
            result = _receive(gate)
            del running[gate_id]
            gate.kill()
            if result is not None:
                run.finish(gate_id, result)
            else:
                run.lost(spec, _death(spec, gate), now - gate.started)
        elif gate.stopping_since is None and now >= gate.deadline:
            gate.stop()
        elif gate.stopping_since is not None and now >= _next_event(gate):
            del running[gate_id]
            gate.kill()
            run.lost(spec, _overran(spec), now - gate.started)


def _next_event(gate: worker.Worker) -> float:
    if gate.stopping_since is None:
        return gate.deadline
    return gate.stopping_since + worker.CLEANUP_GRACE_S


def _receive(gate: worker.Worker) -> GateRun | None:
    """The worker's result if it sent one (it may have exited just after)."""
    try:
        if gate.conn.poll():
            received = gate.conn.recv()
            return received if isinstance(received, GateRun) else None
    except (EOFError, OSError):
        pass
    return None


def _overran(spec: GateSpec) -> str:
    return (
        f"timed out: the gate did not finish within its timeout ({spec.timeout:g}s); its "
        "worker process and everything it started were killed"
    )


def _death(spec: GateSpec, gate: worker.Worker) -> str:
    """Why a worker ended without a result."""
    if gate.stopping_since is not None:
        return _overran(spec)
    code = gate.proc.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        cause = " (the out-of-memory killer sends SIGKILL)" if -code == signal.SIGKILL else ""
        return f"the gate's worker process died: killed by {name}{cause}"
    return f"the gate's worker process exited (code {code}) without a result"


def _stop_all(run: _Run, running: dict[str, worker.Worker], pending: dict[str, GateSpec]) -> None:
    """Interrupted: stop every worker (cleanup first, then the whole tree) and mark the
    unfinished gates."""
    for gate in running.values():
        gate.stop()
    deadline = time.monotonic() + worker.INTERRUPT_GRACE_S
    while time.monotonic() < deadline and any(g.proc.is_alive() for g in running.values()):
        time.sleep(0.05)
    for gate in running.values():
        gate.kill()
    for gate_id in [*running, *pending]:
        spec = run.checklist.gates[gate_id]
        run.failed.add(gate_id)
        run.results[gate_id] = errored(spec, "interrupted before the gate finished", 0.0)
    running.clear()
    pending.clear()


def _tool_versions(results: Sequence[GateResult]) -> dict[str, str]:
    return tool_list(__version__, results)

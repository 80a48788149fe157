"""The verdict rule and the exit codes (the contract in docs/reports.md).

The verdict is ``fail`` when any blocking gate is ``fail`` or ``error``, when a gate the
environment ``require``s did not run (``skipped`` or absent), or when no gate ran at all;
otherwise ``pass``. The runner,
``gates merge`` and ``gates promote`` all call :func:`decide`, so the rule lives in one place.
"""

from __future__ import annotations

from collections.abc import Sequence

from gates.model import GateResult, Status

EXIT_PASS = 0
"""Verdict pass (warnings allowed)."""
EXIT_FAIL = 1
"""Verdict fail: a blocking gate failed or errored, or a required gate did not run."""
EXIT_USAGE = 2
"""Usage or checklist error; nothing ran."""
EXIT_INTERNAL = 3
"""Internal error; the report, if any, says so."""
EXIT_ROLLBACK_FAILED = 4
"""``gates run --rollback``: the verdict failed and the rollback failed or is not verified."""


def decide(gates: Sequence[GateResult], required: Sequence[str]) -> tuple[Status, list[str]]:
    """``(verdict, reasons)``: ``Status.PASS`` with no reasons, or ``Status.FAIL`` with one reason
    per blocking failure and per required gate that did not run, in report order."""
    reasons: list[str] = []
    by_id: dict[str, GateResult] = {}
    for gate in gates:
        by_id.setdefault(gate.id, gate)
        if gate.blocking and gate.status.blocks:
            reason = gate.error or gate.summary or gate.status.value
            reasons.append(f"{gate.id}: {gate.status.value}: {_one_line(reason)}")
    for gate_id in required:
        found = by_id.get(gate_id)
        if found is None:
            reasons.append(f"{gate_id}: required but not in this run")
        elif found.status is Status.SKIPPED:
            why = _one_line(found.summary) if found.summary else "skipped"
            reasons.append(f"{gate_id}: required but skipped ({why})")
    if all(gate.status is Status.SKIPPED for gate in gates):
        # A run that judged nothing (every gate of another stage, deselected or skipped) is
        # not evidence that anything is fine.
        reasons.append("no gate ran: nothing was judged")
    return (Status.FAIL if reasons else Status.PASS), reasons


def exit_code(verdict: Status) -> int:
    """The process exit code of a run whose verdict is ``verdict`` (``pass`` → 0, else 1)."""
    return EXIT_PASS if verdict is Status.PASS else EXIT_FAIL


def _one_line(text: str, limit: int = 200) -> str:
    """First line of ``text``, cut to ``limit`` characters (tracebacks stay in the report)."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"

"""Whether a gate may start: the state of its ``needs`` in this run."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from gates.checklist.model import Checklist, GateSpec
from gates.model import GateResult, Status
from gates.run.options import RunOptions, selection_reason


class NeedState(enum.Enum):
    """What the needs of a gate allow."""

    READY = "ready"
    """Every need passed (or was left out of this run on purpose): the gate may start."""
    WAIT = "wait"
    """A need has not finished yet."""
    BLOCKED = "blocked"
    """A need failed, errored or was skipped: the gate is skipped (``reason`` says which)."""


@dataclass(frozen=True)
class Needs:
    """The state of one gate's needs."""

    state: NeedState
    reason: str = ""
    """For ``BLOCKED``: why (``needs 'build', which is fail``)."""
    not_run: tuple[str, ...] = ()
    """Needs left out of this run (``--only``/``--skip``/another stage): the gate judges
    evidence those needs did not produce in this run, which its result says."""


def needs_state(
    spec: GateSpec,
    checklist: Checklist,
    results: Mapping[str, GateResult],
    failed: set[str],
    options: RunOptions,
) -> Needs:
    """The state of ``spec``'s needs given the results so far; ``failed`` holds the gates that
    failed or errored in substance (a non-blocking one is reported ``warn`` but still fails
    its dependents' precondition)."""
    not_run: list[str] = []
    for need in spec.needs:
        result = results.get(need)
        if result is None:
            return Needs(NeedState.WAIT)
        if result.status is Status.SKIPPED and selection_reason(checklist.gates[need], options):
            not_run.append(need)  # excluded on purpose (a matrix job, --only); judged elsewhere
            continue
        if result.status in (Status.PASS, Status.WARN) and need not in failed:
            continue
        return Needs(NeedState.BLOCKED, f"needs '{need}', which is {result.status.value}")
    return Needs(NeedState.READY, not_run=tuple(not_run))

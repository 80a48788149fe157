"""What a run is asked to do, and the environment every gate of it sees."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from gates.checklist.model import Checklist, GateSpec
from gates.model import Report


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
    secrets: tuple[str, ...] = ()
    """Values known to be secret before the run starts (:func:`gates.redact.run_secrets`):
    every log, progress line and report of the run masks them."""
    expected_s: Mapping[str, float] = field(default_factory=dict)
    """Seconds each gate took in an earlier run (:func:`gates.report.history.last_durations`):
    of the gates ready to start, the longest expected starts first."""


def run_environ(
    base: Mapping[str, str],
    *,
    environment: str | None = None,
    url: str | None = None,
    commit: str | None = None,
) -> dict[str, str]:
    """The one place that builds the run's environment: ``base`` plus ``GATES_ENV``,
    ``DEPLOY_URL`` and ``GATES_COMMIT`` for what this run knows. The checklist's ``${VAR}``
    expansion and every gate (and the tools it starts) see the same values."""
    environ = dict(base)
    if environment:
        environ["GATES_ENV"] = environment
    if url:
        environ["DEPLOY_URL"] = url
    if commit:
        environ["GATES_COMMIT"] = commit
    return environ


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

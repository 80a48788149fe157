"""The dry run's data: a file to run, and what the run found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gates.checks.migrations.problem import Problem
from gates.checks.migrations.sqlsource import SqlFile


@dataclass(frozen=True)
class Script:
    """A migration or rollback file to run."""

    name: str
    rel: str
    sql: SqlFile


@dataclass
class DryRunResult:
    """What the dry run found; ``rows`` are per migration (timings in seconds, status)."""

    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    diffs: dict[str, list[str]] = field(default_factory=dict)
    server: str = ""
    series: list[Any] = field(default_factory=list)
    """Typed :class:`gates.model.Series`: per new migration, probe waits and locks held."""
    live: dict[str, Any] = field(default_factory=dict)
    """Restore, data fill, and per migration the locks and probe waits (for details)."""
    unavailable: str = ""
    """Set when a migration needs an extension the server lacks: the dry run cannot judge it
    (or anything after it), which is not the migration's failure."""

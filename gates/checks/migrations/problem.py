"""A problem found in a migration, before the gate turns it into a :class:`gates.model.Finding`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One rule violation at a place in a migration file."""

    rule: str
    """Rule id (kebab-case), a key of :data:`gates.checks.migrations.lint_rules.RULES_BY_ID`."""
    message: str
    path: str
    """Project-relative path of the file."""
    line: int | None = None
    snippet: str = ""
    """The offending statement (normalised into the fingerprint, never a line number)."""
    migration: str = ""
    """File name of the migration this belongs to (for the per-migration table)."""
    data: dict[str, Any] = field(default_factory=dict)

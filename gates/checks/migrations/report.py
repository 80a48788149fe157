"""Problems -> findings, and the per-migration table for the report's details."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from gates.checks.migrations.lint_rules import RULES_BY_ID
from gates.checks.migrations.problem import Problem
from gates.fingerprint import fingerprint
from gates.model import Finding, Location, Severity


def to_finding(problem: Problem, *, fail_on: Severity, warn: Iterable[str]) -> Finding:
    """A finding for ``problem``; it blocks at/above ``fail_on`` unless its rule is in ``warn``;
    integrity rules always block."""
    rule = RULES_BY_ID[problem.rule]
    data = dict(problem.data)
    if problem.migration:
        data["migration"] = problem.migration
    if problem.snippet:
        data["statement"] = problem.snippet[:500]
    data["fix"] = rule.fix
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        message=problem.message,
        location=Location(problem.path, problem.line),
        fingerprint=fingerprint(rule.id, problem.path, problem.snippet, problem.message),
        blocks=rule.always_blocks or (rule.severity.at_least(fail_on) and rule.id not in set(warn)),
        always_blocks=rule.always_blocks,
        title=rule.title,
        help_uri=rule.help_uri,
        data=data,
    )


def migration_table(
    names: Sequence[str],
    locked: set[str] | None,
    rollbacks: set[str] | None,
    problems: Sequence[Problem],
    dry_rows: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """One row per migration: lock status, rollback, findings, dry-run status and timings."""
    rows = []
    by_migration: dict[str | None, list[Problem]] = {}
    for problem in problems:
        by_migration.setdefault(problem.migration, []).append(problem)
    for name in names:
        mine = by_migration.get(name, [])
        row: dict[str, Any] = {
            "migration": name,
            "status": "new" if locked is None or name not in locked else "applied",
            "findings": len(mine),
            "rules": sorted({p.rule for p in mine}),
            "lines": sorted({p.line for p in mine if p.line is not None}),
        }
        if rollbacks is not None:
            row["rollback"] = "present" if name in rollbacks else "missing"
        row.update(dry_rows.get(name, {}))
        rows.append(row)
    return rows

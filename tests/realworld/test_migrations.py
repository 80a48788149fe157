"""Real Supabase projects' migrations (tests/corpus/migrations): the judgements a person
verified (tests/realworld/MANIFEST.md), lint and dry run on a real PostgreSQL 15. A false block
and a false pass both fail here."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gates.checks.base import GateContext
from gates.checks.migrations import evaluate
from gates.checks.migrations.options import MigrationsOptions
from tests.checks.migrations.test_dry_run import _have_pg
from tests.conftest import CORPUS, require_component

# project -> (blocking rules, dry-run outcome, (file, rule, line) that must be among the findings)
EXPECTED: dict[str, tuple[set[str], str, set[tuple[str, str, int]]]] = {
    "nextjs-subscription-payments": (
        {"require-lock-timeout", "security-definer-search-path"},
        "applied",
        {("20230530034630_init.sql", "security-definer-search-path", 22)},
    ),
    "sveltekit-supabase-starter": (
        {"require-lock-timeout", "security-definer-search-path"},
        "applied",
        {("20260115000001_create_roles_system.sql", "security-definer-search-path", 55)},
    ),
    "jacksonthall22-sveltekit-supabase": (set(), "applied", set()),
    "todofam": (
        {
            "adding-required-field",
            "require-concurrent-index-creation",
            "require-lock-timeout",
            "security-definer-search-path",
            "dry-run-apply-failed",
        },
        "failed",
        {
            ("20250505220825_attempt3.sql", "dry-run-apply-failed", 1),
            ("20250513183115_task-sorting.sql", "adding-required-field", 1),
        },
    ),
    "lodgeical2": (
        {
            "adding-field-with-default",
            "constraint-missing-not-valid",
            "constraint-without-index",
            "require-concurrent-index-creation",
            "require-lock-timeout",
        },
        "applied",
        {("032_inquiries.sql", "rls-policy-anon-inserts-any-row", 36)},
    ),
    "quantalyze": (
        {
            "constraint-missing-not-valid",
            "grant-to-anon",
            "require-concurrent-index-creation",
            "require-lock-timeout",
        },
        "applied",
        {("20260409212457_fix_organization_rls_recursion.sql", "grant-to-anon", 55)},
    ),
}


@pytest.mark.postgres
@pytest.mark.parametrize("project", sorted(EXPECTED))
def test_real_project_judgement(tmp_path: Path, project: str) -> None:
    require_component("postgresql", _have_pg(), "apt-get install postgresql")
    root = tmp_path / project
    shutil.copytree(CORPUS / "migrations" / project, root / "supabase" / "migrations")
    options = MigrationsOptions.model_validate(
        {"type": "migrations", "dry_run": {"database": "ephemeral", "preset": "supabase"}}
    )
    outcome = evaluate(
        options, GateContext(gate_id="migrations", root=root, out_dir=root / "out", timeout=300)
    )
    blocking_rules, dry_outcome, must = EXPECTED[project]
    assert outcome.error is None, outcome.error
    assert {f.rule for f in outcome.findings if f.blocks} == blocking_rules
    assert outcome.details["dry_run"]["outcome"] == dry_outcome
    found = {
        (Path(f.location.path).name, f.rule, f.location.line or 0)
        for f in outcome.findings
        if f.location is not None
    }
    assert must <= found
    if dry_outcome == "failed":
        (failure,) = [f for f in outcome.findings if f.rule == "dry-run-apply-failed"]
        assert "does not exist" in failure.message and "42704" in failure.message
        assert "file 6 of 9" in failure.message

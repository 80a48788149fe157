"""migrations gate: inventory, lock file, rollbacks, options, fail-closed paths (no database)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from gates.checks.base import GateContext, GateOutcome
from gates.checks.migrations import evaluate, lockfile, write_lock
from gates.checks.migrations.options import MigrationsOptions
from gates.errors import InputError
from gates.model import Status
from tests.conftest import TESTS

CLEAN = TESTS / "fixtures" / "migrations" / "clean"


def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(CLEAN, root)
    return root


def run(root: Path, **opts: Any) -> GateOutcome:
    options = MigrationsOptions.model_validate({"type": "migrations", **opts})
    ctx = GateContext(gate_id="migrations", root=root, out_dir=root / "reports", timeout=60)
    return evaluate(options, ctx)


def rules(outcome: GateOutcome) -> set[str]:
    return {f.rule for f in outcome.findings}


def test_clean_project_lints_clean(tmp_path: Path) -> None:
    outcome = run(project(tmp_path), down="supabase/rollbacks")
    assert outcome.status is None and outcome.error is None
    assert outcome.findings == []
    rows = outcome.details["migrations"]
    assert [r["rollback"] for r in rows] == ["present"] * 5
    assert "5 migrations (5 new): 0 blocking" in outcome.summary
    # no dry run, no PostgreSQL; the linter is gates' own (squawk is not run): no version claimed
    assert outcome.tool_versions == {}


def test_bad_names_duplicates_and_timestamps(tmp_path: Path) -> None:
    root = project(tmp_path)
    mig = root / "supabase/migrations"
    (mig / "add_stuff.sql").write_text("select 1;")
    (mig / "20240101120000_dupe.sql").write_text("select 1;")
    (mig / "20241399000000_bad_month.sql").write_text("select 1;")
    (mig / "README.md").write_text("not a migration")
    outcome = run(root)
    by_rule = {f.rule: f for f in outcome.findings}
    assert by_rule["migration-name-invalid"].location is not None
    assert by_rule["migration-name-invalid"].location.path == "supabase/migrations/add_stuff.sql"
    assert by_rule["migration-duplicate-version"].blocks
    assert not by_rule["migration-version-not-timestamp"].blocks  # low: a convention
    assert "README.md" not in str(outcome.findings)


def test_lock_roundtrip_changed_vanished_out_of_order(tmp_path: Path) -> None:
    root = project(tmp_path)
    options = MigrationsOptions.model_validate({"type": "migrations", "lock": "supabase/m.lock"})
    path = write_lock(options, root)
    text = path.read_text()
    first = root / "supabase/migrations/20240101120000_profiles.sql"
    assert f"{hashlib.sha256(first.read_bytes()).hexdigest()}  {first.name}" in text
    assert len(lockfile.parse(text, "m.lock")) == 5
    assert run(root, lock="supabase/m.lock").findings == []

    first.write_text(first.read_text() + "\n-- edited after release\n")
    (root / "supabase/migrations/20240104070000_todos_title_idx.sql").unlink()
    (root / "supabase/migrations/20240101000000_late.sql").write_text("select 1;")
    outcome = run(root, lock="supabase/m.lock")
    found = {f.rule: f for f in outcome.findings}
    assert set(found) == {"migration-changed", "migration-vanished", "migration-out-of-order"}
    assert all(f.blocks for f in found.values())
    assert found["migration-vanished"].location is not None
    assert found["migration-vanished"].location.path == "supabase/m.lock"
    assert found["migration-vanished"].location.line == 6
    rows = {r["migration"]: r["status"] for r in outcome.details["migrations"]}
    assert rows["20240101000000_late.sql"] == "new"
    assert rows["20240102090000_todos.sql"] == "applied"


def test_missing_lock_file_fails_closed(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="gates migrations lock"):
        run(project(tmp_path), lock="supabase/none.lock")


@pytest.mark.parametrize(
    "content",
    [
        "not a lock\n",
        "abc  20240101120000_profiles.sql\n",
        f"{'0' * 64}  ../../etc/passwd\n",
        f"{'0' * 64}  1_a.sql\n{'1' * 64}  1_a.sql\n",
    ],
)
def test_malformed_lock_file_is_an_input_error(tmp_path: Path, content: str) -> None:
    root = project(tmp_path)
    (root / "bad.lock").write_text(content)
    with pytest.raises(InputError):
        run(root, lock="bad.lock")


def test_junk_bytes_in_lock_and_migration(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "junk.lock").write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(InputError):
        run(root, lock="junk.lock")
    (root / "supabase/migrations/20250101000000_junk.sql").write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(InputError):
        run(root)


def test_nul_byte_after_valid_sql_is_refused_not_silently_truncated(tmp_path: Path) -> None:
    # libpg_query reads a C string: without the check, everything after the NUL (here a
    # DROP COLUMN that must be flagged) would vanish and the gate would pass.
    root = project(tmp_path)
    (root / "supabase/migrations/20250101000000_nul.sql").write_bytes(
        b"select 1;\n\x00\nalter table public.t drop column c;\n"
    )
    with pytest.raises(InputError, match=r"20250101000000_nul\.sql: line 2: .*NUL byte"):
        run(root)


def test_symlinked_migration_out_of_the_project_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path)
    outside = tmp_path / "outside.sql"
    outside.write_text("select 1;\n")
    (root / "supabase/migrations/20250101000000_link.sql").symlink_to(outside)
    with pytest.raises(InputError, match="outside the project"):
        run(root)


def test_nul_byte_in_parsed_text_is_a_syntax_error() -> None:
    from gates.checks.migrations import sqlsource

    parsed = sqlsource.parse("select 1;\nselect 2;\x00 drop table t;")
    assert parsed.syntax_error is not None
    assert parsed.syntax_error.line == 2
    assert "NUL" in parsed.syntax_error.message
    assert parsed.statements == ()


def test_missing_rollbacks_and_orphans(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "supabase/rollbacks/20240102090000_todos.sql").unlink()
    (root / "supabase/rollbacks/20990101000000_orphan.sql").write_text("select 1;")
    outcome = run(root, down="supabase/rollbacks")
    found = [(f.rule, f.location.path if f.location else "") for f in outcome.findings]
    assert ("rollback-missing", "supabase/migrations/20240102090000_todos.sql") in found
    assert ("rollback-orphan", "supabase/rollbacks/20990101000000_orphan.sql") in found
    row = outcome.details["migrations"][1]
    assert row["rollback"] == "missing" and row["rules"] == ["rollback-missing"]


def test_missing_or_empty_folder_fails_closed(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        run(tmp_path, dir="nope")
    (tmp_path / "empty").mkdir()
    outcome = run(tmp_path, dir="empty")
    assert outcome.status is Status.ERROR and "no applicable migration" in (outcome.error or "")
    with pytest.raises(InputError, match="outside"):
        run(tmp_path, dir="../..")


def test_disable_and_warn_options(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "supabase/migrations/20250101000000_drop.sql").write_text(
        "set lock_timeout = '1s';\nalter table public.todos drop column title;\n"
        "alter table public.todos rename column status to state;\n"
    )
    outcome = run(root, lint={"disable": ["renaming-column"], "warn": ["ban-drop-column"]})
    found = {f.rule: f for f in outcome.findings}
    assert set(found) == {"ban-drop-column"}
    assert not found["ban-drop-column"].blocks
    assert found["ban-drop-column"].location is not None
    assert found["ban-drop-column"].location.line == 2
    blocking = run(root)
    assert {f.rule for f in blocking.findings if f.blocks} == {"ban-drop-column", "renaming-column"}


def test_fingerprints_survive_line_shifts(tmp_path: Path) -> None:
    root = project(tmp_path)
    path = root / "supabase/migrations/20250101000000_drop.sql"
    path.write_text("alter table public.todos drop column title;\n")
    before = {f.rule: f.fingerprint for f in run(root).findings}
    path.write_text("\n\n-- moved down\nalter table public.todos drop column title;\n")
    after = {f.rule: f.fingerprint for f in run(root).findings}
    assert before == after and before["ban-drop-column"]


def test_unknown_rule_id_in_options_is_rejected_with_suggestion() -> None:
    with pytest.raises(ValidationError, match="did you mean 'ban-drop-column'"):
        MigrationsOptions.model_validate(
            {"type": "migrations", "lint": {"disable": ["ban-drop-colum"]}}
        )
    with pytest.raises(ValidationError, match="exactly one"):
        MigrationsOptions.model_validate(
            {"type": "migrations", "dry_run": {"database": "ephemeral", "dsn": "x"}}
        )
    with pytest.raises(ValidationError):
        MigrationsOptions.model_validate({"type": "migrations", "dri_run": {}})


def test_write_lock_refuses_bad_names_and_missing_key(tmp_path: Path) -> None:
    root = project(tmp_path)
    with pytest.raises(InputError, match="no `lock:`"):
        write_lock(MigrationsOptions.model_validate({"type": "migrations"}), root)
    (root / "supabase/migrations/oops.sql").write_text("select 1;")
    with pytest.raises(InputError, match="fix the migration names"):
        write_lock(MigrationsOptions.model_validate({"type": "migrations", "lock": "x.lock"}), root)


def test_hostile_sql_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    root = tmp_path
    mig = root / "supabase/migrations"
    mig.mkdir(parents=True)
    (mig / "20240101000000_deep.sql").write_text("select " + "(" * 5000 + "1" + ")" * 5000 + ";")
    (mig / "20240101000001_trunc.sql").write_text("create table x (a int, b text")
    (mig / "20240101000002_empty.sql").write_text("")
    outcome = run(root)
    assert outcome.status is None
    assert "syntax-error" in rules(outcome)


def test_registered_and_explainable() -> None:
    from gates.checks import CHECKS

    check = CHECKS["migrations"]
    assert check.options is MigrationsOptions
    ids = {r.id for r in check.rules}
    assert {"ban-drop-column", "migration-changed", "dry-run-rollback-mismatch"} <= ids


def test_end_to_end_through_the_cli(tmp_path: Path) -> None:
    from tests.conftest import gate, load_report, run_gates

    root = project(tmp_path)
    checklist = root / "checklist.yml"
    checklist.write_text(
        "version: 1\nproject: e2e\ngates:\n  migrations:\n    type: migrations\n"
        "    down: supabase/rollbacks\n"
    )
    code, _, _ = run_gates(["run", "--checklist", str(checklist), "--out", str(root / "r1")])
    assert code == 0
    assert gate(load_report(root / "r1"), "migrations")["status"] == "pass"
    (root / "supabase/migrations/20250101000000_drop.sql").write_text(
        "alter table public.todos drop column title;\n"
    )
    (root / "supabase/rollbacks/20250101000000_drop.sql").write_text("select 1;\n")
    code, _, _ = run_gates(["run", "--checklist", str(checklist), "--out", str(root / "r2")])
    result = gate(load_report(root / "r2"), "migrations")
    assert code == 1 and result["status"] == "fail"
    rules_found = {f["rule"] for f in result["findings"]}
    assert rules_found == {"ban-drop-column", "require-lock-timeout"}
    drop = next(f for f in result["findings"] if f["rule"] == "ban-drop-column")
    assert (
        drop["location"]
        == {"path": "supabase/migrations/20250101000000_drop.sql", "line": 1, "column": None}
        or drop["location"]["line"] == 1
    )


@pytest.mark.parametrize("content", ["", lockfile.HEADER + "\n", "# emptied\n\n"])
def test_lock_file_listing_nothing_fails_closed(tmp_path: Path, content: str) -> None:
    # an emptied lock would make every applied migration "new": edits to them would pass
    root = project(tmp_path)
    (root / "empty.lock").write_text(content)
    with pytest.raises(InputError, match="lists no migration"):
        run(root, lock="empty.lock")

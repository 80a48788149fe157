"""``gates migrations lock`` through the CLI: the lock it writes makes an edited migration block."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import REPO, gate, load_report, run_gates
from tests.support.git import git as _git

CLEAN = REPO / "tests" / "fixtures" / "migrations" / "clean"
CHECKLIST = """\
version: 1
gates:
  migrations:
    type: migrations
    dir: supabase/migrations
    down: supabase/rollbacks
    lock: supabase/migrations.lock
"""


def test_lock_then_edit_an_applied_migration(tmp_path: Path) -> None:
    shutil.copytree(CLEAN, tmp_path, dirs_exist_ok=True)
    checklist = tmp_path / "checklist.yml"
    checklist.write_text(CHECKLIST)
    code, _, _ = run_gates(["migrations", "lock", "--checklist", str(checklist)])
    assert code == 0
    lock = (tmp_path / "supabase" / "migrations.lock").read_text()
    migrations = sorted((tmp_path / "supabase" / "migrations").glob("*.sql"))
    assert all(m.name in lock for m in migrations)
    out = tmp_path / "r"
    run = ["run", "--checklist", str(checklist), "--out", str(out), "--no-history"]
    assert run_gates(run)[0] == 0
    with migrations[0].open("a") as fh:
        fh.write("\n-- an edit after it was applied\n")
    assert run_gates(run)[0] == 1
    rules = {f["rule"] for f in gate(load_report(out), "migrations")["findings"]}
    assert "migration-changed" in rules


def test_lock_without_a_migrations_gate_is_a_usage_error(tmp_path: Path) -> None:
    checklist = tmp_path / "checklist.yml"
    checklist.write_text('version: 1\ngates:\n  a: {type: command, run: "true"}\n')
    code, _, _ = run_gates(["migrations", "lock", "--checklist", str(checklist)])
    assert code == 2


def test_relocking_an_edited_migration_is_caught_against_the_base(tmp_path: Path) -> None:
    """Edit an applied migration and re-run `gates migrations lock`: the lock alone now agrees,
    but against the base branch the rewritten entry is blocking."""
    shutil.copytree(CLEAN, tmp_path, dirs_exist_ok=True)
    checklist = tmp_path / "checklist.yml"
    checklist.write_text(CHECKLIST)
    assert run_gates(["migrations", "lock", "--checklist", str(checklist)])[0] == 0
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "applied")
    base = _git(tmp_path, "rev-parse", "HEAD")
    first = sorted((tmp_path / "supabase" / "migrations").glob("*.sql"))[0]
    with first.open("a") as fh:
        fh.write("\n-- edited after it was applied\n")
    assert run_gates(["migrations", "lock", "--checklist", str(checklist)])[0] == 0
    out = tmp_path / "r"
    run = ["run", "--checklist", str(checklist), "--out", str(out), "--no-history"]
    assert run_gates(run)[0] == 0  # the re-hashed lock hides the edit on its own...
    assert run_gates([*run, "--base-ref", base])[0] == 1  # ...not against the base branch
    findings = gate(load_report(out), "migrations")["findings"]
    rewritten = [f for f in findings if f["rule"] == "lock-rewritten"]
    assert len(rewritten) == 1 and first.name in rewritten[0]["message"]
    assert rewritten[0]["blocks"] is True
    assert run_gates([*run, "--base-ref", "no-such-ref"])[0] == 1
    assert gate(load_report(out), "migrations")["status"] == "error"

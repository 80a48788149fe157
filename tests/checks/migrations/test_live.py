"""Issue 19 on a real PostgreSQL: migrations measured on populated tables with live probes, and
the dry run on a restored pg_dump (custom and plain) whose data is the truth."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gates.checks.base import GateContext, GateOutcome
from gates.checks.migrations import evaluate, write_lock
from gates.checks.migrations.ephemeral_pg import ephemeral_cluster, find_bin_dir
from gates.checks.migrations.options import MigrationsOptions
from gates.checks.migrations.preset import SUPABASE
from gates.process import run_tool
from tests.checks.migrations.test_dry_run import _have_pg
from tests.conftest import REPO, require_component

pytestmark = pytest.mark.postgres
LIVE = REPO / "tests" / "fixtures" / "migrations" / "live"
APPLIED = "20240101000000_items.sql"


@pytest.fixture(autouse=True)
def _need_postgres() -> None:
    require_component("postgresql", _have_pg(), "apt-get install postgresql")


def _project(tmp_path: Path, new: dict[str, str], rollbacks: dict[str, str] | None = None) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(LIVE, root)
    write_lock(
        MigrationsOptions.model_validate({"type": "migrations", "lock": "supabase/m.lock"}), root
    )
    for name, text in new.items():
        (root / "supabase" / "migrations" / name).write_text(text)
    for name, text in (rollbacks or {}).items():
        (root / "supabase" / "rollbacks" / name).write_text(text)
    return root


def _run(root: Path, dry_run: dict[str, Any], **opts: Any) -> GateOutcome:
    options = MigrationsOptions.model_validate(
        {
            "type": "migrations",
            "lock": "supabase/m.lock",
            "dry_run": {"database": "ephemeral", "preset": "supabase", **dry_run},
            **opts,
        }
    )
    ctx = GateContext(gate_id="migrations", root=root, out_dir=root / "reports", timeout=300)
    return evaluate(options, ctx)


def test_blocking_index_fails_on_measured_blocking_concurrent_passes(
    tmp_path: Path,
) -> None:
    root = _project(
        tmp_path,
        {
            # the blocking build must outlast max_blocked on a fast machine too: with two
            # md5 calls a row it took under 100 ms on one (a fresh-clone CI run found no block)
            "20240201000000_idx.sql": "create index items_title on public.items "
            "(title, note, (md5(md5(md5(md5(md5(md5(md5(md5(title || note))))))))));\n",
            "20240202000000_idx_concurrently.sql": "create index concurrently if not exists "
            "items_note on public.items (note, title, (md5(md5(title || note))));\n",
        },
    )
    outcome = _run(
        root,
        {
            "data": {"rows": 200_000, "seed": 7},
            "probe": {"interval": "20ms", "max_blocked": "100ms"},
        },
    )
    assert outcome.error is None, outcome.error
    blocked = [f for f in outcome.findings if f.rule == "dry-run-blocked-traffic"]
    assert len(blocked) == 1, [f.message for f in blocked]
    finding = blocked[0]
    assert finding.blocks
    assert finding.location is not None
    assert finding.location.path == "supabase/migrations/20240201000000_idx.sql"
    assert finding.location.line == 1
    assert finding.data["table"] == "public.items"
    assert finding.data["lock_mode"] == "SHARE"
    assert finding.data["blocked_ms"] > 100
    assert "require-concurrent-index-creation" in finding.data["predicted_by"]
    assert "predicted by lint rule require-concurrent-index-creation" in finding.message
    live = outcome.details["dry_run"]
    assert live["data"]["rows"]["public.items"] == 200_000
    assert live["data"]["rows"]["auth.users"] == 200_000
    per = live["migrations"]
    assert {"table": "public.items", "mode": "SHARE"}.items() <= per["20240201000000_idx.sql"][
        "locks"
    ][0].items()
    concurrent = per["20240202000000_idx_concurrently.sql"]
    assert [s["mode"] for s in concurrent["locks"]] == ["SHARE UPDATE EXCLUSIVE"]
    assert concurrent["probes"]["public.items"]["probes"] > 0
    # typed series the HTML writer draws: probe waits and locks held, per migration
    names = [s.name for s in outcome.series]
    assert "20240201000000_idx.sql: probe wait on public.items" in names
    assert "20240201000000_idx.sql: SHARE on public.items" in names
    waits = next(
        s for s in outcome.series if s.name.endswith("idx.sql: probe wait on public.items")
    )
    assert waits.unit == "ms" and max(x.value or 0 for x in waits.samples) > 100


def test_metadata_only_add_column_with_now_default_passes_on_200k_rows(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {
            "20240203000000_seen_at.sql": "set lock_timeout = '1s';\n"
            "alter table public.items add column seen_at timestamptz default now();\n",
        },
    )
    # the probe settings: a reader and a writer every 50 ms, at most 500 ms blocked
    outcome = _run(
        root,
        {"data": {"rows": 200_000}, "probe": {"interval": "50ms", "max_blocked": "500ms"}},
    )
    assert outcome.error is None, outcome.error
    assert [f.rule for f in outcome.findings if f.blocks] == []
    per = outcome.details["dry_run"]["migrations"]["20240203000000_seen_at.sql"]
    assert "ACCESS EXCLUSIVE" in [s["mode"] for s in per["locks"]]  # taken, but briefly
    assert per["probes"]["public.items"]["probes"] > 0
    assert outcome.details["dry_run"]["data"]["rows"]["public.items"] == 200_000


def test_generated_rows_respect_the_schema_and_are_deterministic(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        {
            "20240201000000_more.sql": "set lock_timeout = '1s';\n"
            "alter table public.items add column tag text;\n"
        },
    )
    first = _run(root, {"data": {"rows": 500}})
    second = _run(root, {"data": {"rows": 500}})
    assert first.error is None and second.error is None
    data = first.details["dry_run"]["data"]
    assert data["rows"] == {"auth.users": 500, "public.items": 500} and data["problems"] == {}
    assert data["rows"] == second.details["dry_run"]["data"]["rows"]


# ---- restore: the restored data is the truth ---------------------------------------------------

ROWS = """
insert into auth.users (id, email) select lpad(to_hex(i), 32, '0')::uuid, 'u' || i || '@x.test'
  from generate_series(1, 50) i;
insert into public.items (owner, title, note)
  select lpad(to_hex(1 + i % 50), 32, '0')::uuid, 'item ' || i,
         case when i % 10 = 0 then null else 'note ' || i end
  from generate_series(1, 1000) i;
create schema supabase_migrations;
create table supabase_migrations.schema_migrations (version text primary key, name text);
insert into supabase_migrations.schema_migrations values ('20240101000000', 'items');
"""


@pytest.fixture(scope="module")
def dumps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """A staging database (preset, the applied migration, rows with NULL notes) dumped by
    pg_dump in custom and plain format."""
    import psycopg

    require_component("postgresql", _have_pg(), "apt-get install postgresql")
    out = tmp_path_factory.mktemp("dumps")
    out.chmod(0o755)
    bin_dir = find_bin_dir(os.environ)
    with ephemeral_cluster(os.environ, timeout=60) as cluster:
        with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
            conn.execute(SUPABASE)
            conn.execute((LIVE / "supabase" / "migrations" / APPLIED).read_text())
            conn.execute(ROWS)
        custom, plain = out / "staging.dump", out / "staging.sql"
        for argv in (
            ["-Fc", "-f", str(custom)],
            ["-Fp", "--clean", "--if-exists", "-f", str(plain)],
        ):
            run = run_tool([str(bin_dir / "pg_dump"), *argv, "-d", cluster.conninfo], timeout=120)
            assert run.returncode == 0, run.stderr
    yield {"custom": custom, "plain": plain}


@pytest.mark.parametrize("fmt", ["custom", "plain"])
def test_set_not_null_on_restored_nulls_fails_with_postgresql_message(
    tmp_path: Path, dumps: dict[str, Path], fmt: str
) -> None:
    root = _project(
        tmp_path,
        {
            "20240201000000_note_required.sql": "set lock_timeout = '1s';\n"
            "alter table public.items alter column note set not null;\n"
        },
    )
    (root / "backups").mkdir()
    shutil.copy(dumps[fmt], root / "backups" / "staging.dump")
    outcome = _run(root, {"restore": "backups/staging.dump"})
    assert outcome.error is None, outcome.error
    failed = [f for f in outcome.findings if f.rule == "dry-run-apply-failed"]
    assert len(failed) == 1
    assert 'column "note" of relation "items" contains null values' in failed[0].message
    assert "23502" in failed[0].message
    assert failed[0].location is not None and failed[0].location.line == 2
    restore = outcome.details["dry_run"]["restore"]
    assert restore["format"] == fmt and restore["applied_in_dump"] == ["20240101000000"]
    rows = {r["migration"]: r["dry_run"] for r in outcome.details["migrations"]}
    assert rows[APPLIED] == "in the restored dump"


def test_rollback_runs_on_the_restored_data(tmp_path: Path, dumps: dict[str, Path]) -> None:
    name = "20240201000000_tag.sql"
    root = _project(
        tmp_path,
        {name: "set lock_timeout = '1s';\nalter table public.items add column tag text;\n"},
        {name: "set lock_timeout = '1s';\nalter table public.items drop column tag;\n"},
    )
    (root / "backups").mkdir()
    shutil.copy(dumps["custom"], root / "backups" / "staging.dump")
    outcome = _run(root, {"restore": "backups/staging.dump"}, down="supabase/rollbacks")
    assert outcome.error is None, outcome.error
    assert not [f for f in outcome.findings if f.rule.startswith("dry-run-")]
    rows = {r["migration"]: r["dry_run"] for r in outcome.details["migrations"]}
    assert rows[name] == "re-applied"


def test_a_dump_that_is_too_old_or_does_not_restore_is_an_error(
    tmp_path: Path, dumps: dict[str, Path]
) -> None:
    root = _project(tmp_path, {"20240201000000_x.sql": "select 1;\n"})
    backups = root / "backups"
    backups.mkdir()
    shutil.copy(dumps["custom"], backups / "old.dump")
    old = _run(root, {"restore": "backups/old.dump", "max_age": "1ms"})
    assert old.error is not None and "older than max_age" in old.error
    (backups / "junk.dump").write_bytes(b"PGDMP" + os.urandom(200))
    junk = _run(root, {"restore": "backups/junk.dump"})
    assert junk.error is not None and "not a readable pg_dump archive" in junk.error
    (backups / "broken.sql").write_text(
        "-- PostgreSQL database dump\ncreate table public.x (i int);\n"
        "insert into nope values (1);\n"
    )
    broken = _run(root, {"restore": "backups/broken.sql"})
    assert broken.error is not None and "does not restore" in broken.error
    assert 'relation "nope" does not exist' in broken.error
    missing = _run(root, {"restore": "backups/none.dump"})
    assert missing.error is not None and "does not exist" in missing.error


def test_restore_and_data_together_are_refused() -> None:
    with pytest.raises(ValueError, match="restore"):
        MigrationsOptions.model_validate(
            {
                "type": "migrations",
                "dry_run": {"database": "ephemeral", "restore": "a.dump", "data": {"rows": 5}},
            }
        )


def test_lock_modes_the_lint_rules_claim_are_the_ones_postgresql_takes(tmp_path: Path) -> None:
    # issue 14's squawk-parity claims, measured in pg_locks on PostgreSQL (docs: lint rules)
    new = {
        "20240201000000_index.sql": "create index concurrently if not exists items_note_idx "
        "on public.items (note);\n",
        "20240202000000_drop_index.sql": "set lock_timeout = '1s';\n"
        "drop index public.items_note_idx;\n",
        "20240203000000_child.sql": "set lock_timeout = '1s';\ncreate table public.child "
        "(id bigint primary key, item_id bigint references public.items (id));\n"
        "alter table public.child enable row level security;\n",
        "20240204000000_trigger.sql": "set lock_timeout = '1s';\n"
        "create function public.noop() returns trigger language plpgsql as "
        "$$ begin return new; end $$;\n"
        "create trigger on_signup after insert on auth.users for each row "
        "execute function public.noop();\n",
        "20240205000000_varchar.sql": "set lock_timeout = '1s';\n"
        "alter table public.items alter column title type varchar(200);\n",
    }
    root = _project(tmp_path, new)
    outcome = _run(
        root,
        {"data": {"rows": 1000}, "probe": {"interval": "20ms", "max_blocked": "5s"}},
        lint={"disable": ["rls-enabled-no-policy", "changing-column-type"]},
    )
    assert outcome.error is None, outcome.error
    per = outcome.details["dry_run"]["migrations"]

    def modes(name: str, table: str) -> set[str]:
        return {s["mode"] for s in per[name]["locks"] if s["table"] == table and s["granted"]}

    assert "ACCESS EXCLUSIVE" in modes("20240202000000_drop_index.sql", "public.items")
    assert "SHARE ROW EXCLUSIVE" in modes("20240203000000_child.sql", "public.items")
    assert "SHARE ROW EXCLUSIVE" in modes("20240204000000_trigger.sql", "auth.users")
    assert "ACCESS EXCLUSIVE" in modes("20240205000000_varchar.sql", "public.items")
    # and the lint asks for a lock_timeout before each of them (set here: no finding)
    assert "require-lock-timeout" not in {f.rule for f in outcome.findings}

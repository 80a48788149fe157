"""The migrations dry run on a real PostgreSQL (Debian's postgresql: initdb + pg_ctl)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gates.checks.base import GateContext, GateOutcome
from gates.checks.migrations import evaluate
from gates.checks.migrations.ephemeral_pg import find_bin_dir
from gates.checks.migrations.options import MigrationsOptions
from gates.model import Status
from tests.conftest import REPO, require_component

CLEAN = REPO / "tests" / "fixtures" / "migrations" / "clean"
pytestmark = pytest.mark.postgres


def _have_pg() -> bool:
    try:
        find_bin_dir(os.environ)
    except Exception:
        return False
    return True


@pytest.fixture(autouse=True)
def _need_postgres() -> None:
    require_component("postgresql", _have_pg(), "apt-get install postgresql")


@pytest.fixture
def pg_parent() -> Iterator[Path]:
    """A folder of this test's own for its clusters (``GATES_PG_PARENT``): clusters of tests
    running in parallel (``-n 2``) appear in /tmp too and must not be mistaken for this one's.
    Readable by the postgres user, who writes the cluster (and may run wrappers) there."""
    parent = Path(tempfile.mkdtemp(prefix="gates-pg-parent-", dir="/tmp"))
    parent.chmod(0o755)
    try:
        yield parent
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(CLEAN, root)
    return root


def run(root: Path, *, environ: dict[str, str] | None = None, **opts: Any) -> GateOutcome:
    options = MigrationsOptions.model_validate(
        {
            "type": "migrations",
            "down": "supabase/rollbacks",
            "dry_run": {"database": "ephemeral", "preset": "supabase"},
            **opts,
        }
    )
    ctx = GateContext(gate_id="migrations", root=root, out_dir=root / "reports", timeout=120)
    if environ is not None:
        ctx.environ = environ
    return evaluate(options, ctx)


def test_clean_supabase_project_passes_lint_and_dry_run(tmp_path: Path, pg_parent: Path) -> None:
    environ = {**os.environ, "GATES_PG_PARENT": str(pg_parent)}
    outcome = run(project(tmp_path), environ=environ)
    assert outcome.error is None and outcome.findings == []
    dry = outcome.details["dry_run"]
    assert dry["outcome"] == "up/down/up ok"
    # the server's own word, and the same as the binary that started it
    binary = subprocess.run(
        [str(find_bin_dir(os.environ) / "postgres"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert outcome.tool_versions == {"postgres": dry["server_version"]}
    assert (
        dry["server_version"].split()[0] in binary.split()
    )  # "15.14" in "postgres (PostgreSQL) 15.14 …"
    rows = outcome.details["migrations"]
    assert [r["dry_run"] for r in rows] == ["re-applied"] * 5
    assert all(r["apply_s"] >= 0 and r["rollback_s"] >= 0 for r in rows)
    assert list(pg_parent.iterdir()) == []  # stopped and removed


def test_rollback_that_does_not_restore_the_schema(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "supabase/rollbacks/20240102090000_todos.sql").write_text(
        "drop table if exists public.todos;\ndrop function if exists public.touch_updated_at();\n"
    )
    outcome = run(root)
    found = {f.rule: f for f in outcome.findings}
    assert "dry-run-rollback-mismatch" in found
    finding = found["dry-run-rollback-mismatch"]
    assert finding.blocks
    assert finding.location is not None
    assert finding.location.path == "supabase/rollbacks/20240102090000_todos.sql"
    diff = outcome.details["dry_run"]["schema_diffs"]["20240102090000_todos.sql"]
    assert "+ extensions: citext: " in "\n".join(diff)
    assert "+ types: public.todo_status: enum open,done" in diff
    rows = {r["migration"]: r["dry_run"] for r in outcome.details["migrations"]}
    assert rows["20240102090000_todos.sql"] == "rollback differs"


def test_migration_that_fails_to_apply(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "supabase/migrations/20250101000000_broken.sql").write_text(
        "set lock_timeout = '1s';\n-- ü ✓\nalter table public.todos\n"
        "  add column owner uuid references public.nope (id);\n"
    )
    (root / "supabase/rollbacks/20250101000000_broken.sql").write_text("select 1;")
    outcome = run(root)
    found = {f.rule: f for f in outcome.findings}
    failure = found["dry-run-apply-failed"]
    assert failure.blocks and failure.location is not None
    assert failure.location.path == "supabase/migrations/20250101000000_broken.sql"
    assert failure.location.line == 3  # the failing statement starts there
    assert 'relation "public.nope" does not exist' in failure.message
    assert "42P01" in failure.message
    assert outcome.details["dry_run"]["outcome"] == "failed"


def test_rollback_that_fails(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "supabase/rollbacks/20240104070000_todos_title_idx.sql").write_text(
        "drop index public.no_such_index;\n"
    )
    outcome = run(root)
    assert "dry-run-rollback-failed" in {f.rule for f in outcome.findings}


def test_rollback_leaving_something_that_breaks_reapply(tmp_path: Path) -> None:
    root = project(tmp_path)
    mig = root / "supabase/migrations/20250101000000_audit.sql"
    mig.write_text("create schema audit;\n")
    (root / "supabase/rollbacks/20250101000000_audit.sql").write_text("select 1;\n")
    found = {f.rule for f in run(root).findings}
    assert "dry-run-rollback-mismatch" in found


def test_only_new_migrations_are_rolled_back(tmp_path: Path) -> None:
    root = project(tmp_path)
    from gates.checks.migrations import write_lock

    write_lock(MigrationsOptions.model_validate({"type": "migrations", "lock": "m.lock"}), root)
    # an applied migration with a broken rollback is not rolled back: it is not part of this release
    (root / "supabase/rollbacks/20240101120000_profiles.sql").write_text("select broken;")
    outcome = run(root, lock="m.lock")
    assert outcome.findings == []
    assert outcome.details["dry_run"]["outcome"] == "applied"


def test_missing_postgres_binaries_fail_closed(tmp_path: Path) -> None:
    env = dict(os.environ, GATES_PG_BIN=str(tmp_path))
    outcome = run(project(tmp_path), environ=env)
    assert outcome.status is Status.ERROR
    assert "initdb" in (outcome.error or "")


def test_dsn_mode_creates_and_drops_a_scratch_database(tmp_path: Path) -> None:
    from gates.checks.migrations.ephemeral_pg import ephemeral_cluster

    with ephemeral_cluster(os.environ, timeout=60) as cluster:
        outcome = run(project(tmp_path), dry_run={"dsn": cluster.conninfo, "preset": "supabase"})
        assert outcome.findings == [] and outcome.error is None
        assert outcome.secrets == [cluster.conninfo]
        import psycopg

        with psycopg.connect(cluster.conninfo) as conn:
            names = [r[0] for r in conn.execute("select datname from pg_database").fetchall()]
        assert not [n for n in names if n.startswith("gates_dry_run_")]


SLOW_RUN = """
import sys
from pathlib import Path
from gates.checks.base import GateContext
from gates.checks.migrations import evaluate
from gates.checks.migrations.options import MigrationsOptions
root = Path(sys.argv[1])
options = MigrationsOptions.model_validate({"type": "migrations",
    "dry_run": {"database": "ephemeral", "preset": "none"}})
evaluate(options, GateContext(gate_id="m", root=root, out_dir=root / "r", timeout=300))
"""


def _slow_project(tmp_path: Path) -> Path:
    root = tmp_path / "slow"
    (root / "supabase/migrations").mkdir(parents=True)
    (root / "supabase/migrations/20240101000000_slow.sql").write_text("select pg_sleep(120);\n")
    return root


def _postgres_with_dir(directory: str) -> list[str]:
    # -ww: never cut the line at $COLUMNS, which would cut off the -D path we look for
    argv = ["ps", "-ww", "-eo", "pid,args"]
    out = subprocess.run(argv, capture_output=True, text=True, check=True)
    return [
        line
        for line in out.stdout.splitlines()
        if directory in line
        and "postgres" in line
        and "sleep 1" not in line
        and "alive()" not in line
    ]


def _wait_for_cluster(parent: Path, proc: subprocess.Popen[bytes]) -> Path:
    for _ in range(300):
        for cluster in parent.glob("gates-pg-*"):
            if _postgres_with_dir(str(cluster)) and (cluster / "data/postmaster.pid").exists():
                time.sleep(1.0)  # let the migration start
                return cluster
        assert proc.poll() is None, "the gate run ended before the cluster started"
        time.sleep(0.1)
    raise AssertionError("cluster never started")


def _wait_gone(cluster: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _postgres_with_dir(str(cluster)) and not cluster.exists():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=["SIGTERM", "SIGINT", "SIGKILL"]
)
def test_cluster_never_outlives_a_killed_run(
    tmp_path: Path, pg_parent: Path, sig: signal.Signals
) -> None:
    root = _slow_project(tmp_path)
    # with -n 2, watching the other worker's cluster instead of ours made this test fail in CI
    script = tmp_path / "slow_run.py"
    if _cli_available():
        (root / "checklist.yml").write_text(
            textwrap.dedent("""
            version: 1
            project: slow
            gates:
              migrations:
                type: migrations
                dry_run: {database: ephemeral}
        """)
        )
        argv = [
            sys.executable,
            "-m",
            "gates",
            "run",
            "--checklist",
            str(root / "checklist.yml"),
            "--out",
            str(root / "reports"),
        ]
    else:
        script.write_text(SLOW_RUN)
        argv = [sys.executable, str(script), str(root)]
    environ = {**os.environ, "GATES_PG_PARENT": str(pg_parent)}
    proc = subprocess.Popen(
        argv, cwd=REPO, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        cluster = _wait_for_cluster(pg_parent, proc)
        proc.send_signal(sig)
        proc.wait(timeout=30)
        # SIGTERM/SIGINT: cleaned up by gates itself; SIGKILL: by the watchdog within seconds
        gone = _wait_gone(cluster, 30 if sig == signal.SIGKILL else 20)
        assert gone, (_postgres_with_dir(str(cluster)), sorted(p.name for p in cluster.glob("*")))
        assert list(pg_parent.iterdir()) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


SLOW_STOP_PG_CTL = """#!/bin/sh
# pg_ctl as on a busy machine: "stop" takes longer than the run's interrupt grace
case " $* " in *" stop "*) sleep {delay} ;; esac
exec {real}/pg_ctl "$@"
"""


@pytest.mark.slow
def test_cluster_is_removed_when_its_cleanup_overruns_the_grace(
    tmp_path: Path, pg_parent: Path
) -> None:
    # SIGINT: the worker gets INTERRUPT_GRACE_S to stop its cluster, then its whole tree is
    # SIGKILLed. With a stop slower than that (runuser + pg_ctl at load 9 in CI), the tree kill
    # also took the watchdog, and the cluster's directory stayed in /tmp for good.
    from gates.run.worker import INTERRUPT_GRACE_S

    real = find_bin_dir(os.environ)
    bin_dir = pg_parent / "bin"
    bin_dir.mkdir(mode=0o755)
    for name in ("initdb", "postgres"):
        (bin_dir / name).symlink_to(real / name)
    wrapper = bin_dir / "pg_ctl"
    wrapper.write_text(SLOW_STOP_PG_CTL.format(delay=int(INTERRUPT_GRACE_S) + 4, real=real))
    wrapper.chmod(0o755)
    root = _slow_project(tmp_path)
    (root / "checklist.yml").write_text(
        "version: 1\nproject: slow\ngates:\n"
        "  migrations: {type: migrations, dry_run: {database: ephemeral}}\n"
    )
    argv = [sys.executable, "-m", "gates", "run", "--checklist", str(root / "checklist.yml")]
    environ = {**os.environ, "GATES_PG_PARENT": str(pg_parent), "GATES_PG_BIN": str(bin_dir)}
    proc = subprocess.Popen(
        [*argv, "--out", str(root / "reports")],
        cwd=REPO,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        cluster = _wait_for_cluster(pg_parent, proc)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        # the worker was killed mid-stop; the watchdog's own slow stop and rm -rf follow
        gone = _wait_gone(cluster, 2 * INTERRUPT_GRACE_S + 30)
        assert gone, (_postgres_with_dir(str(cluster)), sorted(p.name for p in cluster.glob("*")))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _cli_available() -> bool:
    try:
        from gates import cli
    except ImportError:
        return False
    return hasattr(cli, "main")


ZOMBIE_POSTMASTER = (
    'pp=$$; (while read c < /proc/$pp/comm && [ "$c" != sleep ]; do :; done) & '
    'echo "$!" > "$1"; exec sleep 120'
)
"""A cluster whose postmaster is dead but not reaped (killed with its worker, before the
subreaper above waited for it): its pid still answers ``kill``, so ``pg_ctl stop`` waits. The
background child exits only once its shell has become ``sleep``, which never waits: a child
that exited sooner (``true &``) was reaped by dash before its ``exec`` when the machine was
busy (a CI run found no zombie: 19 of 20 tries by hand)."""

START_WATCHDOG = """
import os, sys
from pathlib import Path
from gates.checks.migrations.ephemeral_pg import _run_as, _start_watchdog, find_bin_dir
prefix, _ = _run_as()
directory = Path(sys.argv[1])
env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
_start_watchdog(directory, directory / "data", find_bin_dir(os.environ), prefix, env, None)
"""


LEFT_A_ZOMBIE = (
    START_WATCHDOG
    + """
import time
Path(sys.argv[2]).write_text(str(os.getpid()))
while Path(f"/proc/{os.getppid()}/comm").read_text().strip() != "sleep":
    time.sleep(0.01)
"""
)
"""Starts the watchdog, then exits once its parent shell has become ``sleep``, which never
waits: the process the watchdog watches is left a zombie."""


@pytest.mark.slow
def test_watchdog_removes_the_cluster_when_its_gates_process_is_left_a_zombie(
    tmp_path: Path, pg_parent: Path
) -> None:
    # CI: a SIGKILLed run's worker was re-parented to a subreaper that never waits (the test
    # process); `kill -0` succeeds on a zombie, so the watchdog waited for ever.
    directory = Path(tempfile.mkdtemp(prefix="gates-pg-", dir=pg_parent))
    (directory / "data").mkdir()
    pid_file = tmp_path / "watched.pid"
    shell = '"$0" -c "$1" "$2" "$3" & exec sleep 120'
    argv = [sys.executable, LEFT_A_ZOMBIE, str(directory), str(pid_file)]
    holder = subprocess.Popen(["/bin/sh", "-c", shell, *argv], cwd=REPO)
    try:
        for _ in range(600):
            if pid_file.exists() and pid_file.read_text():
                break
            time.sleep(0.05)
        watched = int(pid_file.read_text())
        assert _wait_gone(directory, 30), sorted(p.name for p in directory.glob("*"))
        state = Path(f"/proc/{watched}/stat").read_text().rsplit(")", 1)[1].split()[0]
        assert state == "Z"  # the premise: it was a zombie all along, never reaped
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.slow
def test_watchdog_removes_a_cluster_whose_postmaster_is_a_zombie(pg_parent: Path) -> None:
    # CI: the watchdog's `pg_ctl -m immediate stop` found a zombie postmaster and waited
    # pg_ctl's default 60 s for it to go, so the directory outlived the test's wait.
    from gates.checks.migrations.ephemeral_pg import _run_as

    prefix, user = _run_as()
    directory = Path(tempfile.mkdtemp(prefix="gates-pg-", dir=pg_parent))
    if user is not None:
        shutil.chown(directory, user, user)
    zombie_file = directory / "zombie.pid"
    holder = subprocess.Popen([*prefix, "/bin/sh", "-c", ZOMBIE_POSTMASTER, "sh", str(zombie_file)])
    try:
        for _ in range(100):
            if zombie_file.exists() and zombie_file.read_text().strip():
                break
            time.sleep(0.05)
        zombie = int(zombie_file.read_text())
        time.sleep(0.3)  # let `true` exit
        state = Path(f"/proc/{zombie}/stat").read_text().rsplit(")", 1)[1].split()[0]
        assert state == "Z"
        data = directory / "data"
        data.mkdir()
        (data / "PG_VERSION").write_text("15\n")
        (data / "postmaster.pid").write_text(f"{zombie}\n{data}\n")
        started = time.monotonic()
        # the watchdog watches the process that started it: this one ends at once
        subprocess.run([sys.executable, "-c", START_WATCHDOG, str(directory)], cwd=REPO, check=True)
        assert _wait_gone(directory, 40), sorted(p.name for p in directory.glob("**/*"))
        # one poll (1 s) and the bounded stop (-t 5), not pg_ctl's 60 s default
        assert time.monotonic() - started < 20
    finally:
        holder.kill()
        holder.wait()

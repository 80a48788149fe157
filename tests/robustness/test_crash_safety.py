"""Crash safety beyond tests/test_runner.py: SIGTERM while a gate holds long-lived processes.

test_runner.py covers a plain command (timeouts kill groups, SIGINT/SIGTERM write an interrupted
report, SIGKILL keeps the previous report). Here the processes are the ones a gate starts outside
a single tool call: the ``lighthouse`` gate's ``server.run`` (its own group, alive across
Lighthouse runs) and the ``migrations`` gate's ephemeral PostgreSQL (started through pg_ctl,
daemonised, plus a watchdog). After SIGTERM to ``gates run`` none of them may survive.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, gate, require_component


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purpose
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _start(root: Path, checklist: str) -> subprocess.Popen[bytes]:
    (root / "checklist.yml").write_text(f"version: 1\nproject: crash\ngates:\n{checklist}")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gates",
            "run",
            "--checklist",
            "checklist.yml",
            "--out",
            "reports",
            "--no-history",
        ],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def _children(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _interrupted(root: Path, proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err.decode(errors="replace")[-2000:]
    report: dict[str, Any] = json.loads((root / "reports" / "gate-report.json").read_text())
    assert report["interrupted"] is True and report["verdict"] == "fail"
    return report


def test_sigterm_during_lighthouse_stops_its_server_and_lighthouse(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / "bin").mkdir(parents=True)
    server = root / "bin" / "server"
    server.write_text(
        "#!/bin/sh\n"
        f"echo $$ > {tmp_path}/server.pid\n"
        f"sleep 300 & echo $! > {tmp_path}/server-child.pid\n"
        f'exec "{sys.executable}" -m http.server --bind 127.0.0.1 "$1"\n'
    )
    lighthouse = root / "bin" / "lh"
    lighthouse.write_text(
        "#!/bin/sh\n"
        f"echo $$ > {tmp_path}/lh.pid\n"
        f"sleep 300 & echo $! > {tmp_path}/lh-child.pid\n"
        "wait\n"
    )
    for script in (server, lighthouse):
        script.chmod(0o755)
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = _start(
        root,
        f"  lh:\n    type: lighthouse\n    server: {{run: 'bin/server {port}', "
        f"url: 'http://127.0.0.1:{port}', ready_timeout: 30s}}\n"
        "    urls: [/]\n    runs: 1\n    lighthouse: bin/lh\n    budgets: {performance: 0.5}\n"
        "    run_timeout: 5m\n    timeout: 5m\n",
    )
    try:
        names = ("server.pid", "server-child.pid", "lh.pid", "lh-child.pid")
        _wait(
            lambda: all(
                (tmp_path / n).exists() and (tmp_path / n).read_text().strip() for n in names
            ),
            60,
            "the server and Lighthouse to start",
        )
        pids = {n: int((tmp_path / n).read_text()) for n in names}
        assert all(_alive(pid) for pid in pids.values())
        report = _interrupted(root, proc)
        assert gate(report, "lh")["status"] == "error"
        _wait(
            lambda: not any(_alive(pid) for pid in pids.values()),
            15,
            f"every process to end: {[n for n, p in pids.items() if _alive(p)]}",
        )
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=60)


def _our_cluster(gates_pid: int) -> Path | None:
    """The ``/tmp/gates-pg-*`` dir whose watchdog watches ``gates_pid`` or one of its
    descendants (the gate's worker process)."""
    watched = {gates_pid, *_children(gates_pid)}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "gates-pg-" in cmd and any(f"/proc/{pid}/stat " in cmd for pid in watched):
            start = cmd.index("/tmp/gates-pg-")
            return Path(cmd[start:].split()[0].rstrip(";").strip("'\""))
    return None


@pytest.mark.slow
def test_sigterm_during_a_dry_run_leaves_no_postgresql_behind(tmp_path: Path) -> None:
    from gates.checks.migrations.ephemeral_pg import find_bin_dir
    from gates.errors import ToolMissing

    try:
        find_bin_dir(os.environ)
        have_pg = True
    except ToolMissing:
        have_pg = False
    require_component("postgresql", have_pg, "Debian package postgresql")
    root = tmp_path / "p"
    (root / "db").mkdir(parents=True)
    (root / "db" / "20240101000000_slow.sql").write_text("select pg_sleep(300);\n")
    proc = _start(
        root,
        "  m:\n    type: migrations\n    dir: db\n    dry_run: {database: ephemeral}\n"
        "    timeout: 5m\n",
    )
    try:
        _postgres_case(root, proc)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=60)


def _postgres_case(root: Path, proc: subprocess.Popen[bytes]) -> None:
    holder: dict[str, Path] = {}

    def cluster_up() -> bool:
        found = _our_cluster(proc.pid)
        try:  # during initdb the file names the bootstrap backend with a negative pid
            pid = int((found / "data" / "postmaster.pid").read_text().split()[0])  # type: ignore[operator]
        except (OSError, IndexError, ValueError, TypeError):
            return False
        if pid <= 0 or not _alive(pid):
            return False
        holder["dir"] = found  # type: ignore[assignment]
        return True

    _wait(cluster_up, 90, "the ephemeral cluster to start")
    directory = holder["dir"]
    postmaster = int((directory / "data" / "postmaster.pid").read_text().split()[0])
    _wait(
        lambda: len(_children(postmaster)) >= 3,
        30,
        f"the backend running pg_sleep (postmaster {postmaster} in {directory})",
    )
    pids = {postmaster, *_children(postmaster)}
    _interrupted(root, proc)
    _wait(
        lambda: not any(_alive(pid) for pid in pids),
        30,
        f"PostgreSQL to stop: {[p for p in pids if _alive(p)]}",
    )
    _wait(lambda: not directory.exists(), 30, f"{directory} to be deleted")

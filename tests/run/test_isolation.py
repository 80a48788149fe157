"""Each gate in its own worker process: deadlines kill the whole tree, a dying worker is its
gate's error, and nothing a gate started outlives the run (checked with ``pgrep``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from tests.conftest import REPO, gate, load_report, run_gates


def _run(tmp_path: Path, gates_yaml: str, *args: str) -> tuple[int, dict[str, Any], float]:
    path = tmp_path / "checklist.yml"
    path.write_text(f"version: 1\nproject: t\ngates:\n{gates_yaml}")
    out = tmp_path / "reports"
    clock = time.monotonic()
    code, _, _ = run_gates(
        ["run", "--checklist", str(path), "--out", str(out), "--no-history", *args]
    )
    return code, load_report(out), time.monotonic() - clock


def _survivors(tag: str) -> list[str]:
    found = subprocess.run(["pgrep", "-af", tag], capture_output=True, text=True, check=False)
    return found.stdout.splitlines()


def _tag() -> str:
    # a unique sleep length: pgrep finds this test's processes and nobody else's
    return f"{300 + uuid.uuid4().int % 600}.{uuid.uuid4().int % 10**6:06d}"


def test_a_daemon_holding_stdout_does_not_hang_the_gate_and_does_not_survive(
    tmp_path: Path,
) -> None:
    tag = _tag()
    code, report, took = _run(
        tmp_path,
        f'  d: {{type: command, shell: true, timeout: 60s, run: "setsid sleep {tag} & echo ok"}}\n',
    )
    assert code == 0 and gate(report, "d")["status"] == "pass", gate(report, "d")
    assert took < 20, f"the gate waited for the daemon's stdout ({took:.1f}s)"
    assert _survivors(f"sleep {tag}") == []


def test_a_double_forked_daemon_with_its_own_session_is_killed_with_its_gate(
    tmp_path: Path,
) -> None:
    tag = _tag()
    daemon = f"setsid sh -c 'sleep {tag} </dev/null >/dev/null 2>&1 &' ; true"
    code, report, _ = _run(tmp_path, f'  d: {{type: command, shell: true, run: "{daemon}"}}\n')
    assert code == 0, gate(report, "d")
    assert _survivors(f"sleep {tag}") == []


def test_the_deadline_kills_the_worker_tree_without_doubling_the_timeout(tmp_path: Path) -> None:
    tag = _tag()
    run = f"setsid sleep {tag} & sleep {tag}"
    code, report, took = _run(
        tmp_path,
        f'  slow: {{type: command, shell: true, timeout: 2s, run: "{run}"}}\n'
        '  quick: {type: command, run: "true"}\n',
    )
    assert code == 1
    slow = gate(report, "slow")
    assert slow["status"] == "error" and "timed out" in slow["error"]
    assert gate(report, "quick")["status"] == "pass"
    assert took < 2 * 2 + 8, f"the run took {took:.1f}s for a 2s timeout"
    assert _survivors(f"sleep {tag}") == []


def test_a_worker_that_dies_is_its_gates_error_and_the_others_go_on(tmp_path: Path) -> None:
    # the command's parent is the gate's worker process: this is a segfault / OOM kill of it
    code, report, _ = _run(
        tmp_path,
        '  segv: {type: command, shell: true, run: "kill -SEGV $PPID; sleep 5"}\n'
        '  oom: {type: command, shell: true, run: "kill -KILL $PPID; sleep 5"}\n'
        '  fine: {type: command, run: "true"}\n'
        '  after: {type: command, run: "true", needs: [segv]}\n',
    )
    assert code == 1
    segv, oom = gate(report, "segv"), gate(report, "oom")
    assert segv["status"] == "error" and "SIGSEGV" in segv["error"], segv
    assert oom["status"] == "error" and "SIGKILL" in oom["error"], oom
    assert gate(report, "fine")["status"] == "pass"
    assert gate(report, "after")["status"] == "skipped"


def test_a_non_blocking_gate_whose_worker_died_is_a_warn_that_still_skips_dependents(
    tmp_path: Path,
) -> None:
    code, report, _ = _run(
        tmp_path,
        '  soft: {type: command, shell: true, blocking: false, run: "kill -KILL $PPID"}\n'
        '  after: {type: command, run: "true", needs: [soft]}\n'
        '  other: {type: command, run: "true"}\n',
    )
    assert gate(report, "soft")["status"] == "warn"
    assert gate(report, "after")["status"] == "skipped"
    assert code == 0  # a non-blocking error does not block; its dependent is not required


def test_gates_run_in_parallel_processes(tmp_path: Path) -> None:
    # each gate writes the pid of its worker (the command's parent): distinct processes
    gates_yaml = "".join(
        f'  g{i}: {{type: command, shell: true, run: "echo $PPID > {tmp_path}/g{i}.pid"}}\n'
        for i in range(4)
    )
    code, _, _ = _run(tmp_path, gates_yaml, "--jobs", "2")
    assert code == 0
    pids = {(tmp_path / f"g{i}.pid").read_text().strip() for i in range(4)}
    assert len(pids) == 4


def test_only_says_which_needs_were_not_run(tmp_path: Path) -> None:
    code, report, _ = _run(
        tmp_path,
        '  build: {type: command, run: "true"}\n'
        '  bundle: {type: command, run: "true", needs: [build]}\n',
        "--only",
        "bundle",
    )
    assert code == 0
    bundle = gate(report, "bundle")
    assert "need 'build' not run in this run" in bundle["summary"]
    assert bundle["details"]["needs_not_run"] == ["build"]
    assert gate(report, "build")["status"] == "skipped"


def test_a_long_tmpdir_does_not_break_the_worker_socket(tmp_path: Path) -> None:
    """The forkserver's socket lives under TMPDIR; with a deep TMPDIR (a CI workspace, a test's
    tmp_path) its path passed AF_UNIX's 107 bytes and every run was an internal error."""
    deep = tmp_path / ("t" * 60) / ("u" * 60)
    deep.mkdir(parents=True)
    checklist = tmp_path / "checklist.yml"
    checklist.write_text(
        "version: 1\nproject: t\ngates:\n  ok:\n    type: command\n    run: python3 -c pass\n"
    )
    out = tmp_path / "reports"
    done = subprocess.run(
        [sys.executable, "-m", "gates", "run", "--checklist", str(checklist), "--out", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(deep)},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "AF_UNIX" not in done.stderr
    assert gate(load_report(out), "ok")["status"] == "pass"

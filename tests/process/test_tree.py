"""Killing a process tree leaves no zombie behind, even one re-parented after the kill."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

LATE_ORPHAN = """
import os, subprocess, sys, time
from gates.process import become_subreaper, kill_pids

assert become_subreaper()
# the child starts a grandchild, then lives on 0.3 s as `sleep`, which never waits: the killed
# grandchild is its zombie until then, and only then re-parented here (as a worker's
# postmaster is when the worker dies a moment after it)
child = subprocess.Popen(
    ["/bin/sh", "-c", 'sleep 60 & echo "$!"; exec sleep 0.3'], stdout=subprocess.PIPE, text=True
)
grandchild = int(child.stdout.readline())
kill_pids(lambda: {grandchild} if os.path.exists(f"/proc/{grandchild}") else set())
child.wait()
state = "gone"
if os.path.exists(f"/proc/{grandchild}"):
    with open(f"/proc/{grandchild}/stat") as fh:
        state = fh.read().rsplit(")", 1)[1].split()[0]
print(state)
"""


def test_a_killed_grandchild_re_parented_after_the_kill_is_reaped() -> None:
    # Left unreaped, a killed postmaster is a zombie that `pg_ctl stop` waits 60 s for.
    out = subprocess.run(
        [sys.executable, "-c", LATE_ORPHAN],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == "gone", out.stdout + out.stderr

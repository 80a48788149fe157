"""Process trees: find and kill every process a tool or a gate started, whatever its session.

Two ways, because a daemon may leave its process group and session: the marks a process
inherits in its environment (:data:`TOOL_MARK`, :data:`WORKER_MARK`, read from
``/proc/PID/environ``), and the parent links of a child subreaper (an orphan is re-parented
to the nearest subreaper ancestor, not to init).
"""

from __future__ import annotations

import ctypes
import os
import signal
import time
from collections.abc import Callable, Mapping
from contextlib import suppress

TOOL_MARK = "GATES_TOOL_MARK"
"""Environment variable that marks every process one tool call started, whatever its session."""

WORKER_MARK = "GATES_WORKER_MARK"
"""Environment variable that marks every process a gate's worker started (see
:mod:`gates.run.worker`); passed on to every tool even when its environment is given."""

WARDEN_MARK = "GATES_WARDEN"
"""Environment variable of a warden: a process started to outlive its gate on purpose, to clean
up what a killed gate left behind (the PostgreSQL watchdog of
:mod:`gates.checks.migrations.ephemeral_pg`). Tree kills spare it and what it runs: killing
the warden with the gate whose cleanup overran its grace left that cluster's directory behind.
A warden ends by itself once its work is done."""

_PR_SET_CHILD_SUBREAPER = 36

_subreaper = False
"""Whether this process is a subreaper: then every process it started, whatever its session,
is among its descendants, and a search for marks reads only those."""


def become_subreaper() -> bool:
    """Make this process a child subreaper: orphaned descendants (a daemon that left its
    session) are re-parented here instead of to init, so they can be found and reaped."""
    global _subreaper
    _subreaper = _subreaper or _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    return _subreaper


def _prctl(option: int, value: int) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(option, value, 0, 0, 0)) == 0
    except (OSError, AttributeError):  # not Linux: orphans go to init, marks still work
        return False


def _parents() -> dict[int, int]:
    """pid -> parent pid of every live process (from /proc)."""
    parents: dict[int, int] = {}
    try:
        entries = os.listdir("/proc")  # noqa: PTH208 - names only, hot path
    except OSError:
        return parents
    for name in entries:
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as fh:  # noqa: PTH123 - hot loop
                    stat = fh.read()
                fields = stat.rsplit(b")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields and fields[0] != b"Z":
                parents[int(name)] = int(fields[1])
    return parents


def descendants(pid: int, parents: Mapping[int, int] | None = None) -> set[int]:
    """Every live descendant of ``pid``."""
    parents = _parents() if parents is None else parents
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        for child in children.get(frontier.pop(), ()):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def environ_of(pid: int) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:  # noqa: PTH123 - hot loop
            raw = fh.read()
    except OSError:
        return {}
    pairs = (item.partition(b"=") for item in raw.split(b"\0") if item)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, _, v in pairs}


def marked(mark: str, name: str = TOOL_MARK) -> set[int]:
    """Live processes whose environment carries ``name=mark`` (whatever their session)."""
    parents = _parents()
    candidates = descendants(os.getpid(), parents) if _subreaper else set(parents)
    return {pid for pid in candidates if environ_of(pid).get(name) == mark}


def kill_pids(
    find: Callable[[], set[int]], *, keep: Callable[[], set[int]] = set, rounds: int = 20
) -> None:
    """SIGKILL what ``find`` returns until it returns nothing (a process forking meanwhile is
    found again in the next round), reaping our own children except those in ``keep`` (a
    Popen that will ``wait`` for its child itself). Wardens (:data:`WARDEN_MARK`) are spared."""
    me = os.getpid()
    killed: set[int] = set()
    for _ in range(rounds):
        pids = {pid for pid in find() - {me} if WARDEN_MARK not in environ_of(pid)}
        if not pids:
            break
        for pid in pids:
            with suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        killed |= pids
        time.sleep(0.01)
    _reap(killed, keep())


def kill_marked(mark: str, name: str = TOOL_MARK, *, keep: Callable[[], set[int]] = set) -> None:
    """Kill every process carrying ``name=mark`` in its environment."""
    kill_pids(lambda: marked(mark, name), keep=keep)


def _reap(pids: set[int], keep: set[int]) -> None:
    """Reap those of ``pids`` that are our exited children and that no Popen waits for
    (orphans re-parented to this subreaper); a Popen's own child is left to its ``wait``."""
    waiting = set(pids) - keep
    deadline = time.monotonic() + 1.0
    while waiting and time.monotonic() < deadline:
        for pid in list(waiting):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                # Not our child, or not yet: a killed grandchild (a worker's postmaster) is
                # re-parented to this subreaper only once its parent has died too. Left
                # unreaped it stays a zombie, and `pg_ctl stop` waits its whole timeout on a
                # zombie postmaster. Gone from /proc: its own parent reaped it.
                if not os.path.exists(f"/proc/{pid}"):  # noqa: PTH110 - hot loop
                    waiting.discard(pid)
                continue
            if done:
                waiting.discard(pid)
        if waiting:
            time.sleep(0.01)

"""The only place that starts external processes.

Each tool runs in its own session (process group), with stdin closed and a deadline. On
timeout, or when gates itself is interrupted, the whole group gets SIGTERM, then SIGKILL after
a grace period, so nothing a gate started survives it (``npx`` trees included).

Descendants that leave the group (``setsid``, a daemon that double-forks) are found two ways:
every tool's environment carries a mark (``GATES_TOOL_MARK``) that its descendants inherit,
and a gates process is a child subreaper (``prctl(PR_SET_CHILD_SUBREAPER)``), so an orphaned
descendant is re-parented to it instead of to init. When a tool's leader exits, output is read
for at most :data:`AFTER_EXIT_READ_S` more (a daemon holding stdout cannot hang the gate) and
every marked descendant is killed, unless the caller starts a daemon on purpose
(``keep_daemons``) and tracks it itself.
"""

from __future__ import annotations

import os
import selectors
import shlex
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from gates.errors import ToolMissing, ToolTimeout
from gates.process.log import CommandLog
from gates.process.tree import (
    TOOL_MARK,
    WARDEN_MARK,
    WORKER_MARK,
    become_subreaper,
    descendants,
    environ_of,
    kill_marked,
    kill_pids,
    marked,
)

__all__ = [
    "TOOL_MARK",
    "WARDEN_MARK",
    "WORKER_MARK",
    "ToolRun",
    "background",
    "become_subreaper",
    "descendants",
    "kill_all_live_groups",
    "kill_group",
    "kill_marked",
    "kill_pids",
    "marked",
    "run_tool",
    "split_command",
    "start_background",
    "tracked_group",
]

KILL_GRACE_S = 3.0
"""How long a process group gets between SIGTERM and SIGKILL."""

AFTER_EXIT_READ_S = 0.5
"""How long output is still read once a tool's leader has exited (its pipes may be held open
by a background process it left behind)."""

_live_groups: set[int] = set()
_pumps: dict[int, threading.Thread] = {}
"""The thread copying each background process's output into its log, by pid."""
_live_lock = threading.Lock()


@dataclass(frozen=True)
class ToolRun:
    """What a finished process did."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration_s: float

    @property
    def signal(self) -> int | None:
        """The signal that killed the process, if one did."""
        return -self.returncode if self.returncode < 0 else None

    @property
    def describe_exit(self) -> str:
        """``exit 1`` or ``killed by SIGSEGV``."""
        if self.signal is not None:
            try:
                name = signal.Signals(self.signal).name
            except ValueError:
                name = f"signal {self.signal}"
            return f"killed by {name}"
        return f"exit {self.returncode}"


def _marks() -> dict[str, str]:
    worker = os.environ.get(WORKER_MARK)
    return {WORKER_MARK: worker} if worker else {}


def split_command(command: str | Sequence[str], *, shell: bool = False) -> list[str]:
    """argv for a checklist ``run:`` value; with ``shell`` the string goes to ``/bin/sh -c``."""
    if isinstance(command, str):
        return ["/bin/sh", "-c", command] if shell else shlex.split(command)
    argv = list(command)
    return ["/bin/sh", "-c", shlex.join(argv)] if shell else argv


def run_tool(
    argv: Sequence[str],
    *,
    timeout: float | None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    log_path: Path | None = None,
    stdin_data: str | None = None,
    keep_daemons: bool = False,
) -> ToolRun:
    """Run ``argv`` to completion in a new process group.

    Raises :class:`ToolMissing` when the executable cannot be found and :class:`ToolTimeout`
    (after killing the group) when ``timeout`` passes. Output is decoded as UTF-8 with
    replacement, so junk bytes never raise. With ``log_path`` the command line and both streams
    are appended there. With ``keep_daemons`` a daemon the command starts on purpose (``pg_ctl
    start``) is left running; the caller tracks and stops it.
    """
    if not argv:
        raise ToolMissing("empty command")
    executable = argv[0]
    if (
        os.sep not in executable
        and shutil.which(executable, path=(env or os.environ).get("PATH")) is None
    ):
        raise ToolMissing(f"'{executable}' is not installed or not on PATH")
    started = time.monotonic()
    mark = uuid.uuid4().hex
    child_env = {**(env if env is not None else os.environ), **_marks(), TOOL_MARK: mark}
    log = CommandLog.open(log_path, argv)
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=child_env,
            stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError as exc:
        log.close("not started: not installed or not on PATH")
        raise ToolMissing(f"'{executable}' is not installed or not on PATH") from exc
    except PermissionError as exc:
        log.close("not started: not executable")
        raise ToolMissing(f"'{executable}' is not executable: {exc}") from exc
    with _tracked(proc.pid):
        try:
            out, err, timed_out = _communicate(
                proc, stdin_data.encode() if stdin_data is not None else None, timeout, log
            )
        except BaseException:
            kill_group(proc.pid)
            kill_marked(mark, keep=_owned)
            proc.wait()
            log.close("interrupted; process group killed")
            raise
        if timed_out:
            kill_group(proc.pid)
            kill_marked(mark, keep=_owned)
            proc.wait()
            log.close(f"TIMEOUT after {timeout:.1f}s; process group killed")
            raise ToolTimeout(
                f"'{shlex.join(argv)[:200]}' timed out after {timeout:g}s; "
                "its process group was killed"
            ) from None
        proc.wait()
        if not keep_daemons:
            # What the finished leader left behind (a backgrounded server, a setsid daemon)
            # belongs to the gate and does not outlive the tool.
            kill_group(proc.pid, grace=0.5)
            kill_marked(mark, keep=_owned)
    run = ToolRun(
        argv=tuple(argv),
        returncode=proc.returncode,
        stdout=out.decode("utf-8", "replace"),
        stderr=err.decode("utf-8", "replace"),
        duration_s=time.monotonic() - started,
    )
    log.close(run.describe_exit)
    return run


def _communicate(
    proc: subprocess.Popen[bytes],
    stdin_data: bytes | None,
    timeout: float | None,
    log: CommandLog,
) -> tuple[bytes, bytes, bool]:
    """(stdout, stderr, timed out): read both pipes until EOF, the deadline, or
    :data:`AFTER_EXIT_READ_S` after the leader exited, whichever comes first."""
    deadline = None if timeout is None else time.monotonic() + timeout
    chunks: dict[int, list[bytes]] = {}
    with selectors.DefaultSelector() as selector:
        for stream in (proc.stdout, proc.stderr):
            assert stream is not None
            os.set_blocking(stream.fileno(), False)
            chunks[stream.fileno()] = []
            selector.register(stream, selectors.EVENT_READ)
        assert proc.stdout is not None
        out_fd = proc.stdout.fileno()
        pending = memoryview(stdin_data or b"")
        if proc.stdin is not None:
            if pending:
                os.set_blocking(proc.stdin.fileno(), False)
                selector.register(proc.stdin, selectors.EVENT_WRITE)
            else:
                proc.stdin.close()
        exit_bound: float | None = None
        timed_out = False
        while any(key.events & selectors.EVENT_READ for key in selector.get_map().values()):
            now = time.monotonic()
            if exit_bound is None and proc.poll() is not None:
                exit_bound = now + AFTER_EXIT_READ_S
            limits = [t for t in (deadline, exit_bound) if t is not None]
            if limits and now >= min(limits):
                timed_out = exit_bound is None
                break
            wait = min([0.1, *(t - now for t in limits)])
            for key, _ in selector.select(timeout=max(wait, 0.0)):
                fd = key.fd
                if key.fileobj is proc.stdin:
                    try:
                        written = os.write(fd, pending[:65536])
                    except BrokenPipeError:
                        written = len(pending)
                    pending = pending[written:]
                    if not pending:
                        selector.unregister(key.fileobj)
                        proc.stdin.close()
                    continue
                try:
                    data = os.read(fd, 1 << 16)
                except BlockingIOError:
                    continue
                if data:
                    chunks[fd].append(data)
                    log.write("stdout" if fd == out_fd else "stderr", data)
                else:
                    selector.unregister(key.fileobj)
    if not timed_out and proc.poll() is None:  # pipes closed early, the leader still runs
        try:
            proc.wait(timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
    if proc.stdin is not None and not proc.stdin.closed:
        with suppress(OSError):
            proc.stdin.close()
    assert proc.stdout is not None and proc.stderr is not None
    out = b"".join(chunks[proc.stdout.fileno()])
    err = b"".join(chunks[proc.stderr.fileno()])
    proc.stdout.close()
    proc.stderr.close()
    return out, err, timed_out


def start_background(
    argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], log_path: Path
) -> subprocess.Popen[bytes]:
    """Start a long-running process (a server) in a new session, output appended to ``log_path``.

    Use :func:`background` to also track it and kill its whole group on the way out.
    """
    log = CommandLog.open(log_path, argv, note="   # background, own process group")
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env={**env, **_marks(), TOOL_MARK: uuid.uuid4().hex},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except FileNotFoundError:
        log.close("not started")
        raise ToolMissing(f"'{argv[0]}' not found (cwd {cwd})") from None
    except PermissionError as exc:
        log.close("not started")
        raise ToolMissing(f"'{argv[0]}' is not executable: {exc}") from None
    assert proc.stdout is not None
    # The server writes into a pipe, never into the log: a thread masks what it reads there.
    pump = threading.Thread(
        target=log.pump, args=(proc.stdout, f"background group {proc.pid} stopped"), daemon=True
    )
    pump.start()
    with _live_lock:
        _pumps[proc.pid] = pump
    return proc


@contextmanager
def background(
    argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], log_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a background process for the duration of the block; its group is always killed."""
    proc = start_background(argv, cwd=cwd, env=env, log_path=log_path)
    try:
        with _tracked(proc.pid):
            yield proc
    finally:
        mark = environ_of(proc.pid).get(TOOL_MARK)
        kill_group(proc.pid)
        if mark:
            kill_marked(mark, keep=_owned)
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        with _live_lock:
            pump = _pumps.pop(proc.pid, None)
        if pump is not None:
            pump.join(timeout=2)  # the log is complete before the gate reads it


def kill_group(pgid: int, *, grace: float = KILL_GRACE_S) -> None:
    """SIGTERM the process group, wait up to ``grace`` seconds, then SIGKILL what is left."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not _group_alive(pgid):
            return
        time.sleep(0.05)
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _owned() -> set[int]:
    """Leaders of tools and servers a Popen here still waits for."""
    with _live_lock:
        return set(_live_groups)


def kill_all_live_groups() -> None:
    """Kill every process group gates started and that is still tracked (on SIGINT/SIGTERM)."""
    with _live_lock:
        groups = list(_live_groups)
    for pgid in groups:
        kill_group(pgid, grace=1.0)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # Zombies of our own children still count as "alive" to killpg; reap opportunistically.
    with suppress(ChildProcessError):
        os.waitpid(-pgid, os.WNOHANG)
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@contextmanager
def _tracked(pgid: int) -> Iterator[None]:
    with _live_lock:
        _live_groups.add(pgid)
    try:
        yield
    finally:
        with _live_lock:
            _live_groups.discard(pgid)


@contextmanager
def tracked_group(pgid: int) -> Iterator[None]:
    """Track a long-running group (a server a gate started) so an interrupt kills it too."""
    with _tracked(pgid):
        yield

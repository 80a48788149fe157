"""Work done beside this process in a forked child, its result handed back as bytes.

For CPU-bound pure-Python work that this process would otherwise do right after, on one core:
the report writers (:func:`gates.writers.write_all`), which render 10,000 findings for 0.3 s
each. A fork shares the report as it is (copy-on-write; pickling it for a spawned process cost
0.25 s and unpickling 0.43 s, more than the rendering).

Forking is safe only while this process has one thread: a lock another thread holds at the fork
(the import lock, a logging handler's) stays held forever in the child. :func:`start` forks
only then, and returns ``None`` otherwise; the caller does the work itself. Every way the
child can fail (an exception, a signal, the OOM killer, its output cut short) also gives
``None`` from :meth:`Forked.result`, never partial bytes: the caller redoes the work, so a
deterministic error is raised where it belongs, in this process, with its traceback.

The child never outlives this process by more than a moment: it asks the kernel for SIGKILL
when its parent dies (``PR_SET_PDEATHSIG``), it is killed when :meth:`Forked.result` is left by
an exception (an interrupt), and writing to a pipe nobody reads ends it anyway. It leaves
through ``os._exit``: no ``atexit`` handler, no ``finally`` of this process's stack and no
flush of stdio buffers inherited from the parent runs twice.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import struct
import sys
import threading
from collections.abc import Callable, Sequence

LENGTH = struct.Struct("<Q")
"""The length before each part the child writes."""
_PR_SET_PDEATHSIG = 1

Work = Callable[[], Sequence[bytes]]
"""What a child runs: its parts, as bytes."""


class Forked:
    """A child started by :func:`start`; :meth:`result` waits for its parts."""

    def __init__(self, pid: int, read_end: int, count: int) -> None:
        self._pid = pid
        self._read_end = read_end
        self._count = count

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self._pid

    def result(self) -> list[bytes] | None:
        """The child's parts, or ``None`` when it did not end with all of them."""
        reaped = False
        try:
            with os.fdopen(self._read_end, "rb") as pipe:
                data = pipe.read()
            _, status = os.waitpid(self._pid, 0)
            reaped = True
        finally:
            if not reaped:  # an interrupt while waiting: the child must not outlive it
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(self._pid, 0)
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return None
        return split(data, self._count)


def start(work: Work, count: int) -> Forked | None:
    """Run ``work`` (returning ``count`` byte strings) in a forked child; ``None`` when this
    process cannot fork safely (more than one thread, no ``fork``)."""
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return None
    read_end, write_end = os.pipe()
    parent = os.getpid()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # pragma: no cover - the child; measured through its result
        os.close(read_end)
        _child(work, count, write_end, parent)
    os.close(write_end)
    return Forked(pid, read_end, count)


def _child(
    work: Work, count: int, write_end: int, parent: int
) -> None:  # pragma: no cover - runs in the child, which leaves through os._exit
    code = 1
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        _die_with(parent)
        # short-lived: a collection would only walk (and copy, page by page) the parent's objects
        gc.disable()
        parts = work()
        if len(parts) == count:
            with os.fdopen(write_end, "wb") as pipe:
                for part in parts:
                    pipe.write(LENGTH.pack(len(part)))
                    pipe.write(part)
            code = 0
    except BaseException:  # any failure, an interrupt too, is reported as "no result"
        code = 1
    finally:
        os._exit(code)


def _die_with(parent: int) -> None:  # pragma: no cover - runs in the child
    """SIGKILL this child when its parent dies (Linux); elsewhere the pipe ends it."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request was in place
        os._exit(1)


def split(data: bytes, count: int) -> list[bytes] | None:
    """``count`` length-prefixed parts making up exactly ``data``, or ``None``."""
    parts: list[bytes] = []
    view = memoryview(data)
    at = 0
    while at < len(data):
        if at + LENGTH.size > len(data):
            return None
        (size,) = LENGTH.unpack_from(view, at)
        at += LENGTH.size
        if at + size > len(data):
            return None
        parts.append(bytes(view[at : at + size]))
        at += size
    return parts if len(parts) == count else None

"""Each gate in its own worker process: started from a forkserver, killed as a whole tree.

The parent (the run) starts one worker per gate, at most ``--jobs`` at a time. A worker is
forked from a ``forkserver`` (never ``fork`` of a threaded parent), makes itself a child
subreaper, stops when the run's process is gone, evaluates the gate and sends back a pickled
:class:`~gates.run.gate.GateRun`. Every process a worker starts carries the worker's mark in
its environment (:data:`gates.process.WORKER_MARK`), so the parent finds them whatever their
session. At a gate's deadline, or on an interrupt, the worker gets SIGTERM (its ``finally``
blocks stop what it started, e.g. a PostgreSQL cluster) and :data:`CLEANUP_GRACE_S` later its
whole tree gets SIGKILL. A worker that dies without a result (a segfault in a C extension, the
OOM killer) makes its gate ``error`` with the cause; the other gates go on.
"""

from __future__ import annotations

import gc
import os
import select
import signal
import threading
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from gates import process

if TYPE_CHECKING:  # imported where used: prestart() must start the forkserver before them
    from gates.run.gate import GateTask

CLEANUP_GRACE_S = 2.0
"""How long a worker stopped at its deadline may clean up (SIGTERM) before its whole tree
gets SIGKILL: bounded, so a deadline is never doubled."""

INTERRUPT_GRACE_S = 8.0
"""The same on an interrupt of the run: longer, because stopping a PostgreSQL cluster through
``runuser`` and ``pg_ctl`` on a busy machine takes seconds, and a killed cleanup leaves its
temp dir behind. A worker that finishes sooner ends the wait sooner."""

DEADLINE_SLACK_S = 1.0
"""Past its ``timeout`` a gate's worker is stopped: the slack lets the gate report its own
tool's timeout (which started a little after the worker) rather than be cut off first."""


class Stopped(BaseException):
    """Raised in a worker by SIGTERM: the run stops this gate (deadline or interrupt).

    A ``BaseException``, so gates' ``except Exception`` does not swallow it while ``finally``
    blocks still run."""


@dataclass
class Worker:
    """A running worker, seen from the parent."""

    gate_id: str
    proc: Any  # multiprocessing's Process of the context (untyped there)
    conn: Connection
    mark: str
    started: float
    deadline: float
    stopping_since: float | None = None

    @property
    def sentinel(self) -> int:
        """Becomes ready when the worker process has exited."""
        return int(self.proc.sentinel)

    def stop(self) -> None:
        """Ask the worker to stop (SIGTERM); :meth:`kill` follows if it does not."""
        if self.stopping_since is None:
            self.stopping_since = time.monotonic()
            if self.proc.pid is not None:
                with suppress(ProcessLookupError):
                    os.kill(self.proc.pid, signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL the worker and every process it started (a snapshot of its descendants,
        everything carrying its mark), then reap it."""
        pid = self.proc.pid
        if pid is not None:
            process.kill_pids(
                lambda: (
                    ({pid} if self.proc.exitcode is None else set())
                    | process.descendants(pid)
                    | process.marked(self.mark, process.WORKER_MARK)
                )
            )
        self.proc.join(timeout=5)
        self.conn.close()


def start(ctx: BaseContext, task: GateTask, deadline: float) -> Worker:
    """Start the worker of ``task``; ``deadline`` is on the ``time.monotonic`` clock."""
    receiver, sender = ctx.Pipe(duplex=False)
    mark = uuid.uuid4().hex
    proc = ctx.Process(  # type: ignore[attr-defined]
        target=_main,
        args=(sender, task, str(Path.cwd()), mark, os.getpid()),
        name=f"gate-{task.spec.id}",
    )
    proc.start()
    sender.close()
    return Worker(task.spec.id, proc, receiver, mark, time.monotonic(), deadline)


def _main(conn: Connection, task: GateTask, cwd: str, mark: str, parent: int) -> None:
    """The worker process: evaluate one gate and send back its :class:`GateRun`."""
    # What the forkserver imported (pydantic, the checklist models, the gate types) lives as
    # long as the worker: frozen, the gate's own collections no longer walk it (5-10 % of a
    # parse measured), nor touch its pages shared with the server.
    gc.freeze()
    process.become_subreaper()
    _stop_when_gone(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what an interrupt stops
    signal.signal(signal.SIGTERM, _stop)
    _kill_groups_on_stop()
    os.environ.clear()
    os.environ.update(task.environ)
    os.environ[process.WORKER_MARK] = mark
    os.chdir(cwd)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)  # the run's stdout is the CLI's: a worker never holds it open
    os.dup2(devnull, 1)
    try:
        from gates.run.gate import GateRun, execute

        run = execute(task)
        try:
            conn.send(run)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the run is gone (SIGKILLed): nobody to report to, and no traceback to print
        except Exception as exc:  # an unpicklable detail must not lose the gate's verdict
            from gates.run.judge import errored

            conn.send(GateRun(errored(task.spec, f"result could not be sent: {exc}", 0.0), True))
    except Stopped:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        # nothing this gate started outlives it (orphans were re-parented to this subreaper)
        process.kill_pids(lambda: process.descendants(os.getpid()))
        conn.close()


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stopped


def _kill_groups_on_stop() -> None:
    """On SIGTERM, kill the process groups the gate is waiting on, from a thread.

    The gate may be blocked in C (a libpq query running ``pg_sleep``), where the Python-level
    handler cannot run; killing what it waits on (the cluster, the tool) returns it to Python,
    where :class:`Stopped` is raised and its ``finally`` blocks clean up."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)

    def watch() -> None:
        while True:
            received = os.read(read_end, 64)
            if not received or signal.SIGTERM in received:
                break
        process.kill_all_live_groups()

    threading.Thread(target=watch, name="stop-watch", daemon=True).start()


def _stop_when_gone(parent: int) -> None:
    """Stop this worker (cleanly, then hard) once the run's process is gone (SIGKILLed).

    The worker's parent is the forkserver, which outlives the run while workers exist, so
    ``PR_SET_PDEATHSIG`` cannot tell; a thread waits on a pidfd of the run's process."""

    def watch() -> None:
        try:
            fd = os.pidfd_open(parent)
        except (OSError, AttributeError):  # no pidfd: poll
            while _alive(parent):
                time.sleep(0.5)
        else:
            select.select([fd], [], [])
        os.kill(os.getpid(), signal.SIGTERM)  # Stopped in the gate: its finally blocks run
        time.sleep(CLEANUP_GRACE_S * 5)
        process.kill_pids(lambda: process.descendants(os.getpid()))
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

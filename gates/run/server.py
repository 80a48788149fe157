"""The forkserver every gate's worker is forked from: its context and its early start.

Kept apart from :mod:`gates.run.worker` and importing nothing of gates: ``gates run`` starts the
server before anything else is imported (:mod:`gates.cli.head_start`), so that it imports the
gate machinery on the other core while the run's own process does the same.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable
from multiprocessing.context import BaseContext

_PRELOAD = ["gates.run.gate", "gates.run.worker"]


def context(gate_types: Iterable[str]) -> BaseContext:
    """The forkserver context; the server imports the modules of ``gate_types`` once, with
    each type's ``warm`` module where it has one (what its evaluate imports and builds anyway,
    e.g. :mod:`gates.checks.migrations.warm`), so each worker starts as a cheap fork with them
    loaded. A name that is no gate type or module is skipped by the server (multiprocessing
    ignores a preload's ``ImportError``)."""
    names = sorted(set(gate_types))
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(
        [
            *_PRELOAD,
            *(f"gates.checks.{n}" for n in names),
            *(f"gates.checks.{n}.warm" for n in names),
        ]
    )
    _socket_dir_that_fits()
    return ctx


SOCKET_PATH_MAX = 107
"""Bytes of an AF_UNIX socket path on Linux (``sun_path`` is 108, with its NUL)."""


def _socket_dir_that_fits() -> None:
    """The forkserver listens on a socket in multiprocessing's temp folder, made under
    ``TMPDIR``. A long ``TMPDIR`` (a CI workspace, pytest's ``tmp_path``) made the socket path
    too long and every run an internal error (``OSError: AF_UNIX path too long``); the folder
    is then made in ``/tmp`` instead. It holds the socket only: no gate writes there."""
    import tempfile
    from multiprocessing import util

    # pymp-XXXXXXXX/listener-XXXXXXXX plus separators; multiprocessing names them so
    if len(os.fsencode(tempfile.gettempdir())) + 33 <= SOCKET_PATH_MAX:
        return
    short = "/tmp"  # noqa: S108 - mkdtemp makes a private (0700) folder of a unique name there
    if not os.access(short, os.W_OK | os.X_OK):
        return  # nothing shorter to offer: multiprocessing's own error stands
    saved = tempfile.tempdir
    tempfile.tempdir = short
    try:
        util.get_temp_dir()  # made now, kept for the process (multiprocessing caches it)
    finally:
        tempfile.tempdir = saved


def prestart(gate_types: Iterable[str] = ()) -> None:
    """Start the forkserver now, without waiting for it: it imports the gate machinery, and
    the modules of ``gate_types`` (see :func:`context`), on another core while the caller
    loads the checklist (its start-up is otherwise paid serially by the first gate, and each
    worker would import its gate type after the fork)."""
    from multiprocessing import forkserver

    context(gate_types)
    forkserver.ensure_running()

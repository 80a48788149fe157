"""A command's log, written while the command runs, every byte masked on its way in.

A run killed mid-command (SIGKILL, the OOM killer) leaves a log with what the command printed so
far and no secret in it: nothing reaches the file before :class:`gates.redact.MaskingWriter`
has masked it with the values this process knows to be secret (:func:`gates.redact.log_redactor`).
"""

from __future__ import annotations

import os
import shlex
import threading
from collections.abc import Sequence
from contextlib import suppress
from functools import partial
from pathlib import Path
from typing import IO

from gates.redact import MaskingWriter, log_redactor


class CommandLog:
    """The log of one command (or one background server): sections per stream, then the end."""

    def __init__(self, fd: int | None) -> None:
        self._fd = fd
        self._lock = threading.Lock()
        self._last = ""
        self._ended = True
        self._streams: dict[str, MaskingWriter] = {}

    @classmethod
    def open(cls, path: Path | None, argv: Sequence[str], note: str = "") -> CommandLog:
        if path is None:
            return cls(None)
        path.parent.mkdir(parents=True, exist_ok=True)
        log = cls(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644))
        log._put(f"$ {shlex.join(argv)}{note}\n")
        return log

    def _put(self, text: str) -> None:
        self._write(log_redactor().text(text).encode("utf-8", "surrogateescape"))

    def _write(self, data: bytes) -> None:
        if self._fd is not None:
            with suppress(OSError):  # a full disk loses the log, not the gate
                os.write(self._fd, data)

    def write(self, stream: str, data: bytes) -> None:
        """``data`` read from ``stream`` (``stdout``/``stderr``)."""
        if self._fd is None:
            return
        writer = self._streams.get(stream)
        if writer is None:
            writer = self._streams[stream] = MaskingWriter(partial(self._section, stream))
        writer.write(data)

    def _section(self, stream: str, data: bytes) -> None:
        with self._lock:
            if stream != self._last:
                if self._last and not self._ended:
                    self._write(b"\n")
                self._write(f"--- {stream} ---\n".encode())
                self._last = stream
            self._write(data)
            self._ended = data.endswith(b"\n")

    def pump(self, pipe: IO[bytes], outcome: str) -> None:
        """Copy a background process's output into the log until it closes the pipe."""
        with suppress(OSError, ValueError):
            while data := os.read(pipe.fileno(), 1 << 16):
                self.write("output", data)
        pipe.close()
        self.close(outcome)

    def close(self, outcome: str) -> None:
        """Write what is held, then how the command ended."""
        for writer in list(self._streams.values()):
            writer.close()
        with self._lock:
            if self._fd is None:
                return
            if not self._ended:
                self._write(b"\n")
            self._put(f"--- {outcome} ---\n")
            os.close(self._fd)
            self._fd = None

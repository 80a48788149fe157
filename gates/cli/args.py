"""Argument types and defaults shared by the commands; ``say``/``err`` are the only printers."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TextIO

from gates.writers import FORMAT_NAMES

DEFAULT_CHECKLIST = "checklist.yml"


def id_set(text: str) -> set[str]:
    """``a,b`` → ``{"a", "b"}``."""
    return {part.strip() for part in text.split(",") if part.strip()}


def positive_int(text: str) -> int:
    """An integer of at least 1 (a clean usage error otherwise, also for 5000 digits)."""
    try:
        value = int(text) if len(text) <= 12 else -1
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text[:20]!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be a whole number from 1 to 999999999999")
    return value


def formats(text: str) -> list[str]:
    """``html,sarif`` → the formats to write; JSON is always written (the record)."""
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [f for f in chosen if f not in FORMAT_NAMES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown format {unknown[0][:40]!r}; choose from {', '.join(FORMAT_NAMES)}"
        )
    if "json" not in chosen:
        chosen.insert(0, "json")  # the JSON report is the record every other command reads
    return chosen


def say(text: str) -> None:
    """Print one block to stdout; a reader that went away (``| head``) ends the output quietly,
    and the command still exits with its own code."""
    _write(sys.stdout, text)


def err(text: str) -> None:
    """Print one block to stderr."""
    _write(sys.stderr, text)


def _write(stream: TextIO, text: str) -> None:
    try:
        print(text, file=stream, flush=True)
    except BrokenPipeError:
        silence(stream)


def silence(stream: TextIO) -> None:
    """Point ``stream``'s descriptor at the null device so later writes and the final flush at
    exit do not raise again (the reader of the pipe has gone)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # pragma: no cover - a stream without a descriptor
        pass

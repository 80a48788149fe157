"""``gates run``'s head start: its forkserver is started before anything else is imported.

Every gate's worker is forked from a forkserver that first imports the gate machinery (the
checklist models, pydantic, the gate types): a few hundred milliseconds of one core. Started
first, it does that on the other core while this process parses its arguments, imports the
same and loads the checklist; started after them, the first gate waited for it.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Sequence
from pathlib import Path

HINT_BYTES = 1024 * 1024
"""How much of the checklist the hint reads: all of one the loader accepts."""
TYPE_KEY = re.compile(rb"\btype:[ \t]*[\"']?([a-z][a-z_]*)")


def gate_types_named(checklist: Path) -> list[str]:
    """The ``type:`` values written in the checklist, found without parsing it: a hint for
    the forkserver's preload only (a missed or wrong name costs time, never a verdict; the
    checklist is loaded and validated as always)."""
    try:
        if not stat.S_ISREG(checklist.stat().st_mode):
            return []  # a FIFO or a device is the loader's to refuse, not this hint's to block on
        with checklist.open("rb") as file:
            text = file.read(HINT_BYTES)
    except OSError:
        return []  # the checklist's loader reports it
    return sorted({m.decode() for m in TYPE_KEY.findall(text)})


def start_for_argv(words: Sequence[str]) -> None:
    """Start the forkserver for a command line that runs gates (``run …``), before argparse
    reads it, preloading the gate types its checklist names; the checklist is found as argparse
    will find it (``--checklist X`` or ``--checklist=X``, else the default). Anything else
    starts nothing."""
    if words[:1] != ["run"]:
        return
    from gates.cli.args import DEFAULT_CHECKLIST

    checklist = DEFAULT_CHECKLIST
    for at, word in enumerate(words[1:], start=1):
        if word == "--":
            break
        if word == "--checklist" and at + 1 < len(words):
            checklist = words[at + 1]
        elif word.startswith("--checklist="):
            checklist = word.removeprefix("--checklist=")
    from gates.run.server import prestart

    prestart(gate_types_named(Path(checklist)))

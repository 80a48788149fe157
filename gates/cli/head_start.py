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


def _hint_text(checklist: Path) -> bytes:
    try:
        if not stat.S_ISREG(checklist.stat().st_mode):
            return b""  # a FIFO or a device is the loader's to refuse, not this hint's to block on
        with checklist.open("rb") as file:
            return file.read(HINT_BYTES)
    except OSError:
        return b""  # the checklist's loader reports it


def gate_types_named(checklist: Path) -> list[str]:
    """The ``type:`` values written in the checklist, found without parsing it: a hint for
    the forkserver's preload only (a missed or wrong name costs time, never a verdict; the
    checklist is loaded and validated as always)."""
    return sorted({m.decode() for m in TYPE_KEY.findall(_hint_text(checklist))})


def gate_types_selected(checklist: Path, only: set[str] | None, skip: set[str]) -> list[str]:
    """The types of the gates ``--only``/``--skip`` leave to run: a run of one gate preloads
    that gate's type, not all of the checklist's (in the benchmark's ``--only migrations``
    the other five types and their warm modules kept the forkserver busy 100-150 ms while the
    run waited for it). The checklist is read with YAML's safe loader for this; whatever that
    cannot read gives :func:`gate_types_named`, a hint as well."""
    if only is None and not skip:
        return gate_types_named(checklist)
    text = _hint_text(checklist)
    try:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        gates = yaml.load(text, Loader=loader)["gates"]  # noqa: S506 - a safe loader
        types = {
            spec["type"]
            for gate_id, spec in gates.items()
            if (only is None or gate_id in only) and gate_id not in skip
        }
        if all(isinstance(t, str) for t in types):
            return sorted(types)
    except Exception:  # noqa: S110 - a hint: any failure falls back to the cheap one
        pass
    return gate_types_named(checklist)


def start_for_argv(words: Sequence[str]) -> None:
    """Start the forkserver for a command line that runs gates (``run …``), before argparse
    reads it, preloading the gate types its checklist names (of the gates ``--only``/``--skip``
    select); the options are found as argparse will find them (``--checklist X`` or
    ``--checklist=X``, the last one given, else the default). Anything else starts nothing."""
    if words[:1] != ["run"]:
        return
    from gates.cli.args import DEFAULT_CHECKLIST, id_set

    given: dict[str, str] = {"checklist": DEFAULT_CHECKLIST}
    for at, word in enumerate(words[1:], start=1):
        if word == "--":
            break
        for name in ("checklist", "only", "skip"):
            if word == f"--{name}" and at + 1 < len(words):
                given[name] = words[at + 1]
            elif word.startswith(f"--{name}="):
                given[name] = word.removeprefix(f"--{name}=")
    from gates.run.server import prestart

    only = id_set(given["only"]) if "only" in given else None
    prestart(gate_types_selected(Path(given["checklist"]), only, id_set(given.get("skip", ""))))

"""``gates <type> <name>``: the helpers a gate type declares in its ``Check.commands``.

Generic on purpose: this module knows no gate type. The registry is read only when the first
argument of ``gates`` is not a built-in command (``gates --version`` and ``gates run`` never
import a gate type for it); see :func:`gates.cli.wants_gate_commands`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gates.cli.args import DEFAULT_CHECKLIST, say
from gates.errors import UsageError
from gates.verdict import EXIT_PASS

if TYPE_CHECKING:
    from gates.checklist.model import GateSpec


def add(sub: Any, first: str | None = None) -> None:
    """Register ``gates <type> <name>`` for every gate type that declares commands; only for
    ``first`` when that word is such a type (``gates migrations lock`` imports one gate type,
    ``gates --help`` and an unknown word all of them, to list them)."""
    from gates.checks import CHECKS, GATE_TYPES

    types: list[str] = list(GATE_TYPES)
    if first is not None and first in GATE_TYPES and CHECKS[first].commands:
        types = [first]
    for gate_type in types:
        check = CHECKS[gate_type]
        if not check.commands:
            continue
        names = ", ".join(c.name for c in check.commands)
        parser = sub.add_parser(
            gate_type,
            help=f"{gate_type} gate helpers ({names})",
            description=f"Helpers of the {gate_type} gate.",
        )
        inner = parser.add_subparsers(dest="gate_command", required=True, metavar="COMMAND")
        for command in check.commands:
            one = inner.add_parser(
                command.name, help=command.help, description=command.description or None
            )
            one.add_argument(
                "--checklist",
                default=DEFAULT_CHECKLIST,
                help="checklist file (default: %(default)s)",
            )
            one.add_argument("--gate", help=f"id of the {gate_type} gate (default: the only one)")
            one.set_defaults(handler=handle, gate_type=gate_type, gate_command_name=command.name)


def handle(args: argparse.Namespace) -> int:
    """Load the checklist, pick the one (or the named) gate of the type, run the command."""
    from gates import checklist as checklist_mod
    from gates.checks import CHECKS

    gate_type: str = args.gate_type
    check = CHECKS[gate_type]
    command = next(c for c in check.commands if c.name == args.gate_command_name)
    path = Path(args.checklist)
    loaded = checklist_mod.load(path, stage=None)
    of_type = [g for g in loaded.gates.values() if g.type == gate_type]
    chosen = [g for g in of_type if args.gate is None or g.id == args.gate]
    if len(chosen) != 1:
        if chosen:
            raise UsageError(f"name the {gate_type} gate with --gate ({_ids(chosen)})")
        if args.gate is not None and of_type:
            raise UsageError(
                f"no {gate_type} gate {args.gate!r} (the checklist has {_ids(of_type)})"
            )
        raise UsageError(f"no {gate_type} gate in the checklist")
    options = chosen[0].options
    if not isinstance(options, check.options):  # the checklist loader built it from check.options
        raise TypeError(f"gate {chosen[0].id!r} has options of type {type(options).__name__}")
    say(command.run(options, path.resolve().parent))
    return EXIT_PASS


def _ids(gates: list[GateSpec]) -> str:
    return ", ".join(sorted(g.id for g in gates))

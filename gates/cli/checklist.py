"""``gates validate``, ``gates schema`` and ``gates list``: read the checklist, run nothing."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from gates.cli.args import DEFAULT_CHECKLIST, say
from gates.verdict import EXIT_PASS


def add(sub: Any) -> None:
    """Register the three checklist commands."""
    validate = sub.add_parser(
        "validate",
        help="check the checklist (every environment overlay too); nothing runs",
        description="Check checklists; every problem is reported as file:line:column. "
        "Exit 0 when valid, 2 otherwise.",
    )
    validate.add_argument(
        "checklist",
        nargs="*",
        default=[DEFAULT_CHECKLIST],
        help="checklist files (default: %(default)s)",
    )
    validate.add_argument(
        "--env",
        dest="environment",
        metavar="ENV",
        help="check this environment's overlay first (default: the base, then every overlay)",
    )
    validate.set_defaults(handler=handle_validate)

    schema = sub.add_parser(
        "schema",
        help="print the JSON Schema of checklist.yml (or, with --report, of gate-report.json)",
        description="Print the JSON Schema (draft 2020-12) of checklist.yml, for editors and CI "
        "linters; with --report, the schema of gate-report.json instead.",
    )
    schema.add_argument(
        "--report",
        action="store_true",
        help="print the schema of gate-report.json (gates-report/1) instead (default: off)",
    )
    schema.set_defaults(handler=handle_schema)

    listing = sub.add_parser(
        "list",
        help="show gates, types, stages, needs and blocking, per environment",
        description="Show every gate of the checklist and how each environment changes it.",
    )
    listing.add_argument(
        "checklist", nargs="?", default=DEFAULT_CHECKLIST, help="checklist (default: %(default)s)"
    )
    listing.set_defaults(handler=handle_list)


def handle_validate(args: argparse.Namespace) -> int:
    """Load each checklist for the base and every environment."""
    from gates import checklist as checklist_mod

    for name in args.checklist:
        loaded = checklist_mod.load(Path(name), environment=args.environment, stage=None)
        envs = list(loaded.environments)
        for env in envs:
            checklist_mod.load(Path(name), environment=env, stage=None)
        say(
            f"{name}: ok ({len(loaded.gates)} gates"
            + (f"; environments {', '.join(envs)}" if envs else "")
            + ")"
        )
    return EXIT_PASS


def handle_schema(args: argparse.Namespace) -> int:
    """Print the checklist's JSON Schema, or the report's with ``--report``."""
    if args.report:
        from gates.report.schema import report_schema

        say(json.dumps(report_schema(), indent=2))
        return EXIT_PASS
    from gates.checklist.json_schema import checklist_schema

    say(json.dumps(checklist_schema(), indent=2))
    return EXIT_PASS


def handle_list(args: argparse.Namespace) -> int:
    """Print the table of gates per environment."""
    from gates import checklist as checklist_mod
    from gates.cli import terminal

    base = checklist_mod.load(Path(args.checklist), stage=None)
    per_env = {
        env: checklist_mod.load(Path(args.checklist), environment=env, stage=None)
        for env in base.environments
    }
    terminal.print_list(base, per_env)
    return EXIT_PASS

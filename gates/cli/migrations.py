"""``gates migrations lock``: write the lock file of applied migrations."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gates.cli.args import DEFAULT_CHECKLIST, say
from gates.errors import UsageError
from gates.verdict import EXIT_PASS


def add(sub: Any) -> None:
    """Register ``gates migrations``."""
    migrations = sub.add_parser(
        "migrations",
        help="migration helpers (lock)",
        description="Helpers of the migrations gate.",
    )
    msub = migrations.add_subparsers(dest="migrations_command", required=True, metavar="COMMAND")
    lock = msub.add_parser(
        "lock",
        help="write the lock file of applied migrations",
        description="Write the lock file that records the applied migrations and their digests.",
    )
    lock.add_argument(
        "--checklist", default=DEFAULT_CHECKLIST, help="checklist file (default: %(default)s)"
    )
    lock.add_argument("--gate", help="id of the migrations gate (default: the only one)")
    lock.set_defaults(handler=handle_lock)


def handle_lock(args: argparse.Namespace) -> int:
    """Write the lock of the one (or the named) migrations gate."""
    from gates import checklist as checklist_mod

    path = Path(args.checklist)
    loaded = checklist_mod.load(path, stage=None)
    candidates = [
        g
        for g in loaded.gates.values()
        if g.type == "migrations" and (args.gate is None or g.id == args.gate)
    ]
    if len(candidates) != 1:
        raise UsageError(
            "name the migrations gate with --gate"
            if candidates
            else "no migrations gate in the checklist"
        )
    from gates.checks import migrations
    from gates.checks.migrations.options import MigrationsOptions

    options = candidates[0].options
    assert isinstance(options, MigrationsOptions)
    written = migrations.write_lock(options, path.resolve().parent)
    say(f"wrote {written}")
    return EXIT_PASS

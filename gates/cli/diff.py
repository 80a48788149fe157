"""``gates diff``: what got better or worse between two reports."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gates.cli.args import say


def add(sub: Any) -> None:
    """Register ``gates diff``."""
    diff = sub.add_parser(
        "diff",
        help="what changed between two reports (new/fixed findings, measurements)",
        description="Compare two gate-report.json files: status changes, new and fixed findings "
        "(waived new ones marked), changed measurements. Informational: exit 0.",
    )
    diff.add_argument("base", help="the earlier gate-report.json")
    diff.add_argument("new", help="the later gate-report.json")
    diff.add_argument(
        "--all",
        action="store_true",
        dest="show_all",
        help="also list what did not change (default: changes only)",
    )
    diff.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the differences."""
    from gates.report.diff import main_diff

    code, text = main_diff(Path(args.base), Path(args.new), show_all=args.show_all)
    say(text)
    return code

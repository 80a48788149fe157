"""``gates explain RULE``: what a rule means and how to fix it."""

from __future__ import annotations

import argparse
from typing import Any

from gates.cli.args import say
from gates.verdict import EXIT_PASS


def add(sub: Any) -> None:
    """Register ``gates explain``."""
    explain = sub.add_parser(
        "explain",
        help="what a rule or advisory id means and how to fix it",
        description="Explain a rule id as reports show it (e.g. B602, ban-drop-column, "
        "coverage/lines-below-threshold, GHSA-…); case-insensitive; suggests the nearest rule.",
    )
    explain.add_argument("rule", help="rule id, optionally TYPE/RULE")
    explain.add_argument(
        "--report",
        metavar="REPORT",
        help="gate-report.json whose findings explain advisory ids (default: reports/"
        "gate-report.json when it exists)",
    )
    explain.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the explanation, or refuse with the nearest known rule."""
    from gates.report.explain import explain

    say(explain(args.rule, args.report))
    return EXIT_PASS

"""``gates report``: re-render a saved report in another format."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gates.verdict import EXIT_PASS
from gates.writers import FORMAT_NAMES


def add(sub: Any) -> None:
    """Register ``gates report``."""
    report = sub.add_parser(
        "report",
        help="re-render a saved gate-report.json in another format",
        description="Render a saved gate-report.json (digest checked) as another format.",
    )
    report.add_argument("report", help="the gate-report.json to render")
    report.add_argument("--format", choices=FORMAT_NAMES, required=True, help="format to render")
    report.add_argument(
        "-o", "--output", metavar="FILE", help="file to write (default: standard output)"
    )
    report.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Render to the file or to stdout."""
    from gates.report.codec import load
    from gates.writers import WRITERS, write_atomic

    report = load(Path(args.report))
    text = WRITERS[args.format](report)
    if args.output:
        write_atomic(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return EXIT_PASS

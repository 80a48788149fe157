"""``gates baseline save``: keep a verified report, by commit, for ``--baseline auto``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gates.cli.args import say
from gates.verdict import EXIT_PASS


def add(sub: Any) -> None:
    """Register ``gates baseline``."""
    baseline = sub.add_parser(
        "baseline",
        help="keep reports by commit for --baseline auto",
        description="Baselines kept by commit in a folder (carry it as a CI cache or artifact).",
    )
    bsub = baseline.add_subparsers(dest="baseline_command", required=True, metavar="COMMAND")
    save = bsub.add_parser(
        "save",
        help="verify a report and store it as DIR/<commit>.json",
        description="Verify a report (digest; signature when GATES_SIGNING_KEY is set) and store "
        "it under its commit, where 'gates run --baseline auto --base-ref REF' finds it.",
    )
    save.add_argument(
        "report",
        nargs="?",
        default="reports/gate-report.json",
        help="report to keep (default: %(default)s)",
    )
    save.add_argument(
        "--dir",
        default=".gates/baselines",
        dest="folder",
        help="folder of baselines (default: %(default)s)",
    )
    save.set_defaults(handler=handle_save)


def handle_save(args: argparse.Namespace) -> int:
    """Store the report; print where."""
    from gates.report.baseline import save as save_baseline

    written = save_baseline(Path(args.report), Path(args.folder))
    say(f"saved baseline {written}")
    return EXIT_PASS

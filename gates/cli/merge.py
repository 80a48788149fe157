"""``gates merge``: reports of CI matrix jobs → one verified, signed report and verdict."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gates.cli.args import say


def add(sub: Any) -> None:
    """Register ``gates merge``."""
    merge = sub.add_parser(
        "merge",
        help="merge the reports of CI matrix jobs into one verdict",
        description="Verify every part (digest; signature when GATES_SIGNING_KEY is set; same "
        "project, commit, checklist, environment; each gate in one part), then write one report.",
    )
    merge.add_argument("reports", nargs="+", help="gate-report.json of each job")
    merge.add_argument("-o", "--output", required=True, metavar="FILE", help="merged report")
    merge.add_argument(
        "--checklist",
        default=None,
        help="checklist whose require list applies (default: the reports' own)",
    )
    merge.add_argument(
        "--env",
        dest="environment",
        metavar="ENV",
        help="environment of --checklist (default: the reports' environment)",
    )
    merge.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Verify, merge, sign, write; the merged verdict's exit code."""
    from gates.report.codec import load
    from gates.report.merge import merge_reports
    from gates.report.outputs import finalize, signing_key
    from gates.verdict import exit_code
    from gates.writers import write_atomic
    from gates.writers.json_report import render

    reports = [load(Path(p)) for p in args.reports]
    required: tuple[str, ...] = reports[0].required if reports else ()
    if args.checklist:
        from gates import checklist as checklist_mod
        from gates.run.options import required_for_stage

        in_force = checklist_mod.load(
            Path(args.checklist),
            environment=args.environment or reports[0].environment,
            stage=None,
        )
        required = required_for_stage(in_force, reports[0].stage)
    merged = finalize(
        merge_reports(reports, required, signing_key=signing_key(), names=args.reports)
    )
    write_atomic(Path(args.output), render(merged))
    say(f"merged {len(reports)} reports: verdict {merged.verdict.value}")
    for reason in merged.verdict_reasons:
        say(f"  - {reason}")
    return exit_code(merged.verdict)

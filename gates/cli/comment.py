"""``gates comment``: the pull-request comment (Markdown) for a report, against a base report.

``action.yml`` posts it and edits the same comment on every push (found by its hidden marker).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from gates.verdict import EXIT_PASS

GITHUB_LIMIT = 65536
"""GitHub's longest comment (``gates.report.pr_comment`` holds the same; imported only to run,
so ``gates --version`` does not load the report stack)."""


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``gates comment`` on the top-level sub-command parser."""
    comment = sub.add_parser(
        "comment",
        help="the pull-request comment for a report (Markdown, within GitHub's limit)",
        description="Render the verdict and what changed against a base report: new and fixed "
        "findings, coverage, bundle and Web Vitals deltas.",
    )
    comment.add_argument("report", help="the report of this run (gate-report.json)")
    comment.add_argument(
        "--base", help="the base branch's report to compare with (default: none, first run)"
    )
    comment.add_argument(
        "--details-url", default="", help="link to the full report (default: no link)"
    )
    comment.add_argument(
        "-o", "--output", help="write the comment to this file (default: print it)"
    )
    comment.add_argument(
        "--limit",
        type=int,
        default=GITHUB_LIMIT,
        help=f"longest comment in characters (default: {GITHUB_LIMIT}, GitHub's limit)",
    )
    comment.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from gates.report.codec import load
    from gates.report.pr_comment import render
    from gates.writers import write_atomic

    report = load(Path(args.report))
    base = load(Path(args.base)) if args.base else None
    text = render(report, base, details_url=args.details_url, limit=max(args.limit, 1000))
    if args.output:
        write_atomic(Path(args.output), text)
    else:
        print(text, end="")
    return EXIT_PASS

"""``gates init``: write a commented ``checklist.yml`` for the project in a folder.

The text is validated by the same loader ``gates validate`` uses before it is written, and an
existing checklist is never overwritten (``--print`` shows what would be written).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from gates.errors import UsageError
from gates.verdict import EXIT_PASS


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``gates init`` on the top-level sub-command parser."""
    init = sub.add_parser(
        "init",
        help="write a first checklist.yml for this project (never overwrites)",
        description="Detect the project's framework, test runners, lock files and sources and "
        "write a commented checklist.yml that validates.",
    )
    init.add_argument(
        "dir", nargs="?", default=".", help="project folder (default: the current folder)"
    )
    init.add_argument(
        "-o",
        "--output",
        default="checklist.yml",
        help="file to write, relative to DIR (default: checklist.yml)",
    )
    init.add_argument(
        "--print",
        action="store_true",
        dest="print_only",
        help="print the checklist instead of writing it (default: write it)",
    )
    init.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from gates import checklist as checklist_mod
    from gates.init import checklist_for

    root = Path(args.dir)
    if not root.is_dir():
        raise UsageError(f"{root}: not a folder")
    project, text = checklist_for(root)
    target = root / args.output
    with tempfile.TemporaryDirectory(prefix="gates-init-") as tmp:
        # validated where it will live, so relative paths mean what they will mean
        draft = Path(tmp) / "checklist.yml"
        draft.write_text(text, encoding="utf-8")
        checklist_mod.load(draft, stage=None, environ={**os.environ, "DEPLOY_URL": "http://x"})
    if args.print_only:
        print(text, end="")
        return EXIT_PASS
    if target.exists():
        raise UsageError(f"{target} exists; not overwritten (gates init --print shows the draft)")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"wrote {target} ({', '.join(project.evidence) or 'no framework files found'})")
    print(f"next: gates validate {target} && gates run --checklist {target}")
    return EXIT_PASS

"""``gates promote``: load what the decision needs, then ask :mod:`gates.report.promote`.

The requirements and the effective options come from the checklist in force for the target
environment (``--checklist``, or the checklist at the report's commit), never from the report
being judged, so a report cannot lower its own bar.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gates.cli.args import DEFAULT_CHECKLIST, say
from gates.errors import ToolError, UsageError
from gates.verdict import EXIT_FAIL, EXIT_PASS


def add(sub: Any) -> None:
    """Register ``gates promote``."""
    promote = sub.add_parser(
        "promote",
        help="may this report's build go to ENV? (exit 0 allowed, 1 refused)",
        description="Check that a report evidences the target environment: digest and "
        "signature, verdict pass, commit, age, checklist digest, and every gate ENV requires "
        "ran with ENV's effective options and passed. Exit 0 allowed, 1 refused.",
    )
    promote.add_argument("--report", required=True, help="the gate-report.json to promote")
    promote.add_argument("--to", required=True, dest="target", metavar="ENV", help="target env")
    promote.add_argument(
        "--commit", help="commit being promoted (default: GATES_COMMIT, GITHUB_SHA or git HEAD)"
    )
    promote.add_argument(
        "--max-age", default="24h", help="oldest report accepted (default: %(default)s)"
    )
    promote.add_argument(
        "--checklist",
        default=None,
        help=f"checklist in force (default: {DEFAULT_CHECKLIST} as committed at the report's "
        f"commit, else the working tree's {DEFAULT_CHECKLIST})",
    )
    promote.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the decision; 0 allowed, 1 refused."""
    code, text = promote(
        report_path=Path(args.report),
        target=args.target,
        commit=args.commit,
        max_age=args.max_age,
        checklist_path=Path(args.checklist) if args.checklist else None,
    )
    say(text.rstrip("\n"))
    return code


def promote(
    *,
    report_path: Path,
    target: str,
    commit: str | None,
    max_age: str,
    checklist_path: Path | None,
) -> tuple[int, str]:
    """``(exit code, text)``: 0 when the report may promote to ``target``, else 1 with reasons."""
    from gates import checklist as checklist_mod
    from gates.redact import Redactor, run_secrets
    from gates.report.codec import load
    from gates.report.effective import effective_options
    from gates.report.outputs import git_facts, signing_key
    from gates.report.promote import check_promotion, render_refusal
    from gates.run.options import required_for_stage
    from gates.units import parse_duration

    try:
        max_age_s = parse_duration(max_age)
    except ValueError as exc:
        raise UsageError(f"--max-age: {exc}") from None
    report = load(report_path)
    environ = dict(os.environ)
    if report.commit:
        environ["GATES_COMMIT"] = report.commit
    if report.url:
        environ["DEPLOY_URL"] = report.url
    explicit = checklist_path is not None
    shown = checklist_path or Path(DEFAULT_CHECKLIST)
    with _checklist_at(shown, None if explicit else report.commit) as (path, text):
        in_force = checklist_mod.load(path, environment=target, stage=None, environ=environ)
        redactor = Redactor(run_secrets(text, environ))
        required = required_for_stage(in_force, "pre-deploy")
        expected = {g: effective_options(in_force.gates[g], redactor) for g in required}
        where = _locator(text, str(shown), target, environ)
    wanted, _ = git_facts(shown.resolve().parent, commit)
    reasons = check_promotion(
        report,
        target_env=target,
        # Promotion comes before the deployment: the pre-deploy requirements are what a report
        # must evidence (a post-deploy report lacks them and is refused).
        required=required,
        commit=wanted or "",
        max_age_s=max_age_s,
        checklist_sha256=in_force.sha256,
        signing_key=signing_key(),
        now=datetime.now(UTC),
        expected_options=expected,
        where=where,
        project=in_force.project,
    )
    return (EXIT_FAIL if reasons else EXIT_PASS), render_refusal(report, reasons, target)


@contextlib.contextmanager
def _checklist_at(path: Path, commit: str | None) -> Iterator[tuple[Path, str]]:
    """The checklist as committed at ``commit`` (when git has it), else the file at ``path``.

    The committed copy is written beside ``path`` for the load (relative paths resolve the
    same) and removed afterwards.
    """
    committed = _git_show(path, commit) if commit else None
    if committed is None:
        try:
            text = path.read_text("utf-8", "replace")
        except OSError:
            text = ""
        yield path, text
        return
    folder = path.resolve().parent
    try:
        fd, name = tempfile.mkstemp(prefix=".gates-promote-", suffix=".yml", dir=folder)
    except OSError:
        fd, name = tempfile.mkstemp(prefix=".gates-promote-", suffix=".yml")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(committed)
        yield Path(name), committed.decode("utf-8", "replace")
    finally:
        Path(name).unlink(missing_ok=True)


def _git_show(path: Path, commit: str) -> bytes | None:
    from gates.io import git

    try:  # not committed, or no git: the file on disk is judged instead (see _checklist_at)
        shown = git.file_at(git.runner_at(path.resolve().parent, timeout=10), commit, path.name)
    except ToolError:
        return None
    return shown.encode("utf-8") if shown is not None else None


def _locator(text: str, shown: str, target: str, environ: dict[str, str]) -> Any:
    """``where(gate, key path)`` → ``checklist.yml:42``: the overlay's line when the target's
    overlay sets the key, else the gate's own line."""
    from gates.checklist.yaml_nodes import load_yaml

    try:
        _, marks = load_yaml(text, shown, {**environ, "GATES_ENV": target})
    except Exception:  # the checklist loaded above; a second parse cannot fail differently
        return None

    def where(gate_id: str, key: tuple[str | int, ...]) -> str:
        for base in (("environments", target, "gates", gate_id), ("gates", gate_id)):
            for depth in range(len(key), 0, -1):
                probe = (*base, *key[:depth])
                if probe in marks.positions:
                    return f"{shown}:{marks.positions[probe][0]}"
        line, _ = marks.locate(("gates", gate_id))
        return f"{shown}:{line}" if line else shown

    return where

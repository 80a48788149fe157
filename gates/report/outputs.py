"""After a run: git facts, the baseline, redaction, digest/signature and every report file.

Order matters: secrets are scrubbed from the report before any writer sees it, and the digest is
computed over the scrubbed report, so what is signed is exactly what is written.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from gates.errors import ReportError, ToolError, UsageError
from gates.model import Report
from gates.process import run_tool

SIGNING_KEY_ENV = "GATES_SIGNING_KEY"


def git_facts(root: Path, commit: str | None) -> tuple[str | None, str | None]:
    """(commit, branch) from ``--commit``/CI variables/``git``; ``None`` where unknown."""
    commit = commit or os.environ.get("GATES_COMMIT") or os.environ.get("GITHUB_SHA") or None
    branch = os.environ.get("GITHUB_HEAD_REF") or os.environ.get("GITHUB_REF_NAME") or None
    try:
        if commit is None:
            run = run_tool(["git", "rev-parse", "HEAD"], timeout=10, cwd=root)
            commit = run.stdout.strip() or None if run.returncode == 0 else None
        if branch is None:
            run = run_tool(["git", "rev-parse", "--abbrev-ref", "HEAD"], timeout=10, cwd=root)
            branch = run.stdout.strip() or None if run.returncode == 0 else None
    except ToolError:
        pass
    return commit, branch


def load_baseline(path: str) -> Report:
    """The ``--baseline`` report; an unreadable one is a usage error (nothing runs)."""
    from gates.report.codec import load

    try:
        return load(Path(path))
    except ReportError as exc:
        raise UsageError(f"--baseline {path}: {exc}") from None


def signing_key() -> bytes | None:
    """``GATES_SIGNING_KEY`` as bytes, or ``None`` when reports are not signed."""
    key = os.environ.get(SIGNING_KEY_ENV)
    return key.encode() if key else None


def finalize(report: Report) -> Report:
    """Set the digest (and the HMAC signature when a signing key is configured)."""
    from gates.report.codec import finalize as finalize_report

    return finalize_report(report, signing_key())


def write_outputs(
    report: Report,
    secrets: Sequence[str],
    out_dir: Path,
    formats: Sequence[str],
    *,
    history: bool,
    baseline: Report | None = None,
) -> tuple[Report, list[Path]]:
    """Redact, digest, write every format atomically, append history and the CI summary.

    ``baseline`` (the --baseline report) lets the HTML and Markdown name the fixed findings.
    """
    from gates.redact import redact_report
    from gates.report import history as history_mod
    from gates.writers import write_all
    from gates.writers.markdown_report import append_step_summary
    from gates.writers.markdown_report import render as render_md

    report = finalize(redact_report(report, secrets))
    past = history_mod.load(out_dir) if history else []
    paths = write_all(report, out_dir, formats, history=past, baseline=baseline)
    if history:
        history_mod.append(report, out_dir)
    append_step_summary(render_md(report, baseline=baseline))
    return report, paths


def github_annotations(report: Report) -> str:
    """``::error file=…`` workflow commands when running in GitHub Actions, else nothing."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return ""
    from gates.writers.github_annotations import render

    return render(report)

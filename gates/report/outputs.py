"""After a run: git facts, the baseline, redaction, digest/signature and every report file.

Order matters: secrets are scrubbed from the report before any writer sees it, and the digest is
computed over the scrubbed report, so what is signed is exactly what is written.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from gates.errors import ReportError, ToolError, UsageError
from gates.io import git
from gates.model import Report
from gates.redact import Redactor

SIGNING_KEY_ENV = "GATES_SIGNING_KEY"


def git_facts(root: Path, commit: str | None) -> tuple[str | None, str | None]:
    """(commit, branch) from ``--commit``/CI variables/``git``; ``None`` where unknown."""
    commit = commit or os.environ.get("GATES_COMMIT") or os.environ.get("GITHUB_SHA") or None
    branch = os.environ.get("GITHUB_HEAD_REF") or os.environ.get("GITHUB_REF_NAME") or None
    run = git.runner_at(root, timeout=10)
    try:  # a hint for the report: unknown (None) when git cannot tell
        commit = commit or git.head_commit(run)
        branch = branch or git.current_branch(run) or None
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


@contextlib.contextmanager
def lock_out_dir(out_dir: Path) -> Iterator[None]:
    """Hold ``out_dir`` for one run: a second run into the same folder is refused (not mixed
    into this run's logs, not silently replacing its report). The lock is released on exit,
    also when the process dies (``flock`` belongs to the open file)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir}: is not a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    lock_path = out_dir / LOCK_NAME
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise UsageError(
                f"--out {out_dir}: another gates run (pid {holder}) is writing there; wait for "
                "it to finish or choose another --out"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


LOCK_NAME = ".gates-run.lock"


def redact_logs(report: Report, out_dir: Path, redactor: Redactor) -> None:
    """Mask secrets in this run's logs and artifacts with every secret the run ended up knowing.

    Logs are masked as they are written, with what was known then; a value a gate reports later
    (the secrets gate's findings) may have been printed earlier by a gate running beside it."""
    from gates.writers import mask_files

    paths = [out_dir / gate.log for gate in report.gates if gate.log]
    mask_files([*paths, out_dir / "logs", out_dir / "artifacts"], redactor)


def prepare(formats: Sequence[str]) -> None:
    """Import what :func:`write_outputs` needs for ``formats`` and compile the HTML template,
    ahead of the call (the run does it while the gates run)."""
    from gates.redact import redact_report  # noqa: F401
    from gates.report import codec, history  # noqa: F401
    from gates.writers import FORMATS, markdown_report  # noqa: F401

    for name in formats:
        FORMATS[name].render  # noqa: B018 - the property imports the writer's module
    if "html" in formats:
        from gates.writers import html_report

        html_report.template()


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

    redact_logs(report, out_dir, Redactor(secrets))
    report = finalize(redact_report(report, secrets))
    past = history_mod.load(out_dir) if history else []
    paths = write_all(report, out_dir, formats, history=past, baseline=baseline)
    if history:
        history_mod.append(report, out_dir)
    if os.environ.get("GITHUB_STEP_SUMMARY"):  # rendered only for a CI that shows it
        append_step_summary(render_md(report, baseline=baseline))
    return report, paths


def github_annotations(report: Report) -> str:
    """``::error file=…`` workflow commands when running in GitHub Actions, else nothing."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return ""
    from gates.writers.github_annotations import render

    return render(report)

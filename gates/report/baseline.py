"""Baselines: verified before use, saved by commit, and found by the merge-base.

A ``--baseline`` report is refused (usage error, nothing runs) unless its digest matches its
content, its signature is valid when ``GATES_SIGNING_KEY`` is set, its project is this
checklist's, and — when git can tell — its commit is an ancestor of (or equal to) the commit
being gated. A baseline of another branch is accepted only when the checklist says so::

    baseline:
      allow_other_branch: true

``gates baseline save`` stores a verified report as ``<folder>/<commit>.json``; ``--baseline
auto`` takes the report of the merge-base of ``HEAD`` and ``--base-ref`` or of the nearest
ancestor that has one, and says which. When none exists the run has no baseline, says so, and
every comparison that needs one is ``error`` unless the gate sets ``baseline_optional``.
"""

from __future__ import annotations

from pathlib import Path

from gates.checklist.model import Checklist
from gates.errors import ChecklistError, ReportError, ToolError, UsageError
from gates.io import git
from gates.model import Report
from gates.report.codec import compute_digest, load, verify_signature
from gates.report.outputs import signing_key

AUTO = "auto"
MAX_ANCESTORS = 500
"""How far back ``--baseline auto`` looks for a saved report (commits on the base's history)."""
BASELINE_KEYS = ("allow_other_branch",)


def allow_other_branch(checklist: Checklist) -> bool:
    """The checklist's ``baseline.allow_other_branch`` (default false); a bad value is refused."""
    section = checklist.raw.get("baseline")
    if section is None:
        return False
    if not isinstance(section, dict):
        raise ChecklistError(
            "'baseline' must be a mapping", path=checklist.path, key_path="baseline"
        )
    for key in section:
        if key not in BASELINE_KEYS:
            raise ChecklistError(
                f"unknown key '{key}'",
                path=checklist.path,
                key_path=f"baseline.{key}",
                hint="valid keys: " + ", ".join(BASELINE_KEYS),
            )
    value = section.get("allow_other_branch", False)
    if not isinstance(value, bool):
        raise ChecklistError(
            "must be true or false", path=checklist.path, key_path="baseline.allow_other_branch"
        )
    return value


def verify(
    report: Report,
    *,
    name: str,
    project: str | None,
    commit: str | None,
    root: Path,
    other_branch_ok: bool,
    key: bytes | None,
) -> None:
    """Raise :class:`UsageError` naming what is wrong with this baseline."""
    if not report.digest or report.digest != compute_digest(report):
        raise UsageError(
            f"--baseline {name}: its digest does not match its content (altered or unfinished); "
            "use a report exactly as gates wrote it"
        )
    if key:
        if not report.signature:
            raise UsageError(f"--baseline {name}: is unsigned but GATES_SIGNING_KEY is set")
        if not verify_signature(report, key):
            raise UsageError(
                f"--baseline {name}: its signature is not valid for GATES_SIGNING_KEY "
                "(signed with another key, or altered)"
            )
    if project is not None and report.project != project:
        raise UsageError(
            f"--baseline {name}: is a report of project {report.project!r}, not {project!r}"
        )
    if other_branch_ok or not commit:
        return
    if not report.commit:
        raise UsageError(
            f"--baseline {name}: names no commit, so it cannot be shown to be an ancestor of "
            f"{commit[:12]} (set baseline.allow_other_branch: true in the checklist to accept it)"
        )
    ancestor = is_ancestor(root, report.commit, commit)
    if ancestor is False:
        raise UsageError(
            f"--baseline {name}: its commit {report.commit[:12]} is not an ancestor of "
            f"{commit[:12]} (another branch, or newer); use the base branch's report, or set "
            "baseline.allow_other_branch: true in the checklist"
        )


def is_ancestor(root: Path, older: str, newer: str) -> bool | None:
    """``git merge-base --is-ancestor``; ``None`` when git cannot tell (no git, no repository,
    unknown commit in a shallow clone)."""
    if older == newer:
        return True
    try:
        return git.is_ancestor(git.runner_at(root, timeout=10), older, newer)
    except ToolError:
        return None


def resolve_baseline(
    arg: str | None,
    *,
    checklist: Checklist,
    root: Path,
    commit: str | None,
    base_ref: str | None,
    baseline_dir: Path,
) -> tuple[Report | None, str | None]:
    """``(verified baseline or None, a line to show)`` for ``--baseline``."""
    if not arg:
        return None, None
    other_ok = allow_other_branch(checklist)
    if arg == AUTO:
        found = find_auto(root, base_ref, baseline_dir)
        if found is None:
            return None, (
                f"baseline: none saved in {baseline_dir} for "
                f"{base_ref or 'HEAD'} or its ancestors (first adoption): comparisons with a "
                "baseline are errors unless the gate sets baseline_optional; save one on the "
                "base branch with 'gates baseline save'"
            )
        path, which = found
        report = _load(str(path))
        verify(
            report,
            name=str(path),
            project=checklist.project,
            commit=commit,
            root=root,
            other_branch_ok=other_ok,
            key=signing_key(),
        )
        return report, f"baseline: {path} ({which})"
    report = _load(arg)
    verify(
        report,
        name=arg,
        project=checklist.project,
        commit=commit,
        root=root,
        other_branch_ok=other_ok,
        key=signing_key(),
    )
    return report, None


def _load(path: str) -> Report:
    try:
        return load(Path(path))
    except ReportError as exc:
        raise UsageError(f"--baseline {path}: {exc}") from None


def find_auto(root: Path, base_ref: str | None, folder: Path) -> tuple[Path, str] | None:
    """The saved report of the merge-base of HEAD and ``base_ref`` (or of HEAD without one),
    else of its nearest ancestor that has one: ``(path, which commit and why)``."""
    if not base_ref:
        raise UsageError("--baseline auto needs --base-ref (e.g. --base-ref origin/main)")
    run = git.runner_at(root, timeout=20)
    try:
        base = git.merge_base(run, base_ref)
    except ToolError as exc:
        raise UsageError(f"--baseline auto: no merge-base of HEAD and {base_ref}: {exc}") from None
    try:
        commits = git.ancestors(run, base, MAX_ANCESTORS) or [base]
    except ToolError:
        commits = [base]
    for distance, sha in enumerate(commits):
        candidate = folder / f"{sha}.json"
        if candidate.is_file():
            which = (
                f"merge-base {sha[:12]} of HEAD and {base_ref}"
                if distance == 0
                else f"commit {sha[:12]}, {distance} commit(s) before merge-base {base[:12]}"
            )
            return candidate, which
    return None


def save(report_path: Path, folder: Path) -> Path:
    """Verify ``report_path`` and store it as ``<folder>/<commit>.json``; the path written."""
    from gates.writers import write_bytes_atomic

    report = _load(str(report_path))
    verify(
        report,
        name=str(report_path),
        project=None,
        commit=None,
        root=Path.cwd(),
        other_branch_ok=True,
        key=signing_key(),
    )
    if not report.commit or not all(c in "0123456789abcdefABCDEF" for c in report.commit):
        raise UsageError(f"{report_path}: names no commit (hex); a baseline is kept by commit")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{report.commit.lower()}.json"
    write_bytes_atomic(target, Path(report_path).read_bytes())
    return target

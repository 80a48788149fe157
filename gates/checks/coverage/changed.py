"""``changed_lines``: coverage of the lines this change adds or edits, overall and per file.

``git merge-base BASE HEAD``, then ``git diff --unified=0`` of the working tree against it; the
added lines are intersected with the lines the report marks coverable. A changed source file
the report never saw (``source`` globs) counts every non-blank changed line as missed. With
``per_file_min``, each changed file's own share must reach it too, so well-covered edits in one
file cannot hide an untested new file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gates.checks.base import GateContext
from gates.checks.coverage.options import ChangedLines
from gates.checks.coverage.paths import glob_match
from gates.errors import InputError
from gates.io import git
from gates.io.safe import read_text
from gates.measure import EXACT, compare
from gates.model import Measurement, Status
from gates.parsers import git_diff
from gates.parsers.coverage_model import CoverageData, FileCoverage

NAME = "changed lines"


@dataclass(frozen=True)
class ChangedFile:
    """One changed file's coverable changed lines."""

    path: str
    covered: int
    coverable: int
    missed: tuple[int, ...]
    in_report: bool = True

    def row(self, status: Status | None) -> dict[str, Any]:
        """The file as a row of the per-file table (``status`` from its per-file measurement)."""
        row: dict[str, Any] = {
            "path": self.path,
            "covered": self.covered,
            "coverable": self.coverable,
            "percent": round(100.0 * self.covered / self.coverable, 2) if self.coverable else None,
            "missed_lines": ranges(self.missed),
        }
        if not self.in_report:
            row["not_in_report"] = True
        if status is not None:
            row["status"] = status.value
        return row


@dataclass(frozen=True)
class ChangedLinesResult:
    """The measurements of ``changed_lines`` and the table behind them."""

    rows: tuple[Measurement, ...]
    table: dict[str, Any]


def changed_lines(
    data: CoverageData,
    mapped: list[tuple[str, FileCoverage]],
    spec: ChangedLines,
    ctx: GateContext,
) -> ChangedLinesResult:
    """The changed-lines measurement(s) and the per-file table."""
    base = spec.base or ctx.base_ref
    if not base:
        return _refused(
            spec, "changed_lines needs a base: set changed_lines.base or pass --base-ref"
        )
    if not data.has_lines:
        return _refused(
            spec,
            f"changed_lines needs line-level coverage; {data.format}"
            " has only totals (use lcov, Cobertura or coverage.py JSON)",
        )
    changed = diff_lines(base, ctx)
    files = _changed_files(changed, dict(mapped), spec, ctx)
    covered = sum(f.covered for f in files)
    coverable = sum(f.coverable for f in files)
    if coverable == 0:
        row = Measurement(
            name=NAME,
            value=None,
            unit="%",
            op=">=",
            threshold=spec.min,
            status=Status.PASS,
            message=f"no coverable changed lines: {len(changed)} changed file(s) against {base}, "
            "none with a line the report can cover; nothing to judge, so not a percentage",
            rounding=EXACT,
        )
        return ChangedLinesResult((row,), _table(base, changed, mapped, files, {}))
    rows = [
        compare(
            NAME,
            100.0 * covered / coverable,
            ">=",
            spec.min,
            unit="%",
            detail=f" ({covered}/{coverable} vs {base})",
        )
    ]
    statuses: dict[str, Status] = {}
    if spec.per_file_min is not None:
        per_file = {
            f.path: compare(
                f"{NAME} [{f.path}]", 100.0 * f.covered / f.coverable, ">=", spec.per_file_min
            )
            for f in files
        }
        statuses = {path: m.status for path, m in per_file.items()}
        rows.append(_per_file_row(files, per_file, spec.per_file_min))
    return ChangedLinesResult(tuple(rows), _table(base, changed, mapped, files, statuses))


def _per_file_row(
    files: list[ChangedFile], per_file: dict[str, Measurement], floor: float
) -> Measurement:
    """The lowest per-file share against ``per_file_min``, naming every file under it."""
    lowest = min(files, key=lambda f: (f.covered / f.coverable, f.path))
    under = [f for f in files if per_file[f.path].status is Status.FAIL]
    message = ""
    if under:
        names = ", ".join(f"{f.path} {f.covered}/{f.coverable}" for f in under[:10])
        more = f" and {len(under) - 10} more" if len(under) > 10 else ""
        message = f"{len(under)} changed file(s) under per_file_min {floor:g}%: {names}{more}"
    return compare(
        f"{NAME} per file",
        100.0 * lowest.covered / lowest.coverable,
        ">=",
        floor,
        unit="%",
        detail=f" ({lowest.path}: {lowest.covered}/{lowest.coverable})",
        message=message,
    )


def _changed_files(
    changed: dict[str, set[int]],
    by_path: dict[str, FileCoverage],
    spec: ChangedLines,
    ctx: GateContext,
) -> list[ChangedFile]:
    files = []
    for path in sorted(changed):
        item = by_path.get(path)
        if item is None and _is_source(path, spec):
            # the report never saw this source file: nothing of it ran under the tests
            lines = _non_blank(ctx, path, changed[path])
            if lines:
                files.append(ChangedFile(path, 0, len(lines), tuple(sorted(lines)), False))
            continue
        if item is None or item.covered_lines is None or item.missed_lines is None:
            continue
        hit = changed[path] & item.covered_lines
        miss = changed[path] & item.missed_lines
        if hit or miss:
            files.append(ChangedFile(path, len(hit), len(hit) + len(miss), tuple(sorted(miss))))
    return files


def _table(
    base: str,
    changed: dict[str, set[int]],
    mapped: list[tuple[str, FileCoverage]],
    files: list[ChangedFile],
    statuses: dict[str, Status],
) -> dict[str, Any]:
    named = {rel for rel, _ in mapped}
    return {
        "base": base,
        "changed_files": len(changed),
        "files": [f.row(statuses.get(f.path)) for f in files],
        "not_in_report": sorted(p for p in changed if p not in named)[:50],
        "source_files_not_in_report": [f.path for f in files if not f.in_report][:50],
    }


def _refused(spec: ChangedLines, message: str) -> ChangedLinesResult:
    return ChangedLinesResult((compare(NAME, None, ">=", spec.min, unit="%", message=message),), {})


def diff_lines(base: str, ctx: GateContext) -> dict[str, set[int]]:
    """Added/changed lines of this checkout against the merge base with ``base``."""
    commit = git.merge_base(ctx.run, base)
    return git_diff.parse(git.diff_against(ctx.run, commit))


def _non_blank(ctx: GateContext, path: str, lines: set[int]) -> set[int]:
    """The changed lines of ``path`` that hold something (blank lines are never coverable)."""
    try:
        text = read_text(ctx.path(path), allow_empty=True).splitlines()
    except InputError:
        return set(lines)  # unreadable: count every changed line, never fewer
    return {n for n in lines if n > len(text) or text[n - 1].strip()}


def _is_source(path: str, spec: ChangedLines) -> bool:
    return any(glob_match(g, path) for g in spec.source) and not any(
        glob_match(g, path) for g in spec.exclude
    )


def ranges(numbers: tuple[int, ...]) -> str:
    """``3-5,9`` for (3, 4, 5, 9) (the first 100 spans)."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and spans[-1][1] == n - 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ",".join(f"{a}-{b}" if a != b else str(a) for a, b in spans[:100])

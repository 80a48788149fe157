"""The reports a ``coverage`` gate names: found, checked fresh after ``run:``, parsed, merged."""

from __future__ import annotations

from pathlib import Path

from gates.checks.base import GateContext
from gates.checks.coverage.options import CoverageOptions
from gates.errors import InputError
from gates.parsers import coverage_report
from gates.parsers.coverage_model import CoverageData


def _is_glob(entry: str) -> bool:
    return any(ch in entry for ch in "*?[")


def stamps(options: CoverageOptions, ctx: GateContext) -> dict[Path, tuple[int, int]]:
    """(mtime, size) of every existing report file, to tell a fresh report from a stale one."""
    found: dict[Path, tuple[int, int]] = {}
    for entry in options.report:
        for path in ctx.glob([entry]) if _is_glob(entry) else [ctx.path(entry)]:
            try:
                stat = path.stat()
            except OSError:
                continue
            found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


def stale(before: dict[Path, tuple[int, int]], after: dict[Path, tuple[int, int]]) -> list[Path]:
    """Reports ``run:`` did not rewrite."""
    return [p for p, stamp in after.items() if before.get(p) == stamp]


def load_reports(options: CoverageOptions, ctx: GateContext) -> CoverageData:
    """Every report named by ``options.report``, parsed and merged; each is recorded as evidence.

    With several reports, one that lists no coverable line, or two that both list a file, is an
    error: the others cannot stand in for a part that measured nothing, and a file counts once.
    """
    paths: list[Path] = []
    for entry in options.report:
        if _is_glob(entry):
            found = ctx.glob([entry])
            if not found:
                raise InputError(f"no coverage report matched {entry}")
            paths.extend(found)
        else:
            paths.append(ctx.path(entry))
    reports = []
    seen: dict[str, Path] = {}
    for path in paths:
        data = coverage_report.load(
            path, options.format, ctx.root, lines=options.changed_lines is not None
        )
        ctx.record(path)
        if len(paths) > 1 and not any(f.lines_valid for f in data.files):
            raise InputError(
                f"{path.name} lists no coverable lines ({len(data.files)} files): that part "
                "measured nothing, and the other reports cannot stand in for it"
            )
        for item in data.files:
            if item.path in seen and seen[item.path] != path:
                raise InputError(
                    f"{item.path} is in both {seen[item.path].name} and {path.name}: "
                    "give each file's coverage once (it would count twice)"
                )
            seen[item.path] = path
        reports.append(data)
    return coverage_report.merge(reports)

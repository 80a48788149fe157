"""``coverage``: totals, per-path globs, changed lines against a git base, drop vs a baseline.

Example::

    coverage:
      type: coverage
      needs: [tests]
      report: coverage.xml            # or a list / globs; Cobertura, LCOV, coverage.py JSON,
                                      # .coverage data, istanbul coverage-summary.json
      format: auto                    # detected from the content; or cobertura | lcov |
                                      # coverage-json | istanbul-summary | coverage-data
      thresholds: {lines: 80, branches: 70}   # also statements, functions, total
      paths:
        "src/lib/server/**": {lines: 90}      # aggregated over the files the glob matches
      changed_lines: {base: origin/main, min: 90, per_file_min: 50}   # base: --base-ref
      max_drop: 0.5                   # percentage points of `lines` below the --baseline report

The contract (metrics, how totals equal the producer's own summary, what is ``error``) is
``docs/gates/coverage.md``. Jobs: :mod:`.reports` finds and loads the reports (formats in
:mod:`gates.parsers.coverage_report`), :mod:`.paths` maps their file names into the project,
:mod:`.thresholds` and :mod:`.changed` compare, and this module puts the outcome together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gates.checks.base import Check, GateContext, GateOutcome, Rule
from gates.checks.coverage.options import CoverageOptions
from gates.checks.coverage.paths import in_project, map_files, unmentioned
from gates.checks.coverage.thresholds import (
    drop_measurement,
    path_measurements,
    pct,
    total_measurements,
)
from gates.errors import ToolError, ToolMissing
from gates.measure import shown
from gates.model import Measurement, Severity, Status

if TYPE_CHECKING:
    from gates.parsers.coverage_model import CoverageData, FileCoverage

RULES = (
    Rule(
        "coverage-threshold",
        Severity.HIGH,
        "Coverage below threshold",
        "A coverage metric (total, per-path or of the changed lines) is under its threshold.",
        "Add tests for the uncovered lines listed in the report, or adjust the threshold.",
    ),
)


def evaluate(options: CoverageOptions, ctx: GateContext) -> GateOutcome:
    """Run ``run:`` if given, load the report(s), and compare."""
    # The readers of the formats and of git are imported by the gate's run, not by its import:
    # loading a checklist (`gates validate`, the run's own process) needs only the options.
    from gates.checks.coverage import reports
    from gates.checks.coverage.changed import changed_lines
    from gates.parsers.coverage_model import totals

    if options.run is not None:
        before = reports.stamps(options, ctx)
        run = ctx.run(options.run, shell=options.shell, cwd=options.cwd)
        if run.returncode != 0:
            return GateOutcome.failed_closed(f"`run` ended with {run.describe_exit}; see the log")
        unchanged = reports.stale(before, reports.stamps(options, ctx))
        if unchanged:
            names = ", ".join(str(p.relative_to(ctx.root)) for p in unchanged)
            return GateOutcome.failed_closed(
                f"`run` did not rewrite {names}: a report from an earlier run is not evidence "
                "of this one"
            )
    data = reports.load_reports(options, ctx)
    mapped = map_files(data, ctx.root)
    if totals(data).lines_valid == 0:
        return GateOutcome.failed_closed(
            f"the coverage report lists no coverable lines ({len(data.files)} files): "
            "nothing was measured"
        )
    if in_project(mapped, ctx.root) == 0:
        sample = ", ".join(rel for rel, _ in mapped[:3])
        return GateOutcome.failed_closed(
            f"the coverage report names no file of this project ({len(mapped)} files, e.g. "
            f"{sample}): it measured another source tree"
        )
    rows = total_measurements(data, options.thresholds)
    rows += path_measurements(data, mapped, options.paths)
    details: dict[str, Any] = _details(data, mapped)
    if options.changed_lines is not None:
        result = changed_lines(data, mapped, options.changed_lines, ctx)
        rows.extend(result.rows)
        details["changed_lines"] = result.table
    if options.max_drop is not None:
        rows.append(drop_measurement(rows[0], options.max_drop, options, ctx))
    missing = _unmentioned_sources(mapped, ctx)
    if missing is not None:
        rows.append(
            shown(
                "tracked source files not in the report",
                len(missing),
                message=f"{len(missing)} tracked source file(s) like the report's own are not "
                "in it (no test imported them)",
            )
        )
        details["tracked_sources_not_in_report"] = missing[:50]
    return GateOutcome(summary=_summary(rows), measurements=rows, details=details)


def _summary(rows: list[Measurement]) -> str:
    failing = [r.message for r in rows if r.status in (Status.FAIL, Status.ERROR)]
    if failing:
        return "; ".join(failing)
    return ", ".join(f"{r.name} {pct(r.value)}%" for r in rows[:2] if r.value is not None)


def _unmentioned_sources(
    mapped: list[tuple[str, FileCoverage]], ctx: GateContext
) -> list[str] | None:
    """Tracked files the report leaves out; ``None`` outside a git checkout (nothing to ask)."""
    if not (ctx.root / ".git").exists():
        return None
    from gates.io import git

    try:
        tracked = git.tracked_files(ctx.run)
    except (ToolError, ToolMissing):
        return None
    return unmentioned(tracked, mapped)


def _details(data: CoverageData, mapped: list[tuple[str, FileCoverage]]) -> dict[str, Any]:
    rows = [
        {
            "path": rel,
            "lines": f"{item.lines_covered}/{item.lines_valid}",
            "lines_pct": round(100.0 * item.lines_covered / item.lines_valid, 2)
            if item.lines_valid
            else None,
            "branches": f"{item.branches_covered}/{item.branches_valid}"
            if data.branch_measured
            else None,
        }
        for rel, item in sorted(mapped, key=lambda pair: pair[0])[:500]
    ]
    return {
        "format": data.format,
        "producer": data.producer,
        "files": rows,
        "file_count": len(mapped),
        "warnings": list(data.warnings),
    }


CHECK = Check(
    type="coverage",
    options=CoverageOptions,
    evaluate=evaluate,
    rules=RULES,
    summary="Coverage totals, per-path globs, changed lines vs a base, drop vs baseline",
)

"""The ``coverage`` gate's comparisons: totals, per-path globs, the drop against a baseline.

Every comparison is ``>=`` (``<=`` for the drop) at full precision through
:func:`gates.measure.compare`, which also words the message: the verdict is decided once.
"""

from __future__ import annotations

from gates.checks.base import GateContext
from gates.checks.coverage.options import CoverageOptions, Thresholds
from gates.checks.coverage.paths import glob_match
from gates.measure import compare, relative_limit, shown
from gates.model import Measurement
from gates.parsers.coverage_model import METRICS, CoverageData, FileCoverage, Totals, totals


def total_measurements(data: CoverageData, thresholds: Thresholds) -> list[Measurement]:
    """``lines`` first (always: ``max_drop`` and the next baseline need it), then the rest."""
    whole = totals(data)
    rows: list[Measurement] = []
    for metric in METRICS:
        row = metric_row(
            metric, metric, whole, getattr(thresholds, metric), data, always=metric == "lines"
        )
        if row is not None:
            rows.append(row)
    return rows


def path_measurements(
    data: CoverageData, mapped: list[tuple[str, FileCoverage]], paths: dict[str, Thresholds]
) -> list[Measurement]:
    """Per-glob thresholds over the matched files; a glob matching nothing is ``error``."""
    rows: list[Measurement] = []
    for pattern, thresholds in paths.items():
        matched = [f for rel, f in mapped if glob_match(pattern, rel)]
        asked = [m for m in METRICS if getattr(thresholds, m) is not None]
        if not matched:
            rows.extend(
                compare(
                    f"{metric} [{pattern}]",
                    None,
                    ">=",
                    getattr(thresholds, metric) or 0.0,
                    unit="%",
                    message=f"paths: {pattern!r} matched no file in the coverage report",
                )
                for metric in asked or ["lines"]
            )
            continue
        sub = totals(data, matched)
        for metric in asked:
            row = metric_row(
                f"{metric} [{pattern}]", metric, sub, getattr(thresholds, metric), data, always=True
            )
            if row is not None:
                rows.append(row)
    return rows


def metric_row(
    name: str,
    metric: str,
    sums: Totals,
    threshold: float | None,
    data: CoverageData,
    *,
    always: bool,
) -> Measurement | None:
    """One metric of ``sums``: compared when a threshold names it, else shown (or nothing)."""
    value = sums.percent(metric)
    counts = sums.counts(metric)
    detail = f" ({counts[0]}/{counts[1]})" if counts and value is not None else ""
    if threshold is None:
        if value is None and not always:
            return None
        return shown(name, value, "%", message=f"{name} {pct(value)}%{detail}")
    if value is None:
        return compare(
            name,
            None,
            ">=",
            threshold,
            unit="%",
            message=f"{name}: the report has no {metric} data to compare with "
            f"{pct(threshold)}% ({_why_missing(metric, data)})",
        )
    return compare(name, value, ">=", threshold, unit="%", detail=detail)


def _why_missing(metric: str, data: CoverageData) -> str:
    if metric == "branches" and not data.branch_measured:
        return "branch coverage was not measured; run coverage with --branch"
    if metric in ("branches", "lines", "total"):
        return f"0 {metric} in the report"
    return f"{data.format} reports carry no {metric}"


def drop_measurement(
    lines_row: Measurement, max_drop: float, options: CoverageOptions, ctx: GateContext
) -> Measurement:
    """``lines`` drop vs the baseline report's ``lines``; a missing baseline fails closed.

    ``max_drop`` is already absolute (percentage points), so its noise floor is 0: coverage is
    deterministic, a drop of 0.01 pp is a real line that lost its test.
    """
    name = "lines drop"
    base_row = None
    if ctx.baseline is not None:
        base_row = next((m for m in ctx.baseline.measurements if m.name == "lines"), None)
    if base_row is None or base_row.value is None or lines_row.value is None:
        reason = (
            "no --baseline report was given"
            if not ctx.baseline_given
            else f"the baseline report has no 'lines' measurement for gate {ctx.gate_id!r}"
        )
        if options.baseline_optional:
            return shown(
                name, None, "pp", message=f"max_drop not checked: {reason} (baseline_optional)"
            )
        return compare(
            name, None, "<=", max_drop, unit="pp", message=f"max_drop needs a baseline: {reason}"
        )
    return relative_limit(
        name,
        base_row.value,
        lines_row.value,
        max_drop,
        quantity="lines",
        unit="%",
        min_delta=0.0,
        points=True,
        text=f"lines {pct(lines_row.value)}% vs baseline {pct(base_row.value)}%",
    )


def pct(value: float | None, against: float | None = None) -> str:
    """Two decimals, or more when two decimals would print a miss as equal to its threshold."""
    if value is None:
        return "n/a"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    if against is not None and value != against and float(text) == against:
        text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text

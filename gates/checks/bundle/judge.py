"""Budgets and growth of the ``bundle`` gate as measurements."""

from __future__ import annotations

from gates.checks.base import GateContext
from gates.checks.bundle.options import BundleBudget, BundleOptions
from gates.measure import compare, relative_limit, shown
from gates.model import Measurement
from gates.units import format_size


def budget_measurements(
    budget: BundleBudget, values: dict[str, int] | None, note: str, ctx: GateContext
) -> list[Measurement]:
    out = []
    for metric, limit in budget.limits():
        name = f"{budget.name} {metric}"
        value = None if values is None else values[metric]
        message = (
            f"{name}: {note}"
            if values is None
            else (
                f"{name} {format_size(values[metric])} {'≤' if values[metric] <= limit else '>'} "
                f"{format_size(limit)} ({note})"
            )
        )
        out.append(
            compare(
                name, value, "<=", limit, unit="B", baseline=baseline_of(ctx, name), message=message
            )
        )
    return out


def baseline_of(ctx: GateContext, name: str) -> float | None:
    if ctx.baseline is None:
        return None
    for item in ctx.baseline.measurements:
        if item.name == name:
            return item.value
    return None


def growth(
    options: BundleOptions, ctx: GateContext, current: list[Measurement]
) -> list[Measurement]:
    assert options.max_growth is not None
    metric = options.growth_metric
    name = f"total {metric}"
    if not ctx.baseline_given or ctx.baseline is None:
        why = (
            "no --baseline report given"
            if not ctx.baseline_given
            else "gate not in the baseline report"
        )
        if options.baseline_optional:
            return [shown(f"{name} growth", None, "%", message=f"growth not checked: {why}")]
        return [
            compare(
                f"{name} growth",
                None,
                "<=",
                options.max_growth,
                unit="%",
                message=f"max_growth needs a baseline: {why} (or set baseline_optional)",
            )
        ]
    out = []
    for item in current:
        if not item.name.endswith(f" {metric}") or item.value is None:
            continue
        base = baseline_of(ctx, item.name)
        if base is None:
            if item.name == name:
                out.append(
                    compare(
                        f"{name} growth",
                        None,
                        "<=",
                        options.max_growth,
                        unit="%",
                        message=f"the baseline report has no '{name}' measurement",
                    )
                )
            continue
        out.append(
            relative_limit(
                f"{item.name} growth",
                base,
                item.value,
                options.max_growth,
                quantity=item.name,
                unit="B",
                min_delta=options.min_delta,
                text=f"{item.name}: {format_size(base)} → {format_size(item.value)}",
            )
        )
    return out

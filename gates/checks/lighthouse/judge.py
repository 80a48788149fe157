"""Judging one URL's Lighthouse runs: pick the median run, compare budgets, describe variance.

Pure functions over parsed runs (no I/O): :func:`representative_index` is Lighthouse CI's
``computeRepresentativeRuns`` (``packages/utils/src/representative-runs.js``): the run with the
smallest squared distance to the median ``first-contentful-paint`` and the median
``interactive`` (a missing value counts as 0, the median is the upper middle of an even count).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gates.measure import compare, relative_limit
from gates.model import Artifact, Measurement, Status
from gates.parsers.lighthouse import CATEGORIES, LighthouseRun
from gates.parsers.lighthouse_budget import PathBudget, for_path

if TYPE_CHECKING:
    from gates.checks.base import GateContext
    from gates.checks.lighthouse.options import LighthouseOptions

SHOWN = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
    "interactive",
)


@dataclass
class Judged:
    """Measurements, a details row and the median run's screenshot for one URL."""

    measurements: list[Measurement] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    screenshot: Artifact | None = None


def representative_index(runs: list[LighthouseRun]) -> int:
    """Index of the run LHCI would call representative (the "median run")."""

    def value(run: LighthouseRun, audit: str) -> float:
        return run.numeric.get(audit) or 0.0

    middle = len(runs) // 2
    fcp = sorted(value(r, "first-contentful-paint") for r in runs)[middle]
    tti = sorted(value(r, "interactive") for r in runs)[middle]

    def distance(index: int) -> float:
        run = runs[index]
        return (fcp - value(run, "first-contentful-paint")) ** 2 + (
            tti - value(run, "interactive")
        ) ** 2

    # Python's sort is stable like V8's: ties keep run order, so the earliest tied run wins.
    return sorted(range(len(runs)), key=distance)[0]


def judge_url(
    label: str,
    runs: list[LighthouseRun],
    options: LighthouseOptions,
    ctx: GateContext,
    budgets: list[PathBudget] | None,
) -> Judged:
    """Budgets of ``options`` (and budget.json) on the median run of ``runs``."""
    judged = Judged()
    errored = [(i, r) for i, r in enumerate(runs) if r.runtime_error]
    judged.details = {"runs": [_run_row(r) for r in runs]}
    if errored:
        for index, run in errored:
            judged.measurements.append(
                compare(
                    f"{label} run {index + 1}",
                    None,
                    ">=",
                    1,
                    message=f"{label} run {index + 1}: Lighthouse runtimeError {run.runtime_error}",
                )
            )
        return judged
    median = representative_index(runs)
    chosen = runs[median]
    judged.details.update(
        {
            "median_run": median + 1,
            "variance": _variance(runs),
            "lighthouse_version": chosen.lighthouse_version,
            "form_factor": chosen.form_factor,
            "final_url": chosen.final_url,
        }
    )
    warn = options.warn_within / 100 if options.warn_within is not None else None
    for key, threshold in options.budgets.items():
        judged.measurements.append(_budget(label, key, threshold, runs, chosen, warn, ctx))
        if options.max_increase is not None and key not in CATEGORIES and key != "pwa":
            judged.measurements.append(_increase(label, key, chosen, options, ctx))
    if budgets is not None:
        judged.measurements += _budget_file(label, budgets, chosen, runs)
    if not any(m.op for m in judged.measurements):
        # e.g. only budget_file, and no entry of it sets a limit for this URL: nothing judged
        judged.measurements.append(
            compare(f"{label} budgets", None, "<=", 0, message=f"{label}: no budget applies")
        )
    if chosen.screenshot:
        media, _, data = chosen.screenshot.partition(",")
        judged.screenshot = Artifact(
            kind="screenshot",
            title=f"{label}: final screenshot of the median run",
            media_type=media.removeprefix("data:").split(";")[0],
            data_base64=data,
        )
    return judged


def _unit(key: str) -> str:
    if key in CATEGORIES or key == "pwa":
        return ""
    return "" if key == "cumulative-layout-shift" else "ms"


def _budget(
    label: str,
    key: str,
    threshold: float,
    runs: list[LighthouseRun],
    chosen: LighthouseRun,
    warn: float | None,
    ctx: GateContext,
) -> Measurement:
    name = f"{label} {key}"
    value = chosen.value(key)
    values = [v for r in runs if (v := r.value(key)) is not None]
    op = ">=" if key in CATEGORIES or key == "pwa" else "<="
    message = ""
    if value is None:
        why = chosen.audit_errors.get(key) or "not in the median run's result"
        message = f"{name}: {why}"
    return compare(
        name,
        value,
        op,
        threshold,
        unit=_unit(key),
        baseline=_baseline(ctx, name),
        warn_within=warn,
        values=values,
        message=message,
    )


def _baseline(ctx: GateContext, name: str) -> float | None:
    if ctx.baseline is None:
        return None
    return next((m.value for m in ctx.baseline.measurements if m.name == name), None)


def _increase(
    label: str,
    key: str,
    chosen: LighthouseRun,
    options: LighthouseOptions,
    ctx: GateContext,
) -> Measurement:
    assert options.max_increase is not None
    name = f"{label} {key} increase"
    base = _baseline(ctx, f"{label} {key}")
    value = chosen.value(key)
    if base is None or value is None:
        why = (
            "no --baseline report given"
            if not ctx.baseline_given
            else f"no '{label} {key}' in the baseline report"
            if base is None
            else "no value"
        )
        if options.baseline_optional and value is not None:
            return Measurement(name=name, value=None, unit="%", message=f"not compared: {why}")
        return compare(
            name,
            None,
            "<=",
            options.max_increase,
            unit="%",
            message=f"{name}: max_increase needs a baseline value: {why}",
        )
    return relative_limit(
        name,
        base,
        value,
        options.max_increase,
        quantity=f"{label} {key}",
        unit=_unit(key),
        min_delta=options.noise_floor(key),
    )


def _budget_file(
    label: str, budgets: list[PathBudget], chosen: LighthouseRun, runs: list[LighthouseRun]
) -> list[Measurement]:
    path = label if label.startswith("/") else "/" + label.split("/", 3)[-1]
    budget = for_path(budgets, path.split("?")[0])
    if budget is None:
        return [
            Measurement(
                name=f"{label} budget.json",
                value=None,
                message=f"no budget.json entry matches {path}",
            )
        ]
    out = []
    for metric, limit in budget.timings.items():
        out.append(
            compare(
                f"{label} budget.json {metric}",
                chosen.value(metric),
                "<=",
                limit,
                unit=_unit(metric),
                values=[v for r in runs if (v := r.value(metric)) is not None],
            )
        )
    for kind, kib in budget.sizes.items():
        size = chosen.resources.get(kind, (0, 0))[1] if chosen.resources else None
        out.append(compare(f"{label} budget.json {kind} size", size, "<=", kib * 1024, unit="B"))
    for kind, count in budget.counts.items():
        requests = chosen.resources.get(kind, (0, 0))[0] if chosen.resources else None
        out.append(compare(f"{label} budget.json {kind} count", requests, "<=", count))
    return out


def _run_row(run: LighthouseRun) -> dict[str, Any]:
    row: dict[str, Any] = {
        "source": run.source.rsplit("/", 1)[-1],
        "fetch_time": run.fetch_time,
        "runtime_error": run.runtime_error,
    }
    row.update({key: run.categories.get(key) for key in CATEGORIES})
    row.update({key: run.numeric.get(key) for key in SHOWN})
    if run.notes:
        row["notes"] = list(run.notes)
    return row


def _variance(runs: list[LighthouseRun]) -> dict[str, dict[str, float]]:
    out = {}
    for key in (*SHOWN, "performance"):
        values = [v for r in runs if (v := r.value(key)) is not None]
        if len(values) >= 2:
            out[key] = {
                "min": min(values),
                "max": max(values),
                "stdev": round(statistics.stdev(values), 3),
            }
    return out


__all__ = ["Judged", "Status", "judge_url", "representative_index"]

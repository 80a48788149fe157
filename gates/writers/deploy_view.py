"""HTML views of the post-deploy parts of a report: time series charts (inline SVG) and the
rollback timeline (docs/post-deploy.md). Numbers only in the SVG; the template escapes labels."""

from __future__ import annotations

from typing import Any

from gates.model import Report, Series
from gates.writers.html_details import clean


def series_chart(timeline: Series, width: int = 480, height: int = 120) -> dict[str, Any]:
    """An inline SVG line chart of one time series: values as a line, errored samples as
    marks along the bottom edge (numbers only; the template escapes the labels)."""
    samples = timeline.samples
    values = [s.value for s in samples if s.ok and s.value is not None]
    end = max((s.at_s for s in samples), default=0.0) or 1.0
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    span = (high - low) or 1.0

    def x(at: float) -> float:
        return round(4 + at / end * (width - 8), 1)

    points = " ".join(
        f"{x(s.at_s)},{round(height - 14 - (s.value - low) / span * (height - 28), 1)}"
        for s in samples
        if s.ok and s.value is not None
    )
    errors = [x(s.at_s) for s in samples if not s.ok]
    unit = f" {timeline.unit}" if timeline.unit else ""
    return {
        "name": clean(timeline.name),
        "width": width,
        "height": height,
        "points": points,
        "errors": errors,
        "baseline_y": height - 4,
        "label": f"{clean(timeline.name)}: {len(samples)} samples over {end:.3g}s, "
        f"{len(errors)} errored"
        + (f", from {low:.4g} to {high:.4g}{unit}" if values else ", no value"),
    }


def rollback_view(report: Report) -> dict[str, Any] | None:
    """The rollback outcome and its timeline, when ``gates run --rollback`` acted."""
    if report.rollback is None:
        return None
    r = report.rollback
    return {
        "status": clean(r.status),
        "message": clean(r.message),
        "command": clean(r.command),
        "steps": [
            {
                "name": clean(s.name),
                "at": clean(s.at or "never"),
                "after": "—" if s.after_s is None else f"+{s.after_s:g}s",
                "budget": "—" if s.budget_s is None else f"{s.budget_s:g}s",
                "within": {True: "within budget", False: "OVER BUDGET", None: ""}[s.within_budget],
            }
            for s in r.timeline
        ],
        "verify": [(clean(g.id), g.status.value) for g in r.verify],
    }

"""What changed since the baseline: the answer a release manager reads first (HTML, Markdown).

Computed from the report alone (findings marked new, measurements that carry a baseline), plus
the fixed findings when the baseline report itself is at hand. Pure data: the writers render it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gates.model import Finding, Measurement, Report, Status
from gates.report.diff import against_baseline, diff_reports

APPROACH_BAND = 0.05
"""A passing value within 5% of its threshold (relative to the threshold) is 'approaching'."""
LARGEST = 5


@dataclass(frozen=True)
class GateMeasurement:
    """A measurement with the id of the gate that made it."""

    gate: str
    measurement: Measurement


@dataclass(frozen=True)
class Delta:
    """A measurement's change against the baseline, of the same quantity."""

    gate: str
    name: str
    baseline: str
    change: str
    relative: float
    """|change| ÷ |baseline| (0..∞), the sort key of 'largest changes'."""


@dataclass(frozen=True)
class Changes:
    """The "what changed" summary of one report."""

    has_baseline: bool
    baseline_commit: str | None
    new_findings: list[tuple[str, Finding]] = field(default_factory=list)
    new_waived: int = 0
    fixed_findings: list[tuple[str, Finding]] | None = None
    """``None`` when the baseline report was not at hand (fixed ones cannot be known)."""
    crossed: list[GateMeasurement] = field(default_factory=list)
    approaching: list[GateMeasurement] = field(default_factory=list)
    largest: list[Delta] = field(default_factory=list)


def _approaching(m: Measurement) -> bool:
    if m.status is not Status.PASS or m.value is None or m.threshold is None or m.op is None:
        return False
    if m.op not in ("<=", "<", ">=", ">") or m.threshold == 0:
        return False
    return abs(m.value - m.threshold) <= abs(m.threshold) * APPROACH_BAND


def _delta(gate: str, m: Measurement) -> Delta | None:
    baseline_text, change_text = against_baseline(m)
    if not change_text:
        return None
    if m.change_of is not None:
        base, current = m.change_of.baseline, m.change_of.current
    elif m.baseline is not None and m.value is not None:
        base, current = m.baseline, m.value
    else:
        return None
    if base == current:
        return None
    relative = abs(current - base) / abs(base) if base else float("inf")
    name = m.change_of.quantity if m.change_of else m.name
    return Delta(gate, name, baseline_text, change_text, relative)


def changes(report: Report, baseline: Report | None = None) -> Changes:
    """The summary of ``report`` (and of its difference with ``baseline`` when given)."""
    new = [(g.id, f) for g in report.gates for f in g.findings if f.new]
    deltas: dict[tuple[str, str], Delta] = {}
    crossed: list[GateMeasurement] = []
    approaching: list[GateMeasurement] = []
    for gate in report.gates:
        for m in gate.measurements:
            if m.op is not None and m.status in (Status.FAIL, Status.ERROR, Status.WARN):
                crossed.append(GateMeasurement(gate.id, m))
            elif _approaching(m):
                approaching.append(GateMeasurement(gate.id, m))
            delta = _delta(gate.id, m)
            if delta is not None:
                # one row per quantity: "total gzip" and "total gzip growth" are one change
                deltas.setdefault((gate.id, delta.name), delta)
    largest = sorted(deltas.values(), key=lambda d: -d.relative)[:LARGEST]
    has_baseline = bool(deltas) or any(f.new is not None for _, f in _all(report))
    fixed = None
    if baseline is not None:
        fixed = diff_reports(baseline, report).fixed_findings
        has_baseline = True
    return Changes(
        has_baseline=has_baseline,
        baseline_commit=baseline.commit if baseline is not None else None,
        new_findings=[(gid, f) for gid, f in new if not f.waived],
        new_waived=sum(1 for _, f in new if f.waived),
        fixed_findings=fixed,
        crossed=crossed,
        approaching=approaching,
        largest=largest,
    )


def _all(report: Report) -> list[tuple[str, Finding]]:
    return [(g.id, f) for g in report.gates for f in g.findings]

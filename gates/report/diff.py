"""``gates diff BASE NEW``: what got better or worse between two reports (informational, exit 0).

Per gate: status change. Per measurement: the change with its unit as people read it
(``coverage −1.2 pp``, ``bundle +8.00 kB``, ``LCP +300 ms``). Findings: new and fixed, matched by
fingerprint. :func:`delta_text` is also what the HTML report shows next to a baseline, so the
change is computed in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gates.model import Finding, GateResult, Measurement, Report, Status
from gates.units import format_size

MINUS = "\u2212"
_BYTE_UNITS = {"B", "bytes", "byte"}
_SECONDS_UNITS = {"s", "sec"}


def delta_text(value: float | None, baseline: float | None, unit: str = "") -> str:
    """``+8.00 kB``, ``−1.2 pp``, ``+300 ms``, ``±0`` … for ``value - baseline``; ``""`` if
    either is missing."""
    if value is None or baseline is None:
        return ""
    change = value - baseline
    if change == 0:
        return "±0"
    sign = "+" if change > 0 else MINUS
    size = abs(change)
    if unit == "%":
        body = f"{_num(size, 2)} pp"
    elif unit in _BYTE_UNITS:
        body = format_size(size).replace(".00 ", " ")
    elif unit == "ms":
        body = f"{_num(size, 0)} ms"
    elif unit in _SECONDS_UNITS:
        body = f"{size * 1000:.0f} ms" if size < 1 else f"{_num(size, 2)} s"
    else:
        body = f"{_num(size, 3)}{' ' + unit if unit else ''}"
    return sign + body


def against_baseline(m: Measurement) -> tuple[str, str]:
    """(baseline, change) of a measurement, both of the *same* quantity, in its own unit.

    A relative measurement (growth, increase, drop) compares another quantity: its baseline is
    that quantity's baseline value and its change the quantity's change (``108 kB``,
    ``+13.5 kB``), never the raw baseline set beside a percentage.
    """
    if m.change_of is not None:
        c = m.change_of
        return format_value(c.baseline, c.unit), delta_text(c.current, c.baseline, c.unit)
    if m.baseline is None:
        return "", ""
    return format_value(m.baseline, m.unit), delta_text(m.value, m.baseline, m.unit)


def format_value(value: float | None, unit: str = "") -> str:
    """A measured value as people read it: ``79.1%``, ``108 kB``, ``2500 ms``, ``0.92``;
    ``—`` when nothing was measured."""
    if value is None:
        return "—"
    if unit in _BYTE_UNITS:
        return format_size(value).replace(".00 ", " ")
    if float(value).is_integer() and abs(value) < 1e15:
        shown = str(int(value))
    elif abs(value) >= 1000:
        shown = f"{value:,.1f}"
    else:
        shown = f"{value:.4g}"
    if not unit:
        return shown
    return f"{shown}{unit}" if unit == "%" else f"{shown} {unit}"


def _num(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class GateChange:
    """A gate's status in both reports (``None`` where it is absent)."""

    id: str
    before: Status | None
    after: Status | None


@dataclass(frozen=True)
class MeasurementDelta:
    """One measured value in both reports and the change as text."""

    gate: str
    name: str
    before: float | None
    after: float | None
    unit: str
    text: str


@dataclass(frozen=True)
class ReportDiff:
    """Everything ``gates diff`` shows."""

    base_commit: str | None
    new_commit: str | None
    verdict_before: Status
    verdict_after: Status
    gates: list[GateChange] = field(default_factory=list)
    measurements: list[MeasurementDelta] = field(default_factory=list)
    new_findings: list[tuple[str, Finding]] = field(default_factory=list)
    fixed_findings: list[tuple[str, Finding]] = field(default_factory=list)


def finding_key(finding: Finding) -> str:
    """The fingerprint, or rule + path + message when a gate gave none."""
    if finding.fingerprint:
        return finding.fingerprint
    path = finding.location.path if finding.location else ""
    return f"{finding.rule}\x1f{path}\x1f{finding.message}"


def diff_reports(base: Report, new: Report) -> ReportDiff:
    """Compare ``new`` with ``base``, gate by gate, in ``new``'s order then base-only gates."""
    before = {g.id: g for g in base.gates}
    after = {g.id: g for g in new.gates}
    order = list(after) + [gid for gid in before if gid not in after]
    result = ReportDiff(base.commit, new.commit, base.verdict, new.verdict)
    for gid in order:
        old, cur = before.get(gid), after.get(gid)
        result.gates.append(
            GateChange(gid, old.status if old else None, cur.status if cur else None)
        )
        result.measurements.extend(_measurement_deltas(gid, old, cur))
        old_keys = {finding_key(f): f for f in (old.findings if old else ())}
        new_keys = {finding_key(f): f for f in (cur.findings if cur else ())}
        result.new_findings.extend((gid, f) for k, f in new_keys.items() if k not in old_keys)
        result.fixed_findings.extend((gid, f) for k, f in old_keys.items() if k not in new_keys)
    return result


def _measurement_deltas(
    gid: str, old: GateResult | None, cur: GateResult | None
) -> list[MeasurementDelta]:
    olds = {m.name: m for m in (old.measurements if old else ())}
    news = {m.name: m for m in (cur.measurements if cur else ())}
    out = []
    for name in list(news) + [n for n in olds if n not in news]:
        o, n = olds.get(name), news.get(name)
        either = n or o
        unit = either.unit if either is not None else ""
        a = o.value if o else None
        b = n.value if n else None
        out.append(MeasurementDelta(gid, name, a, b, unit, delta_text(b, a, unit)))
    return out


def _status(status: Status | None) -> str:
    return status.value if status else "absent"


def render_text(diff: ReportDiff, *, show_all: bool = False) -> str:
    """Plain text for the terminal: what changed (``show_all``: also what did not).

    A new finding that a waiver accepts is marked ``(waived: <match>)``: it is new, but it
    does not block, and the reader should see both facts.
    """
    lines = [
        f"base {diff.base_commit or '?'} → new {diff.new_commit or '?'}",
        f"verdict: {diff.verdict_before.value} → {diff.verdict_after.value}",
    ]
    gates = [c for c in diff.gates if show_all or c.before != c.after]
    unchanged = len(diff.gates) - len(gates)
    lines += ["", "gates:" if gates else "gates: no status changed"]
    for change in gates:
        mark = "  " if change.before == change.after else "* "
        lines.append(f"  {mark}{change.id}: {_status(change.before)} → {_status(change.after)}")
    measurements = [m for m in diff.measurements if show_all or _changed(m)]
    if measurements:
        lines += ["", "measurements:"]
        for m in measurements:
            a, b = format_value(m.before, m.unit), format_value(m.after, m.unit)
            lines.append(f"  {m.gate} {m.name}: {a} → {b}" + (f" ({m.text})" if m.text else ""))
    same = len(diff.measurements) - len(measurements)
    for title, items in (
        ("new findings", diff.new_findings),
        ("fixed findings", diff.fixed_findings),
    ):
        lines += ["", f"{title}: {len(items)}"]
        for gid, f in items[:50]:
            where = f" at {f.location}" if f.location else ""
            waived = f" (waived: {f.waived})" if f.waived and title == "new findings" else ""
            lines.append(f"  [{gid}] {f.severity.value} {f.rule}{where}: {f.message}{waived}")
        if len(items) > 50:
            lines.append(f"  … and {len(items) - 50} more")
    if not show_all and (unchanged or same):
        lines += ["", f"unchanged: {unchanged} gate(s), {same} measurement(s) (--all shows them)"]
    return "\n".join(lines) + "\n"


def _changed(m: MeasurementDelta) -> bool:
    return m.before != m.after


def main_diff(
    base_path: str | Path, new_path: str | Path, *, show_all: bool = False
) -> tuple[int, str]:
    """``gates diff``: exit code (always 0, informational) and the text to print.

    Unreadable reports raise :class:`gates.errors.ReportError` (the CLI makes that exit 2).
    """
    from gates.report.codec import load

    base, new = load(Path(base_path)), load(Path(new_path))
    return 0, render_text(diff_reports(base, new), show_all=show_all)

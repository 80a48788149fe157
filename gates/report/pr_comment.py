"""The pull-request comment: the verdict and what changed against the base branch's report.

One comment per pull request is kept up to date by ``action.yml``; it finds its own comment by
:data:`MARKER` (an HTML comment GitHub does not show). The body is Markdown and always fits
GitHub's comment limit (:data:`GITHUB_LIMIT` characters): long lists are cut with a count of what
was left out, never by truncating in the middle of a line.
"""

from __future__ import annotations

from dataclasses import dataclass

from gates.model import Finding, GateResult, Report, Status
from gates.report.diff import MeasurementDelta, ReportDiff, diff_reports, format_value

MARKER = "<!-- gates:pr-comment -->"
GITHUB_LIMIT = 65_536
_ICON = {
    Status.PASS: "✅",
    Status.WARN: "⚠️",
    Status.FAIL: "❌",
    Status.ERROR: "❌",
    Status.SKIPPED: "⏭️",
}
# measurement groups by gate type: (heading, gate types)
_GROUPS = (
    ("Coverage", ("coverage",)),
    ("Bundle size per budget", ("bundle",)),
    ("Web Vitals and Lighthouse scores", ("lighthouse",)),
)


def _cell(text: str, limit: int = 160) -> str:
    """Table-safe, mention-free, one line: ``|`` escaped, ``@`` defused, ``<`` as an entity."""
    one = " ".join(text.split())
    if len(one) > limit:
        one = one[: limit - 1] + "…"
    return (
        one.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace("@", "@\u200b")
        .replace("`", "'")
    )


def _status(status: Status | None) -> str:
    if status is None:
        return "—"
    return f"{_ICON.get(status, '')} {status.value}".strip()


@dataclass(frozen=True)
class _Limits:
    findings: int
    measurements: int


def _finding_line(gate_id: str, f: Finding) -> str:
    where = ""
    if f.location is not None and f.location.path:
        where = f" `{_cell(f.location.path, 120)}" + (
            f":{f.location.line}`" if f.location.line else "`"
        )
    waived = f" — waived: {_cell(f.waived, 80)}" if f.waived else ""
    blocks = "" if f.blocks or f.waived else " (not blocking)"
    return (
        f"- **{_cell(gate_id, 40)}** {f.severity.value} `{_cell(f.rule, 80)}`{where}: "
        f"{_cell(f.message)}{blocks}{waived}"
    )


def _findings(title: str, items: list[tuple[str, Finding]], limit: int) -> list[str]:
    if not items:
        return []
    lines = ["", f"**{title}: {len(items)}**", ""]
    lines += [_finding_line(gid, f) for gid, f in items[:limit]]
    if len(items) > limit:
        lines.append(f"- … and {len(items) - limit} more (see the report artifact)")
    return lines


def _measurement_rows(rows: list[MeasurementDelta], limit: int) -> list[str]:
    out = ["| gate | measure | base | now | change |", "|---|---|---:|---:|---:|"]
    for m in rows[:limit]:
        out.append(
            f"| {_cell(m.gate, 40)} | {_cell(m.name, 80)} | {format_value(m.before, m.unit)} "
            f"| {format_value(m.after, m.unit)} | {m.text or '—'} |"
        )
    if len(rows) > limit:
        out.append(f"| … | {len(rows) - limit} more | | | |")
    return out


def _current_rows(gates: list[GateResult], limit: int) -> list[str]:
    rows = [(g.id, m) for g in gates for m in g.measurements]
    out = ["| gate | measure | now |", "|---|---|---:|"]
    for gid, m in rows[:limit]:
        out.append(f"| {_cell(gid, 40)} | {_cell(m.name, 80)} | {format_value(m.value, m.unit)} |")
    if len(rows) > limit:
        out.append(f"| … | {len(rows) - limit} more | |")
    return out


def _body(report: Report, diff: ReportDiff | None, limits: _Limits, details_url: str) -> str:
    where = " · ".join(
        x
        for x in (
            report.project,
            report.environment or "",
            report.stage,
            (report.commit or "")[:12],
        )
        if x
    )
    lines = [MARKER, f"## gates: {_status(report.verdict)} — {_cell(where, 200)}"]
    if diff is None:
        lines += [
            "",
            "No base report to compare with: this is the first run (or the base branch has no "
            "saved report yet). The changes against the base appear once one exists.",
        ]
    else:
        lines += [
            "",
            f"Compared with the base report of `{(diff.base_commit or '?')[:12]}` "
            f"(verdict there: {_status(diff.verdict_before)}).",
        ]
    changed = {c.id: c for c in diff.gates} if diff else {}
    lines += ["", "| gate | status | summary |", "|---|---|---|"]
    for g in report.gates:
        change = changed.get(g.id)
        status = _status(g.status)
        if change is not None and change.before != change.after:
            status = f"{_status(change.before)} → {status}"
        lines.append(f"| {_cell(g.id, 40)} | {status} | {_cell(g.summary)} |")
    by_type = {g.id: g.type for g in report.gates}
    for heading, types in _GROUPS:
        if diff is not None:
            rows = [m for m in diff.measurements if by_type.get(m.gate) in types]
            if rows:
                lines += ["", f"**{heading}**", "", *_measurement_rows(rows, limits.measurements)]
        else:
            gates = [g for g in report.gates if g.type in types and g.measurements]
            if gates:
                lines += ["", f"**{heading}**", "", *_current_rows(gates, limits.measurements)]
    if diff is not None:
        lines += _findings("New findings", diff.new_findings, limits.findings)
        lines += _findings("Fixed findings", diff.fixed_findings, limits.findings)
    else:
        current = [(g.id, f) for g in report.gates for f in g.findings]
        lines += _findings("Findings", current, limits.findings)
    if details_url:
        lines += ["", f"[Full report, HTML and SARIF]({details_url})"]
    return "\n".join(lines) + "\n"


def render(
    report: Report, base: Report | None = None, *, details_url: str = "", limit: int = GITHUB_LIMIT
) -> str:
    """The comment body for ``report``, compared with ``base`` when given; at most ``limit``
    characters (GitHub counts characters, not bytes)."""
    diff = diff_reports(base, report) if base is not None else None
    findings, measurements = 50, 60
    while True:
        text = _body(report, diff, _Limits(findings, measurements), details_url)
        if len(text) <= limit or (findings == 0 and measurements == 0):
            break
        findings, measurements = findings // 2, measurements // 2
    if len(text) > limit:  # very many gates: cut whole lines and say so
        note = "\n… (cut to fit GitHub's comment limit; see the report artifact)\n"
        kept = text[: limit - len(note)]
        text = kept[: kept.rfind("\n")] + note
    return text

"""``gate-report.md``: the CI job summary (GitHub ``$GITHUB_STEP_SUMMARY``, GitLab, PR comments).

Verdict first, then a table of gates with value vs threshold, then the top findings. Every value
from evidence is escaped (Markdown and HTML significant characters, pipes, newlines, control
characters), so a test name holding ``<script>`` or ``|`` cannot change the page. The text stays
under GitHub's 1 MiB per-step limit; when findings had to be left out it says so.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from gates.model import Finding, GateResult, Measurement, Report, Status
from gates.report.diff import against_baseline, format_value
from gates.writers.changes import changes

MAX_BYTES = 1_000_000
"""Under GitHub's 1 MiB (1,048,576 bytes) step summary limit, with room for other steps."""
TOP_FINDINGS = 50
ICONS = {
    Status.PASS: "✅",
    Status.WARN: "⚠️",
    Status.FAIL: "❌",
    Status.ERROR: "💥",
    Status.SKIPPED: "⏭️",
}
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0b-\x1f\x7f]")
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def esc(text: object, limit: int = 300) -> str:
    """One line of Markdown-safe text (ANSI/control stripped, HTML and Markdown escaped)."""
    value = _CONTROL.sub("", str(text)).replace("\r", " ").replace("\n", " ")
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", value)


def measurement_cell(m: Measurement) -> str:
    """``71.4% (>= 80%) −1.2 pp`` for one measurement."""
    text = f"{m.name} {format_value(m.value, m.unit)}"
    if m.op and m.threshold is not None:
        text += f" ({m.op} {format_value(m.threshold, m.unit)})"
    baseline, change = against_baseline(m)
    if change:
        quantity = f"{m.change_of.quantity} " if m.change_of else ""
        text += f" ({quantity}{change} vs baseline {baseline})"
    return text


def _gate_row(gate: GateResult) -> str:
    shown = [m for m in gate.measurements if m.status is not Status.PASS] or list(gate.measurements)
    cells = "<br>".join(esc(measurement_cell(m), 120) for m in shown[:4]) or "—"
    flag = "" if gate.blocking else " (non-blocking)"
    if gate.description:
        flag += f"<br>{esc(gate.description, 120)}"
    return (
        f"| {ICONS[gate.status]} {gate.status.value} | {esc(gate.id)}{flag} | {cells} | "
        f"{esc(gate.error or gate.summary)} |"
    )


def _finding_row(gate: GateResult, f: Finding) -> str:
    where = esc(str(f.location)) if f.location else "—"
    known = "new" if f.new else ("known" if f.new is False else "—")
    waived = f"waived ({esc(f.waived, 60)})" if f.waived else ""
    return (
        f"| {f.severity.value} | {esc(gate.id)} | {esc(f.rule, 80)} | {where} | "
        f"{esc(f.message, 200)} | {known} {waived} |"
    )


def _findings(report: Report) -> list[tuple[GateResult, Finding]]:
    found = [(g, f) for g in report.gates for f in g.findings]
    found.sort(
        key=lambda item: (item[1].waived is not None, -item[1].severity.rank, item[1].new is False)
    )
    return found


def changed_section(report: Report, baseline: Report | None = None) -> list[str]:
    """The "what changed" lines (the same facts as the HTML report's first section)."""
    c = changes(report, baseline)
    lines = ["### What changed" + (" since the baseline" if c.has_baseline else ""), ""]
    if c.has_baseline:
        fixed = f" · **{len(c.fixed_findings)}** fixed" if c.fixed_findings is not None else ""
        waived = f" ({c.new_waived} more new but waived)" if c.new_waived else ""
        lines.append(f"- findings: **{len(c.new_findings)}** new{waived}{fixed}")
        for gid, f in c.new_findings[:5]:
            where = f" at {esc(str(f.location), 80)}" if f.location else ""
            lines.append(f"  - new {f.severity.value} {esc(gid)} `{esc(f.rule, 60)}`{where}")
    else:
        lines.append("- no baseline report: new and fixed findings are not known")
    for item in c.crossed[:8]:
        m = item.measurement
        need = (
            f" (needs {m.op} {format_value(m.threshold, m.unit)})"
            if m.threshold is not None
            else ""
        )
        lines.append(
            f"- {ICONS[m.status]} {esc(item.gate)} {esc(m.name)} "
            f"**{format_value(m.value, m.unit)}**{need}"
        )
    for item in c.approaching[:5]:
        m = item.measurement
        lines.append(
            f"- close to its threshold: {esc(item.gate)} {esc(m.name)} "
            f"{format_value(m.value, m.unit)} ({m.op} {format_value(m.threshold, m.unit)})"
        )
    if c.largest:
        lines.append(
            "- largest changes: "
            + "; ".join(
                f"{esc(d.gate)} {esc(d.name)} {d.change} (from {d.baseline})" for d in c.largest
            )
        )
    return [*lines, ""]


def render(report: Report, *, max_bytes: int = MAX_BYTES, baseline: Report | None = None) -> str:
    """The Markdown text, trimmed under ``max_bytes``."""
    findings = _findings(report)
    limit = min(TOP_FINDINGS, len(findings))
    changed = changed_section(report, baseline)
    while True:
        text = _render(report, findings, limit, changed)
        if len(text.encode("utf-8")) <= max_bytes:
            return text
        if limit == 0:
            note = "\n> Summary trimmed to fit GitHub's 1 MiB limit; see gate-report.html.\n"
            cut = text.encode("utf-8")[: max_bytes - len(note.encode()) - 8]
            return cut.decode("utf-8", "ignore") + note
        limit //= 2


def _render(
    report: Report, findings: list[tuple[GateResult, Finding]], limit: int, changed: list[str]
) -> str:
    verdict = report.verdict
    lines = [
        f"## {ICONS[verdict]} gates: {verdict.value.upper()} — {esc(report.project)}",
        "",
        f"**Commit** {esc(report.commit or '?', 60)} · **branch** {esc(report.branch or '—')} · "
        f"**environment** {esc(report.environment or '—')} · **stage** {esc(report.stage)} · "
        f"**started** {esc(report.started_at)} · **duration** {report.duration_s:.1f} s",
        "",
    ]
    lines += [f"- {esc(reason)}" for reason in report.verdict_reasons]
    if report.verdict_reasons:
        lines.append("")
    lines += changed
    gates = sorted(
        report.gates, key=lambda g: -g.status.rank if g.status is not Status.SKIPPED else 1
    )
    lines += ["| status | gate | value vs threshold | summary |", "|---|---|---|---|"]
    lines += [_gate_row(g) for g in gates]
    if findings:
        lines += [
            "",
            f"### Findings ({len(findings)})",
            "",
            "| severity | gate | rule | location | message | |",
            "|---|---|---|---|---|---|",
        ]
        lines += [_finding_row(g, f) for g, f in findings[:limit]]
        if len(findings) > limit:
            lines += [
                "",
                f"> {len(findings) - limit} more findings not shown here "
                "(trimmed to stay small); all are in gate-report.html and the SARIF file.",
            ]
    expired = [w for w in report.waivers if w.expired]
    if expired:
        lines += ["", "### Expired waivers", ""]
        lines += [
            f"- {esc(w.gate)} `{esc(w.match, 80)}` owner {esc(w.owner)}, expired {esc(w.expires)}"
            for w in expired
        ]
    flagged = [w for w in report.waivers if w.problem and not w.expired]
    if flagged:
        lines += ["", "### Waivers to look at", ""]
        lines += [
            f"- {esc(w.gate)} `{esc(w.match, 80)}` owner {esc(w.owner)}: {esc(w.problem, 160)}"
            for w in flagged
        ]
    lines += ["", f"<sub>report digest {esc(report.digest or '—')}</sub>", ""]
    return "\n".join(lines)


def append_step_summary(md: str, environ: Mapping[str, str] | None = None) -> Path | None:
    """Append ``md`` to ``$GITHUB_STEP_SUMMARY`` when it is set; returns that path or ``None``."""
    env = os.environ if environ is None else environ
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(md if md.endswith("\n") else md + "\n")
    return path

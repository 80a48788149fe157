"""``gate-report.html``: one self-contained page a release manager reads in a minute.

Verdict first; a one-line reason for every gate that is not ``pass``; gates sorted by what needs
attention; per gate the measured values against thresholds with baseline, change and a trend
line from ``reports/history.jsonl``; findings filterable by gate, severity, new/known and waived;
waivers with owner and expiry; evidence digests; log links; screenshots and charts.

Safety: jinja2 autoescaping everywhere, never ``|safe`` on evidence. The only markup built here
is numbers (sparklines) and JSON for ``<script type="application/json">`` with ``<``, ``>`` and
``&`` written as ``\\u003c``…, so ``</script>`` in a test name cannot end the element. Images
are ``data:`` URIs of validated base64 (SVG only inside ``<img>``, where it cannot run
script). A Content-Security-Policy allows no network and only the page's own script and style
(by hash). Nothing is fetched: the file opens offline.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from importlib import resources
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup, escape

from gates.model import Artifact, Finding, GateResult, Measurement, Report, Severity, Status
from gates.report.diff import against_baseline, format_value
from gates.report.history import series
from gates.units import format_duration
from gates.writers.changes import GateMeasurement, changes
from gates.writers.deploy_view import rollback_view, series_chart
from gates.writers.html_details import clean, clean_escaped, detail_view, raw_json

ENV = Environment(
    loader=PackageLoader("gates", "writers/templates"),
    autoescape=select_autoescape(enabled_extensions=("html", "j2"), default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/gif", "image/svg+xml"})
_BASE64 = re.compile(r"^[A-Za-z0-9+/\s]*={0,2}\s*$")


def _asset(name: str) -> str:
    return (resources.files("gates") / "writers" / "templates" / name).read_text("utf-8")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def sparkline(values: list[float], width: int = 96, height: int = 24) -> dict[str, Any] | None:
    """Points of an inline SVG trend line (numbers only), or ``None`` under two values."""
    if len(values) < 2:
        return None
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / (len(values) - 1)
    points = [
        (round(i * step, 1), round(height - 2 - (v - low) / span * (height - 4), 1))
        for i, v in enumerate(values)
    ]
    return {
        "width": width,
        "height": height,
        "points": " ".join(f"{x},{y}" for x, y in points),
        "last": points[-1],
        "label": f"trend over {len(values)} runs, from {values[0]:.4g} to {values[-1]:.4g} "
        f"(min {low:.4g}, max {high:.4g})",
    }


def _measurement(gate: GateResult, m: Measurement, history: list[dict[str, Any]]) -> dict[str, Any]:
    trend = series(history, gate.id, m.name) + ([m.value] if m.value is not None else [])
    baseline, change = against_baseline(m)
    return {
        "name": clean(m.name),
        "value": format_value(m.value, m.unit),
        "threshold": ""
        if m.op is None or m.threshold is None
        else f"{m.op} {format_value(m.threshold, m.unit)}",
        "baseline": baseline,
        "change": change,
        "quantity": clean(m.change_of.quantity) if m.change_of else "",
        "status": m.status.value,
        "message": clean(m.message),
        "rounding": clean(m.rounding),
        "runs": ", ".join(f"{v:.4g}" for v in m.values),
        "spark": sparkline(trend[-30:]),
    }


def _href(path: str | None) -> str | None:
    """A safe relative link for a log or artifact path, or ``None`` (shown as text then)."""
    if not path:
        return None
    posix = path.replace("\\", "/")
    first = posix.split("/", 1)[0]
    if posix.startswith("/") or ":" in first or ".." in posix.split("/"):
        return None
    return quote(posix, safe="/-._~")


def _artifact(a: Artifact) -> dict[str, Any]:
    src = None
    data = a.data_base64
    if data and a.media_type in IMAGE_TYPES and _BASE64.match(data):
        compact = re.sub(r"\s", "", data)
        src = f"data:{a.media_type};base64,{compact}"
    return {
        "kind": clean(a.kind),
        "title": clean(a.title),
        "src": src,
        "href": _href(a.path),
        "path": clean(a.path),
    }


def _one_line(gate: GateResult) -> str:
    text = clean(gate.error or gate.summary or gate.status.value).strip()
    return text.splitlines()[0] if text else gate.status.value


def _gate(gate: GateResult, history: list[dict[str, Any]]) -> dict[str, Any]:
    active = [f for f in gate.findings if not f.waived]
    return {
        "id": clean(gate.id),
        "anchor": "gate-" + re.sub(r"[^A-Za-z0-9_-]", "-", gate.id),
        "type": clean(gate.type),
        "status": gate.status.value,
        "blocking": gate.blocking,
        "reason": _one_line(gate),
        "summary": clean(gate.summary),
        "error": clean(gate.error) if gate.error else "",
        "duration": format_duration(gate.duration_s),
        "stage": clean(gate.stage),
        "needs": [clean(n) for n in gate.needs],
        "measurements": [_measurement(gate, m, history) for m in gate.measurements],
        "finding_count": len(gate.findings),
        "active_count": len(active),
        "evidence": [
            {"path": clean(e.path), "sha256": clean(e.sha256), "size": e.size}
            for e in gate.evidence
        ],
        "log": clean(gate.log) if gate.log else "",
        "log_href": _href(gate.log),
        "artifacts": [_artifact(a) for a in gate.artifacts],
        "series": [series_chart(s) for s in gate.series],
        "details": detail_view(gate.details) if gate.details else None,
        "raw": raw_json(gate.details) if gate.details else "",
        "description": clean(gate.description),
    }


def _findings(report: Report) -> list[tuple[GateResult, Finding]]:
    return [(gate, f) for gate in report.gates for f in gate.findings]


_BASELINE_WORD = {True: "new", False: "known", None: "unknown"}
_CELLS = 6
"""Values per finding that :func:`finding_rows` cleans and escapes (gate id, rule, title,
message, location, waiver)."""


def finding_rows(findings: list[tuple[GateResult, Finding]]) -> Markup:
    """The rows of the findings table: not waived first, then most severe, then new. Built
    here rather than in the template: Jinja's attribute lookups made the loop 1.1 s for 12,000
    findings. Every value shown is cleaned and escaped (:func:`clean_escaped`: markupsafe's
    escape, as autoescaping does), in one pass over all of them."""
    dash = "\u2014"
    cells = clean_escaped(
        [
            text
            for gate, f in findings
            for text in (
                gate.id,
                f.rule,
                f.title,
                f.message,
                str(f.location) if f.location else "",
                f.waived or "",
            )
        ]
    )
    severities = {s: _html(s.value) for s in Severity}
    rows = []
    for at, (_, f) in enumerate(findings):
        gate, rule, title, message, where, waived = cells[at * _CELLS : (at + 1) * _CELLS]
        sev, new = severities[f.severity], _BASELINE_WORD[f.new]
        if f.help_uri.startswith(("https://", "http://")):
            rule = f'<a href="{_html(f.help_uri)}" rel="noreferrer noopener">{rule}</a>'
        if title:
            rule += f'<br><span class="small">{title}</span>'
        where = f"<code>{where}</code>" if where else dash
        blocking = ' <span class="small">blocking</span>' if f.blocks and not waived else ""
        row = (
            f'      <tr class="finding sev-{sev}{" waived" if waived else ""}" data-gate="{gate}" '
            f'data-severity="{sev}" data-new="{new}" data-waived="{"yes" if waived else "no"}">\n'
            f'        <td data-label="Severity"><span class="badge sev sev-{sev}">{sev}</span>'
            f"{blocking}</td>\n"
            f'        <td data-label="Gate">{gate}</td>\n'
            f'        <td data-label="Rule">{rule}</td>\n'
            f'        <td data-label="Location">{where}</td>\n'
            f'        <td data-label="Message" class="message">{message}</td>\n'
            f'        <td data-label="Baseline">{new}</td>\n'
            f'        <td data-label="Waived">{waived or dash}</td>\n'
            "      </tr>\n"
        )
        rows.append((bool(waived), -f.severity.rank, new != "new", at, row))
    rows.sort()
    return Markup("".join(row[-1] for row in rows))  # noqa: S704 - every value went through escape


def _html(value: object) -> str:
    return str(escape(value))


def embedded_json(data: Any) -> Markup:
    """JSON safe inside ``<script type="application/json">``: ``<``, ``>``, ``&`` escaped."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)  # noqa: S704 - every markup-significant character is \\u-escaped above


def _finding_line(gate: str, f: Finding) -> dict[str, str]:
    return {
        "gate": clean(gate),
        "severity": f.severity.value,
        "rule": clean(f.rule),
        "where": clean(str(f.location)) if f.location else "",
        "message": clean(f.message),
    }


def changes_view(report: Report, baseline: Report | None) -> dict[str, Any]:
    """The "what changed since the baseline" section."""
    c = changes(report, baseline)

    def row(item: GateMeasurement) -> dict[str, str]:
        m = item.measurement
        return {
            "gate": clean(item.gate),
            "name": clean(m.name),
            "value": format_value(m.value, m.unit),
            "threshold": f"{m.op} {format_value(m.threshold, m.unit)}"
            if m.op and m.threshold is not None
            else "",
            "status": m.status.value,
        }

    return {
        "has_baseline": c.has_baseline,
        "baseline_commit": clean(c.baseline_commit or ""),
        "new": [_finding_line(g, f) for g, f in c.new_findings[:10]],
        "new_count": len(c.new_findings),
        "new_waived": c.new_waived,
        "fixed": None
        if c.fixed_findings is None
        else [_finding_line(g, f) for g, f in c.fixed_findings[:10]],
        "fixed_count": None if c.fixed_findings is None else len(c.fixed_findings),
        "crossed": [row(i) for i in c.crossed[:12]],
        "crossed_more": max(0, len(c.crossed) - 12),
        "approaching": [row(i) for i in c.approaching[:8]],
        "largest": [
            {
                "gate": clean(d.gate),
                "name": clean(d.name),
                "baseline": d.baseline,
                "change": d.change,
            }
            for d in c.largest
        ],
    }


def context(
    report: Report, history: list[dict[str, Any]] | None = None, baseline: Report | None = None
) -> dict[str, Any]:
    """Everything the template shows, computed and cleaned once."""
    history = history or []
    ordered = sorted(
        report.gates, key=lambda g: -g.status.rank if g.status is not Status.SKIPPED else 1
    )
    gates = [_gate(g, history) for g in ordered]
    counts = {s.value: sum(1 for g in report.gates if g.status is s) for s in Status}
    findings = _findings(report)
    script, style = _asset("report.js"), _asset("report.css")
    attention = [
        g
        for g in gates
        # A gate skipped on purpose (another stage, --only) needs no attention unless required.
        if g["status"] != "pass" and (g["status"] != "skipped" or g["id"] in report.required)
    ]
    # Reasons about a gate listed under "Needs attention" are said there once, not twice.
    listed = tuple(f"{g['id']}: " for g in attention)
    other_reasons = [clean(r) for r in report.verdict_reasons if not clean(r).startswith(listed)]
    return {
        "changes": changes_view(report, baseline),
        "r": {
            "verdict": report.verdict.value,
            "project": clean(report.project),
            "commit": clean(report.commit or "—"),
            "branch": clean(report.branch or "—"),
            "environment": clean(report.environment or "—"),
            "stage": clean(report.stage),
            "started_at": clean(report.started_at),
            "duration": format_duration(report.duration_s),
            "digest": clean(report.digest or "—"),
            "signed": bool(report.signature),
            "interrupted": report.interrupted,
            "url": clean(report.url or ""),
            "checklist_sha256": clean(report.checklist_sha256),
            "tool_versions": sorted((clean(k), clean(v)) for k, v in report.tool_versions.items()),
            "reasons": other_reasons,
            "required": [clean(r) for r in report.required],
        },
        "gates": gates,
        "rollback": rollback_view(report),
        "attention": attention,
        "counts": counts,
        "findings": findings,
        "finding_rows": finding_rows(findings),
        "severities": [s.value for s in reversed(list(Severity))],
        "gate_ids": [g["id"] for g in gates if g["finding_count"]],
        "waivers": [
            {
                "gate": clean(w.gate),
                "match": clean(w.match),
                "reason": clean(w.reason),
                "owner": clean(w.owner),
                "expires": clean(w.expires),
                "used": w.used,
                "expired": w.expired,
                "matched": w.matched,
                "problem": clean(w.problem),
            }
            for w in report.waivers
        ],
        "history_runs": len(history),
        "data": embedded_json(
            {
                "verdict": report.verdict.value,
                "commit": report.commit,
                "digest": report.digest,
                "project": report.project,
                "gates": {g.id: g.status.value for g in report.gates},
            }
        ),
        "script": Markup(script),  # noqa: S704 - our own packaged asset, not evidence
        "style": Markup(style),  # noqa: S704 - our own packaged asset, not evidence
        "csp": f"default-src 'none'; img-src data:; style-src {_csp_hash(style)}; "
        f"script-src {_csp_hash(script)}; base-uri 'none'; form-action 'none'",
    }


def render(
    report: Report, history: list[dict[str, Any]] | None = None, baseline: Report | None = None
) -> str:
    """The HTML page (``baseline``: the baseline report, when at hand, for fixed findings)."""
    return template().render(**context(report, history, baseline))


def template() -> Template:
    """The page's compiled template (compiled on the first call, then cached by jinja)."""
    return ENV.get_template("report.html.j2")

"""``gate-report.junit.xml``: one ``<testcase>`` per gate, for CI test tabs.

``fail`` → ``<failure>``, ``error`` → ``<error>`` (message = the gate's summary, body = the top
findings and failing measurements), ``skipped`` → ``<skipped/>``, ``warn`` → a pass whose
``<system-out>`` says why it warned. Built with ElementTree, so every value is escaped; characters
XML 1.0 cannot hold (ANSI escapes, NUL) are replaced.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from gates.model import GateResult, Report, Status

TOP_FINDINGS = 20
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    """``text`` without characters XML 1.0 forbids (shown as U+FFFD)."""
    return _NOT_XML.sub("\ufffd", text)


def _body(gate: GateResult) -> str:
    lines = [gate.summary]
    if gate.error and gate.error != gate.summary:
        lines.append(gate.error)
    for m in gate.measurements:
        if m.status in (Status.FAIL, Status.ERROR, Status.WARN):
            threshold = (
                "" if m.threshold is None else f" (threshold {m.op} {m.threshold:g}{m.unit})"
            )
            value = "nothing measured" if m.value is None else f"{m.value:g}{m.unit}"
            lines.append(f"{m.status.value}: {m.name} = {value}{threshold} {m.message}".rstrip())
    active = [f for f in gate.findings if not f.waived]
    active.sort(key=lambda f: -f.severity.rank)
    for f in active[:TOP_FINDINGS]:
        where = f" {f.location}" if f.location else ""
        lines.append(f"[{f.severity.value}] {f.rule}{where}: {f.message}")
    if len(active) > TOP_FINDINGS:
        lines.append(f"… and {len(active) - TOP_FINDINGS} more findings (see gate-report.html)")
    return clean("\n".join(lines))


def render(report: Report) -> str:
    """The JUnit XML text."""
    counts = {s: sum(1 for g in report.gates if g.status is s) for s in Status}
    suite = ET.Element(
        "testsuite",
        {
            "name": clean(f"gates {report.project} {report.environment or ''}".strip()),
            "tests": str(len(report.gates)),
            "failures": str(counts[Status.FAIL]),
            "errors": str(counts[Status.ERROR]),
            "skipped": str(counts[Status.SKIPPED]),
            "time": f"{report.duration_s:.3f}",
            "timestamp": clean(report.started_at),
        },
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("verdict", report.verdict.value),
        ("commit", report.commit or ""),
        ("stage", report.stage),
        ("digest", report.digest),
    ):
        ET.SubElement(props, "property", {"name": name, "value": clean(value)})
    for gate in report.gates:
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": clean(f"gates.{gate.type}"),
                "name": clean(gate.id),
                "time": f"{gate.duration_s:.3f}",
            },
        )
        summary = clean(gate.summary.splitlines()[0] if gate.summary else gate.status.value)
        if gate.status is Status.FAIL:
            ET.SubElement(case, "failure", {"message": summary, "type": "fail"}).text = _body(gate)
        elif gate.status is Status.ERROR:
            ET.SubElement(case, "error", {"message": summary, "type": "error"}).text = _body(gate)
        elif gate.status is Status.SKIPPED:
            ET.SubElement(case, "skipped", {"message": summary})
        elif gate.status is Status.WARN:
            ET.SubElement(case, "system-out").text = "warn: " + _body(gate)
    root = ET.Element(
        "testsuites",
        {
            "name": "gates",
            "tests": str(len(report.gates)),
            "failures": suite.get("failures", "0"),
            "errors": suite.get("errors", "0"),
        },
    )
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

"""GitHub Actions workflow commands: ``::error file=…,line=…,title=…::message`` per finding.

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step, so the most severe
unwaived findings with a location come first and each level stops at 10; a last notice says how
many were left out. Values are escaped as the runner's ``toolkit/core`` command.ts does: data
``%``, ``\\r``, ``\\n``; properties also ``:`` and ``,``.
"""

from __future__ import annotations

from gates.model import Finding, GateResult, Report, Severity

PER_LEVEL = 10
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}


def escape_data(text: str) -> str:
    """Escape a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property value (``file``, ``title``…)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(gate: GateResult, f: Finding) -> str:
    assert f.location is not None
    props = [f"file={escape_property(f.location.path.replace(chr(92), '/'))}"]
    if f.location.line is not None and f.location.line >= 1:
        props.append(f"line={f.location.line}")
        if f.location.column is not None and f.location.column >= 1:
            props.append(f"col={f.location.column}")
    title = f"{gate.id}: {f.rule}" + (f" ({f.title})" if f.title else "")
    props.append(f"title={escape_property(title[:200])}")
    return f"::{LEVEL[f.severity]} {','.join(props)}::{escape_data(f.message[:2000])}"


def commands(report: Report) -> list[str]:
    """The workflow command lines, most severe first, at most 10 per level."""
    found = [
        (g, f)
        for g in report.gates
        for f in g.findings
        if f.location is not None and f.location.path and f.waived is None
    ]
    found.sort(key=lambda item: (-item[1].severity.rank, item[1].new is False))
    counts = {"error": 0, "warning": 0, "notice": 0}
    lines: list[str] = []
    left_out = 0
    for gate, finding in found:
        level = LEVEL[finding.severity]
        if counts[level] >= PER_LEVEL:
            left_out += 1
            continue
        counts[level] += 1
        lines.append(_command(gate, finding))
    if left_out:
        if counts["notice"] >= PER_LEVEL:
            lines.pop()  # make room for the note: GitHub would drop an 11th notice
            left_out += 1
        lines.append(
            f"::notice title=gates::{left_out} more findings not annotated "
            "(GitHub shows 10 per level and step); see gate-report.html"
        )
    return lines


def render(report: Report) -> str:
    """All annotation lines as text to print on stdout in a GitHub Actions step."""
    lines = commands(report)
    return "\n".join(lines) + ("\n" if lines else "")

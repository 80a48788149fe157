"""``gate-report.json``: the C encoder's lines in a layout for people and diffs."""

from __future__ import annotations

import dataclasses
import json

import pytest

from gates.model import Finding, Severity
from gates.report.codec import finalize, to_dict
from gates.writers.json_report import render
from tests.support.sample_report import hostile_report


def test_the_text_is_the_report_and_each_finding_is_one_line() -> None:
    report = finalize(hostile_report(), None)
    text = render(report)
    assert json.loads(text) == to_dict(report)
    lines = text.splitlines()
    assert lines[0] == "{" and lines[-1] == "}" and text.endswith("}\n")
    findings = [f for g in report.gates for f in g.findings]
    assert findings
    for finding in findings:
        one_line = json.dumps(to_dict_of(finding), ensure_ascii=False)
        assert any(line.strip().rstrip(",") == one_line for line in lines), finding.rule
    # the report and each gate one key per line
    assert '  "verdict": ' in text and '      "id": ' in text


def to_dict_of(finding: Finding) -> object:
    report = hostile_report()
    gate = dataclasses.replace(report.gates[0], findings=(finding,))
    return to_dict(dataclasses.replace(report, gates=(gate,)))["gates"][0]["findings"][0]


def test_hostile_strings_and_non_ascii_survive() -> None:
    report = hostile_report()
    gate = report.gates[0]
    odd = 'line\nbreak "quoted" \\ back \u2028 é \x00 </script>'
    finding = Finding(rule="r", severity=Severity.LOW, message=odd, title=odd)
    report = dataclasses.replace(report, gates=(dataclasses.replace(gate, findings=(finding,)),))
    parsed = json.loads(render(report))
    assert parsed["gates"][0]["findings"][0]["message"] == odd
    assert "é" in render(report)  # written as is, not \\u00e9


def test_a_non_finite_number_is_refused_not_written() -> None:
    report = hostile_report()
    gate = dataclasses.replace(report.gates[0], details={"ratio": float("nan")})
    bad = dataclasses.replace(report, gates=(gate,))
    # the codec writes NaN as null (to_dict); the writer itself never emits NaN
    assert json.loads(render(bad))["gates"][0]["details"]["ratio"] is None
    from gates.writers.json_report import _one_line

    with pytest.raises(ValueError):
        _one_line(float("inf"))
    with pytest.raises(TypeError):
        _one_line({1, 2})

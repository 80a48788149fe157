"""Impossible evidence through the whole run (issue 13): a file that parses but states what no
producer can write (a count covered beyond its total, an infinite count, a score of 37) is
``error`` and blocks, with a one-line message and no traceback, for every evidence gate that
reads numbers. The twin with possible numbers passes, so the refusal is not a blanket one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CORPUS, gate
from tests.support.gates import run_checklist

LHR = json.loads((CORPUS / "lighthouse" / "lhr-12.1.0-angular-login.json").read_text())


def _lhr(score: float) -> str:
    doc = json.loads(json.dumps(LHR))
    doc["categories"]["performance"]["score"] = score
    return json.dumps(doc)


def _cobertura(hits: str, covered: int = 1) -> str:
    return (
        f'<coverage lines-valid="2" lines-covered="{covered}"><packages><package name="p">'
        '<classes><class name="a.py" filename="a.py"><lines>'
        f'<line number="1" hits="{hits}"/><line number="2" hits="0"/>'
        "</lines></class></classes></package></packages></coverage>"
    )


def _istanbul(covered: int, total: int) -> str:
    block = {"total": total, "covered": covered, "pct": 0}
    entry = dict.fromkeys(("lines", "statements", "functions", "branches"), block)
    return json.dumps({"total": entry, "a.py": entry})


CASES = {
    "cobertura hits=inf": (
        "coverage",
        "report: c.xml",
        "c.xml",
        _cobertura("inf"),
        _cobertura("3"),
    ),
    "cobertura stated disagrees": (
        "coverage",
        "report: c.xml",
        "c.xml",
        _cobertura("1", covered=2),
        _cobertura("1"),
    ),
    "istanbul 95 of 10": (
        "coverage",
        "report: s.json",
        "s.json",
        _istanbul(95, 10),
        _istanbul(5, 10),
    ),
    "junit failures=inf": (
        "tests",
        "junit: j.xml",
        "j.xml",
        '<testsuite name="s" tests="1" failures="inf"><testcase name="a"/></testsuite>',
        '<testsuite name="s" tests="1" failures="0"><testcase name="a"/></testsuite>',
    ),
    "lighthouse score 37": (
        "lighthouse",
        "results: [lhr/]\n    budgets: {seo: 0.1}",
        "lhr/lhr-1.json",
        _lhr(37),
        _lhr(0.9),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_impossible_evidence_is_error_and_its_possible_twin_passes(
    tmp_path: Path, case: str
) -> None:
    gate_type, body, path, impossible, possible = CASES[case]
    (tmp_path / "a.py").write_text("x = 1\ny = 2\n")
    (tmp_path / "checklist.yml").write_text(
        f"version: 1\nproject: t\ngates:\n  g:\n    type: {gate_type}\n    {body}\n"
    )
    target = tmp_path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(impossible)
    code, report = run_checklist(tmp_path / "checklist.yml", tmp_path / "bad")
    result = gate(report, "g")
    assert (code, result["status"]) == (1, "error"), result["summary"]
    assert "\n" not in result["error"] and "Traceback" not in result["error"]
    assert "Overflow" not in result["error"]
    target.write_text(possible)
    code, report = run_checklist(tmp_path / "checklist.yml", tmp_path / "good")
    assert gate(report, "g")["status"] == "pass", gate(report, "g")["summary"]
    assert code == 0

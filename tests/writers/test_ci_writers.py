"""JUnit XML, SARIF 2.1.0 (validated against the schema), Markdown summary, GitHub annotations."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import defusedxml.ElementTree as safe_et
import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from gates.checks import CHECKS
from gates.model import Finding, GateResult, Location, Severity, Status
from gates.writers import github_annotations, junit_report, markdown_report, sarif_report
from tests.conftest import TESTS
from tests.support.sample_report import ANSI, CLOSE, SCRIPT, hostile_report

SCHEMA = json.loads((TESTS / "fixtures" / "sarif-schema-2.1.0.json").read_text())


def validate_sarif(text: str) -> dict[str, Any]:
    log = json.loads(text)
    jsonschema.validate(log, SCHEMA, cls=jsonschema.Draft4Validator)
    return log  # type: ignore[no-any-return]


def many_findings(n: int, gate_type: str = "sast") -> GateResult:
    severities = list(Severity)
    return GateResult(
        id="many",
        type=gate_type,
        status=Status.FAIL,
        blocking=True,
        summary="many",
        findings=tuple(
            Finding(
                rule=f"R{i % 7}",
                severity=severities[i % 5],
                message=f"finding {i} " * 3,
                location=Location(f"src/f{i}.py", i + 1),
                fingerprint=f"fp{i}",
            )
            for i in range(n)
        ),
    )


# --- JUnit -------------------------------------------------------------------------------


def test_junit_one_testcase_per_gate_with_status_mapping() -> None:
    root = safe_et.fromstring(junit_report.render(hostile_report()).encode())
    suite = root.find("testsuite")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert list(cases) == ["tests", "coverage", "sast", "bundle", "smoke"]
    assert suite.get("tests") == "5" and suite.get("failures") == "1"
    assert suite.get("errors") == "1" and suite.get("skipped") == "1"
    failure = cases["tests"].find("failure")
    assert failure is not None and SCRIPT in (failure.get("message") or "")
    assert "test-failed" in (failure.text or "") and "tests/test_x.py:12" in (failure.text or "")
    error = cases["sast"].find("error")
    assert error is not None and "B602" in (error.text or "") and CLOSE in (error.text or "")
    assert "B101" not in (error.text or "")  # waived findings are not listed as failures
    assert cases["smoke"].find("skipped") is not None
    out = cases["coverage"].find("system-out")
    assert out is not None and (out.text or "").startswith("warn: ")
    assert cases["bundle"].find("failure") is None and cases["bundle"].find("error") is None


def test_junit_drops_characters_xml_cannot_hold() -> None:
    text = junit_report.render(hostile_report())
    assert "\x1b" not in text
    assert ANSI.replace("\x1b", "\ufffd") in text


# --- SARIF -------------------------------------------------------------------------------


def test_sarif_validates_and_holds_every_finding() -> None:
    log = validate_sarif(sarif_report.render(hostile_report()))
    run = log["runs"][0]
    assert log["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "gates"
    results = run["results"]
    assert len(results) == 5
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels == {
        "sast/B602": "error",
        "tests/test-failed": "error",
        "sast/B105": "warning",
        "sast/B101": "note",
        "sast/B999": "note",
    }
    rules = run["tool"]["driver"]["rules"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["partialFingerprints"]["gatesFingerprint/v1"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


def test_sarif_regions_security_severity_and_suppressions() -> None:
    results = {
        r["ruleId"]: r
        for r in validate_sarif(sarif_report.render(hostile_report()))["runs"][0]["results"]
    }
    b602 = results["sast/B602"]["locations"][0]["physicalLocation"]
    assert b602["region"] == {"startLine": 3, "startColumn": 5}
    assert "region" not in results["sast/B105"]["locations"][0]["physicalLocation"]  # line 0
    spaced = results["sast/B999"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert spaced == "dir%20with%20space/z.py"
    assert results["sast/B602"]["properties"]["security-severity"] == "9.5"
    assert "security-severity" not in results["tests/test-failed"]["properties"]
    waived = results["sast/B101"]
    assert waived["suppressions"][0]["kind"] == "external"
    assert "sec@example.com" in waived["suppressions"][0]["justification"]
    assert waived["properties"]["locationFromEvidence"] is True
    assert "suppressions" not in results["sast/B602"]


def test_sarif_uses_registered_rule_metadata() -> None:
    with_rules = [(name, check) for name, check in CHECKS.items() if check.rules]
    assert with_rules, "no registered gate type declares RULES"
    gate_type, check = with_rules[0]
    rule = check.rules[0]
    gate = GateResult(
        id="g",
        type=gate_type,
        status=Status.FAIL,
        blocking=True,
        summary="x",
        findings=(
            Finding(
                rule=rule.id, severity=Severity.HIGH, message="m", location=Location("a.py", 1)
            ),
        ),
    )
    report = dataclasses.replace(hostile_report(), gates=(gate,))
    meta = validate_sarif(sarif_report.render(report))["runs"][0]["tool"]["driver"]["rules"][0]
    assert meta["id"] == f"{gate_type}/{rule.id}"
    assert meta["shortDescription"]["text"] == rule.title
    assert rule.fix in meta["help"]["text"]


def test_sarif_caps_results_most_severe_first_and_says_so() -> None:
    report = dataclasses.replace(hostile_report(), gates=(many_findings(300),))
    log = sarif_report.build(report, max_results=100)
    validate_sarif(json.dumps(log))
    run = log["runs"][0]
    assert len(run["results"]) == 100
    assert run["properties"]["truncated"]["total"] == 300
    assert run["properties"]["truncated"]["kept"] == 100
    ranks = [r["properties"]["severity"] for r in run["results"]]
    assert ranks[:60] == ["critical"] * 60 and ranks[60:] == ["high"] * 40
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert "200 of 300 results left out" in notes[0]["message"]["text"]


def test_sarif_caps_bytes() -> None:
    report = dataclasses.replace(hostile_report(), gates=(many_findings(2000),))
    log = sarif_report.build(report, max_bytes=200_000)
    assert len(json.dumps(log, separators=(",", ":"), ensure_ascii=False).encode()) <= 200_000
    assert 0 < len(log["runs"][0]["results"]) < 2000
    assert log["runs"][0]["properties"]["truncated"]["total"] == 2000


def test_sarif_full_limits_on_a_large_report() -> None:
    report = dataclasses.replace(hostile_report(), gates=(many_findings(26_000),))
    text = sarif_report.render(report)
    assert len(text.encode()) <= sarif_report.MAX_BYTES
    assert len(json.loads(text)["runs"][0]["results"]) <= 25_000


def test_sarif_reports_gate_errors_as_notifications() -> None:
    run = json.loads(sarif_report.render(hostile_report()))["runs"][0]
    texts = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any(t.startswith("gate sast could not be evaluated") for t in texts)


# --- Markdown ----------------------------------------------------------------------------


def test_markdown_escapes_and_shows_verdict_table_findings() -> None:
    md = markdown_report.render(hostile_report())
    assert md.startswith("## ❌ gates: FAIL")
    assert "<script>" not in md and "</script>" not in md and "\x1b" not in md
    assert "&lt;script&gt;" in md
    assert "lines 79.1% (&gt;= 80%) (−1.2 pp vs baseline 80.3%)" in md
    assert "| 💥 error | sast |" in md
    assert md.index("| 💥 error") < md.index("| ❌ fail") < md.index("| ⚠️ warn")
    assert "### Findings (5)" in md and "### Expired waivers" in md


def test_markdown_table_cells_cannot_break_the_table() -> None:
    report = hostile_report()
    gate = dataclasses.replace(report.gates[0], summary="a | b\nc")
    md = markdown_report.render(dataclasses.replace(report, gates=(gate,)))
    row = next(line for line in md.splitlines() if line.startswith("| ❌ fail"))
    assert row.count(" | ") == 3 and "a \\| b c" in row


def test_markdown_trimmed_under_limit_with_a_note() -> None:
    report = dataclasses.replace(hostile_report(), gates=(many_findings(60),))
    full = markdown_report.render(report)
    small = markdown_report.render(report, max_bytes=len(full.encode()) // 2)
    assert len(small.encode()) <= len(full.encode()) // 2
    assert "more findings not shown here" in small
    assert len(full.encode()) < markdown_report.MAX_BYTES


def test_markdown_hard_cut_when_even_the_table_is_too_big() -> None:
    text = markdown_report.render(hostile_report(), max_bytes=400)
    assert len(text.encode()) <= 400 and "trimmed to fit" in text


def test_append_step_summary(tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    target.write_text("earlier step\n")
    assert markdown_report.append_step_summary("# one", {"GITHUB_STEP_SUMMARY": str(target)})
    markdown_report.append_step_summary("# two\n", {"GITHUB_STEP_SUMMARY": str(target)})
    assert target.read_text() == "earlier step\n# one\n# two\n"
    assert markdown_report.append_step_summary("# x", {}) is None


# --- GitHub annotations ------------------------------------------------------------------


def test_annotations_escape_and_order() -> None:
    lines = github_annotations.commands(hostile_report())
    assert lines[0].startswith("::error file=app/x.py,line=3,col=5,title=sast%3A B602::")
    assert lines[1].startswith("::error file=tests/test_x.py,line=12,title=tests%3A test-failed")
    assert "%0A" not in lines[1] or "\n" not in lines[1]
    assert all("\n" not in line and "\r" not in line for line in lines)
    assert lines[2].startswith("::warning file=app/y.py,title=")  # line 0 → no line property
    assert not any("B101" in line for line in lines)  # waived and without location


def test_annotation_escaping_rules() -> None:
    assert github_annotations.escape_data("50%\r\nx") == "50%25%0D%0Ax"
    assert github_annotations.escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_annotations_at_most_ten_per_level_with_a_note() -> None:
    report = dataclasses.replace(hostile_report(), gates=(many_findings(100),))
    lines = github_annotations.commands(report)
    kinds = [line.split(" ", 1)[0].split("::")[1] for line in lines]
    assert kinds.count("error") == 10 and kinds.count("warning") == 10
    assert kinds.count("notice") == 10
    assert "more findings not annotated" in lines[-1]
    assert "71 more" in lines[-1]  # 70 beyond the limits + the notice the note replaced


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ09/._~-\\ %#?é\u00a0:\x00+@"), max_size=12))
def test_a_sarif_uri_is_the_percent_encoding_of_its_path(path: str) -> None:
    """A path of characters ``quote`` leaves alone is used as it is (no call to ``quote``);
    any other is percent-encoded: both are what ``quote`` makes of the path."""
    posix = path.replace("\\", "/")
    while posix.startswith("./"):
        posix = posix[2:]
    quoted = quote(posix, safe="/-._~")
    expected = "file://" + quoted if posix.startswith("/") else quoted
    assert sarif_report.uri_for(path) == expected

"""The ``tests`` gate: direct evaluation on real JUnit files, and the CLI with real pytest."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from gates.checks.base import GateContext
from gates.checks.tests import TestsOptions, evaluate
from gates.model import Measurement, Status
from tests.conftest import CORPUS, gate
from tests.support.gates import gate_context, run_checklist

PY = sys.executable


def _ctx(root: Path) -> GateContext:
    return gate_context("tests", root)


def _row(rows: list[Measurement], name: str) -> Measurement:
    return next(r for r in rows if r.name == name)


def _project(tmp_path: Path, *corpus_names: str) -> Path:
    raw = tmp_path / "reports" / "raw"
    raw.mkdir(parents=True)
    for name in corpus_names:
        shutil.copy(CORPUS / "junit" / name, raw / name)
    return tmp_path


def test_failures_and_errors_are_blocking_findings_with_locations(tmp_path: Path) -> None:
    root = _project(tmp_path, "pytest-selenium-errors-failures-skipped.xml")
    outcome = evaluate(TestsOptions(junit=["reports/raw/*.xml"]), _ctx(root))
    assert outcome.status is None and outcome.error is None  # the runner derives fail
    rules = sorted(f.rule for f in outcome.findings)
    assert rules == ["test-error", "test-error", "test-failed", "test-failed"]
    assert all(f.blocks for f in outcome.findings)
    sample = next(f for f in outcome.findings if "test_addition" in f.message)
    assert sample.location is not None
    assert (sample.location.path, sample.location.line) == ("test_sample.py", 41)
    rows = outcome.measurements
    assert (_row(rows, "tests").value, _row(rows, "failures").value) == (22, 2)
    assert (_row(rows, "errors").value, _row(rows, "skipped").value) == (2, 1)
    assert _row(rows, "tests run").status is Status.PASS
    assert outcome.details["files"][0]["tests"] == 22
    assert len({f.fingerprint for f in outcome.findings}) == 4


def test_counts_per_file_and_total_over_many_producers(tmp_path: Path) -> None:
    names = [
        "vitest-junit-skipped.xml",
        "jest-junit-34-tests-multi-suite.xml",
        "surefire-3.0.2-TEST-spring-demo-pass.xml",
    ]
    root = _project(tmp_path, *names)
    ctx = _ctx(root)
    outcome = evaluate(TestsOptions(junit=["reports/raw/*.xml"], min_tests=50), ctx)
    assert _row(outcome.measurements, "tests").value == 55
    assert _row(outcome.measurements, "tests run").value == 53
    assert _row(outcome.measurements, "tests run").status is Status.PASS
    assert sorted(f["tests"] for f in outcome.details["files"]) == [1, 20, 34]
    assert len(ctx.evidence) == 3 and all(len(e.sha256) == 64 for e in ctx.evidence)
    assert outcome.findings == []


def test_fewer_than_min_tests_fails(tmp_path: Path) -> None:
    root = _project(tmp_path, "jest-junit-suite-name-undefined.xml")
    outcome = evaluate(TestsOptions(junit=["reports/raw/*.xml"], min_tests=5), _ctx(root))
    row = _row(outcome.measurements, "tests run")
    assert (row.value, row.op, row.threshold, row.status) == (4, ">=", 5, Status.FAIL)


def test_all_skipped_is_not_a_pass(tmp_path: Path) -> None:
    root = _project(tmp_path, "ant-junit-TEST-java-properties-skipped.xml")
    outcome = evaluate(TestsOptions(junit=["reports/raw/*.xml"]), _ctx(root))
    assert _row(outcome.measurements, "tests run").status is Status.FAIL


def test_max_skipped(tmp_path: Path) -> None:
    root = _project(tmp_path, "vitest-junit-skipped.xml")
    outcome = evaluate(TestsOptions(junit=["reports/raw/*.xml"], max_skipped=1), _ctx(root))
    row = _row(outcome.measurements, "skipped")
    assert (row.value, row.op, row.status) == (2, "<=", Status.FAIL)


def test_no_file_matched_is_error_naming_the_glob(tmp_path: Path) -> None:
    outcome = evaluate(TestsOptions(junit=["reports/raw/*.xml"]), _ctx(tmp_path))
    assert outcome.status is Status.ERROR
    assert outcome.error == "no JUnit files matched reports/raw/*.xml"


def test_zero_test_cases_is_error(tmp_path: Path) -> None:
    (tmp_path / "empty.xml").write_text('<testsuites name="vitest tests" tests="0"></testsuites>')
    outcome = evaluate(TestsOptions(junit=["empty.xml"]), _ctx(tmp_path))
    assert outcome.status is Status.ERROR
    assert outcome.error is not None and outcome.error.startswith("0 test cases")


def test_flaky_is_shown_and_blocks_only_when_asked(tmp_path: Path) -> None:
    (tmp_path / "flaky.xml").write_text(
        '<testsuite name="S" tests="1"><testcase classname="S" name="t">'
        '<flakyFailure message="timing">x</flakyFailure></testcase></testsuite>'
    )
    outcome = evaluate(TestsOptions(junit=["flaky.xml"]), _ctx(tmp_path))
    (finding,) = outcome.findings
    assert (finding.rule, finding.blocks) == ("test-flaky", False)
    assert _row(outcome.measurements, "flaky").value == 1
    strict = evaluate(TestsOptions(junit=["flaky.xml"], fail_on_flaky=True), _ctx(tmp_path))
    assert strict.findings[0].blocks


def test_absolute_test_paths_become_project_relative(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    absolute = tmp_path / "tests" / "test_a.py"
    (tmp_path / "j.xml").write_text(
        f'<testsuite name="x"><testcase classname="a" name="t" file="{absolute}" line="3">'
        '<failure message="no"/></testcase></testsuite>'
    )
    outcome = evaluate(TestsOptions(junit=["j.xml"]), _ctx(tmp_path))
    location = outcome.findings[0].location
    assert location is not None and (location.path, location.line) == ("tests/test_a.py", 3)


# --- through the CLI, with real pytest ---------------------------------------------------

TESTS = """
import pytest

def test_ok():
    assert True

def test_broken():
    assert 2 + 2 == 5

@pytest.mark.parametrize("x", ["</script><script>alert(1)</script>"])
def test_hostile(x):
    assert x == "safe"
"""


def _checklist(root: Path, body: str) -> Path:
    path = root / "checklist.yml"
    path.write_text(f"version: 1\nproject: t\ngates:\n{body}")
    return path


def _run(root: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    return run_checklist(root / "checklist.yml", root / "reports", *extra)


def _pytest_run(junit: str) -> str:
    return f'[{PY}, -m, pytest, -q, -p, no:cacheprovider, "--junitxml={junit}", tests]'


def test_real_pytest_failures_fail_the_gate_through_the_cli(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text(TESTS)
    _checklist(
        tmp_path,
        f"  unit:\n    type: tests\n    run: {_pytest_run('reports/raw/u.xml')}\n"
        "    junit: reports/raw/*.xml\n",
    )
    code, report = _run(tmp_path)
    result = gate(report, "unit")
    assert code == 1 and result["status"] == "fail"
    messages = [f["message"] for f in result["findings"]]
    assert any("</script><script>alert(1)</script>" in m for m in messages)  # kept as text
    broken = next(f for f in result["findings"] if "test_broken" in f["message"])
    assert broken["location"] == {"path": "tests/test_x.py", "line": 8, "column": None}
    rows = {m["name"]: m for m in result["measurements"]}
    assert (rows["tests"]["value"], rows["failures"]["value"]) == (3, 2)
    html = tmp_path / "reports" / "gate-report.html"
    page = html.read_text()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page


def test_real_pytest_passing_run_passes(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_ok.py").write_text("def test_a():\n    assert 1\n")
    _checklist(
        tmp_path,
        f"  unit:\n    type: tests\n    run: {_pytest_run('out/u.xml')}\n    junit: out/u.xml\n",
    )
    code, report = _run(tmp_path)
    assert code == 0 and gate(report, "unit")["status"] == "pass"
    assert gate(report, "unit")["evidence"][0]["path"] == "out/u.xml"


def test_nonzero_exit_with_a_clean_junit_is_error(tmp_path: Path) -> None:
    junit = '<testsuite tests=\\"1\\"><testcase name=\\"a\\"/></testsuite>'
    _checklist(
        tmp_path,
        "  unit:\n    type: tests\n    shell: true\n"
        f"    run: 'echo \"{junit}\" > j.xml; exit 3'\n    junit: j.xml\n",
    )
    code, report = _run(tmp_path)
    result = gate(report, "unit")
    assert code == 1 and result["status"] == "error"
    assert "exit 3" in result["error"] and "no failure" in result["error"]


def test_run_that_writes_no_junit_is_error_even_with_a_stale_file(tmp_path: Path) -> None:
    (tmp_path / "j.xml").write_text('<testsuite tests="1"><testcase name="old"/></testsuite>')
    _checklist(tmp_path, '  unit:\n    type: tests\n    run: "true"\n    junit: j.xml\n')
    code, report = _run(tmp_path)
    result = gate(report, "unit")
    assert code == 1 and result["status"] == "error"
    assert "wrote no JUnit file" in result["error"] and "stale" in result["error"]


@pytest.mark.parametrize(
    ("kind", "payload", "reason"),
    [
        ("empty", b"", "file is empty"),
        ("truncated", b"<testsuite><testcase name='a'>", "not well-formed"),
        ("binary", b"\x89PNG\r\n\x1a\n\x00\x00", "not well-formed"),
        ("latin1", '<testsuite name="\xe9"/>'.encode("latin-1"), "not well-formed"),
        (
            "entity",
            b'<!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]><testsuite name="&x;"/>',
            "entities",
        ),
    ],
)
def test_bad_junit_is_error_with_one_line_reason_through_the_cli(
    tmp_path: Path, kind: str, payload: bytes, reason: str
) -> None:
    (tmp_path / "j.xml").write_bytes(payload)
    _checklist(tmp_path, "  unit: {type: tests, junit: j.xml}\n")
    code, report = _run(tmp_path)
    result = gate(report, "unit")
    assert code == 1 and result["status"] == "error", kind
    assert reason in result["error"] and "\n" not in result["error"]


def test_missing_junit_through_the_cli(tmp_path: Path) -> None:
    _checklist(tmp_path, "  unit: {type: tests, junit: [reports/*.xml]}\n")
    code, report = _run(tmp_path)
    assert code == 1
    assert gate(report, "unit")["error"] == "no JUnit files matched reports/*.xml"


# --- a suite declaring more failures/errors than the testcases it lists ------------------

CRASHED_SUITE = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="jest tests" tests="2" failures="0" errors="1" time="1.2">
  <testsuite name="math" errors="0" failures="0" skipped="0" tests="2" time="0.1">
    <testcase classname="math adds" name="math adds" time="0.01"/>
    <testcase classname="math subtracts" name="math subtracts" time="0.01"/>
  </testsuite>
  <testsuite name="src/broken.test.ts" errors="1" failures="0" skipped="0" tests="0" time="0"/>
</testsuites>
"""


def test_suite_declaring_unlisted_errors_is_a_blocking_finding(tmp_path: Path) -> None:
    (tmp_path / "j.xml").write_text(CRASHED_SUITE)
    _checklist(tmp_path, "  unit: {type: tests, junit: j.xml}\n")
    code, report = _run(tmp_path)
    result = gate(report, "unit")
    assert code == 1 and result["status"] == "fail"
    (only,) = result["findings"]
    assert only["rule"] == "suite-failures-not-listed" and only["blocks"] is True
    assert "src/broken.test.ts" in only["message"] and "j.xml" in only["message"]
    assert only["location"]["path"] == "j.xml"
    assert only["data"]["suite"] == "src/broken.test.ts" and only["data"]["unlisted"] == 1


def test_nested_suite_gap_is_reported_once_at_the_inner_suite(tmp_path: Path) -> None:
    nested = """<testsuites><testsuite name="all" tests="1" failures="2" errors="0">
      <testsuite name="Unit" tests="1" failures="0" errors="0"><testcase name="a"/></testsuite>
      <testsuite name="Forked" tests="0" failures="2" errors="0"/>
    </testsuite></testsuites>"""
    (tmp_path / "j.xml").write_text(nested)
    _checklist(tmp_path, "  unit: {type: tests, junit: j.xml}\n")
    code, report = _run(tmp_path)
    result = gate(report, "unit")
    assert code == 1 and result["status"] == "fail"
    assert [(f["rule"], f["data"]["suite"]) for f in result["findings"]] == [
        ("suite-failures-not-listed", "Forked")
    ]


def test_fewer_declared_than_listed_is_a_blocking_disagreement(tmp_path: Path) -> None:
    under = """<testsuite name="s" tests="2" failures="0" errors="0">
      <testcase name="a"/><testcase name="b"><failure message="boom"/></testcase>
    </testsuite>"""
    (tmp_path / "j.xml").write_text(under)
    _checklist(tmp_path, "  unit: {type: tests, junit: j.xml}\n")
    code, report = _run(tmp_path)
    result = gate(report, "unit")
    assert code == 1 and result["status"] == "fail"
    assert [f["rule"] for f in result["findings"]] == ["test-failed", "suite-counts-disagree"]
    disagree = result["findings"][1]
    assert disagree["blocks"] is True and "declares failures=0" in disagree["message"]
    assert result["details"]["mismatches"] == ["j.xml: failures=0 stated, 1 counted from testcases"]


def test_rerun_attempts_counted_in_the_attributes_are_not_unlisted(tmp_path: Path) -> None:
    reruns = """<testsuite name="pytest" tests="3" failures="2" errors="0">
      <testcase classname="t" name="x"><failure message="1st"/></testcase>
      <testcase classname="t" name="x"><failure message="2nd"/></testcase>
      <testcase classname="t" name="x"/>
    </testsuite>"""
    (tmp_path / "j.xml").write_text(reruns)
    _checklist(tmp_path, "  unit: {type: tests, junit: j.xml}\n")
    code, report = _run(tmp_path)
    result = gate(report, "unit")
    assert code == 0 and result["status"] == "pass"
    assert [f["rule"] for f in result["findings"]] == ["test-flaky"]


@pytest.mark.parametrize("name", sorted(p.name for p in (CORPUS / "junit").glob("*.xml")))
def test_corpus_files_raise_no_unlisted_suite_alarm(tmp_path: Path, name: str) -> None:
    shutil.copy(CORPUS / "junit" / name, tmp_path / "j.xml")
    _checklist(tmp_path, "  unit: {type: tests, junit: j.xml}\n")
    _code, report = _run(tmp_path)
    result = gate(report, "unit")
    rules = {f["rule"] for f in result["findings"]}
    assert "suite-failures-not-listed" not in rules
    rows = {m["name"]: m["value"] for m in result["measurements"]}
    failed = rows["failures"] or rows["errors"] or rows["tests run"] < 1  # ant: all skipped
    expected = "fail" if failed else "pass"
    assert result["status"] == expected, (name, result["summary"])


@pytest.mark.parametrize(
    ("suite", "rule"),
    [
        ('tests="5" failures="0" errors="0"', "suite-counts-disagree"),  # cases cut away
        ('tests="2" failures="0" errors="0"', None),
        ('tests="2" failures="1" errors="0"', "suite-failures-not-listed"),
    ],
)
def test_declared_tests_must_be_the_cases_it_holds(
    tmp_path: Path, suite: str, rule: str | None
) -> None:
    xml = f'<testsuite name="s" {suite}><testcase name="a"/><testcase name="b"/></testsuite>'
    (tmp_path / "j.xml").write_text(xml)
    _checklist(tmp_path, "  unit: {type: tests, junit: j.xml}\n")
    code, report = _run(tmp_path)
    result = gate(report, "unit")
    assert [f["rule"] for f in result["findings"]] == ([rule] if rule else [])
    assert (code, result["status"]) == ((1, "fail") if rule else (0, "pass"))


def test_two_tests_with_one_title_are_two_tests_not_a_rerun(tmp_path: Path) -> None:
    """Vitest and Jest allow duplicate titles: the passing copy must not hide the failing one."""
    xml = """<testsuites><testsuite name="src/cart.test.ts" tests="2" failures="1" errors="0">
      <testcase classname="src/cart.test.ts" name="cart adds"><failure message="boom"/></testcase>
      <testcase classname="src/cart.test.ts" name="cart adds"/>
    </testsuite></testsuites>"""
    (tmp_path / "j.xml").write_text(xml)
    _checklist(tmp_path, "  unit: {type: tests, junit: j.xml}\n")
    code, report = _run(tmp_path)
    result = gate(report, "unit")
    assert code == 1 and result["status"] == "fail"
    assert [f["rule"] for f in result["findings"]] == ["test-failed"]
    rows = {m["name"]: m["value"] for m in result["measurements"]}
    assert rows["tests"] == 2


@pytest.mark.parametrize("value", ["inf", "-1", "1e400", "NaN", "many"])
def test_impossible_declared_count_is_a_clean_error(tmp_path: Path, value: str) -> None:
    xml = f'<testsuite name="s" tests="1" failures="{value}"><testcase name="a"/></testsuite>'
    (tmp_path / "j.xml").write_text(xml)
    _checklist(tmp_path, "  unit: {type: tests, junit: j.xml}\n")
    code, report = _run(tmp_path)
    result = gate(report, "unit")
    assert code == 1 and result["status"] == "error"
    assert "impossible" in result["error"] and "Overflow" not in result["error"]

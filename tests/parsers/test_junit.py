"""JUnit parser: every real corpus file, real pytest output, reruns, and hostile input."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from gates.errors import InputError
from gates.parsers import junit
from tests.conftest import CORPUS

JUNIT = CORPUS / "junit"

# (tests, failures, errors, skipped) as each file's producer stated them: read from the root
# <testsuites>/<testsuite> attributes, or the sum of the suites' attributes where the root
# has none (checked against the XML below by test_expected_table_matches_file_attributes).
EXPECTED = {
    "ant-junit-TEST-java-properties-skipped.xml": (1, 0, 0, 1),
    "jest-junit-34-tests-multi-suite.xml": (34, 0, 0, 0),
    "jest-junit-suite-name-undefined.xml": (4, 0, 0, 0),
    "phpunit-nested-testsuites-errors.xml": (5, 0, 2, 0),
    "playwright-junit-screenshot-diff-failure-windows-paths.xml": (1, 1, 0, 0),
    "playwright-junit-setup-project-1-failure.xml": (11, 1, 0, 0),
    "pytest-hypothesis-properties-testsuites-wrapper.xml": (7, 0, 0, 0),
    "pytest-selenium-errors-failures-skipped.xml": (22, 2, 2, 1),
    "surefire-3.0.2-TEST-spring-demo-pass.xml": (1, 0, 0, 0),
    "vitest-junit-skipped.xml": (20, 0, 0, 2),
}


def _stated(path: Path) -> tuple[int, int, int, int]:
    """The producer's own counts, read with the stdlib parser (independent of gates)."""
    root = ElementTree.parse(path).getroot()
    keys = ("tests", "failures", "errors", "skipped")
    suites = [root] if root.tag == "testsuite" else list(root.findall("testsuite"))
    return tuple(  # type: ignore[return-value]
        sum(int(s.get(k, "0")) for s in suites) for k in keys
    )


def test_every_corpus_file_is_in_the_table() -> None:
    assert sorted(p.name for p in JUNIT.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_expected_table_matches_file_attributes(name: str) -> None:
    assert _stated(JUNIT / name) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_counts_equal_what_the_producer_reports(name: str) -> None:
    run = junit.load(JUNIT / name)
    tests, failures, errors, skipped = EXPECTED[name]
    assert (run.tests, run.failures, run.errors, run.skipped) == (tests, failures, errors, skipped)
    assert run.passed == tests - failures - errors - skipped
    assert run.mismatches == ()
    assert len([p for p in run.problems if p.outcome in ("failed", "error")]) == failures + errors


def test_playwright_failure_location_from_message() -> None:
    run = junit.load(JUNIT / "playwright-junit-screenshot-diff-failure-windows-paths.xml")
    (case,) = run.problems
    assert (case.file, case.line) == ("uiComponents.spec.ts", 42)  # the failing expect
    assert "Screenshot comparison failed" in case.output
    run = junit.load(JUNIT / "playwright-junit-setup-project-1-failure.xml")
    (case,) = run.problems
    assert case.file == "features/user/userFunction.spec.js"  # Windows classname normalised
    assert case.line == 30  # innermost frame in the spec file


def test_phpunit_nested_suites_keep_file_and_line_of_each_error() -> None:
    run = junit.load(JUNIT / "phpunit-nested-testsuites-errors.xml")
    assert [(p.outcome, p.line) for p in run.problems] == [("error", 20), ("error", 26)]
    assert all(
        p.file and p.file.endswith("tests/functional/SeleniumTest.php") for p in run.problems
    )
    assert "Could not connect to the Selenium RC server" in run.problems[0].message


def test_pytest_failure_line_from_traceback() -> None:
    run = junit.load(JUNIT / "pytest-selenium-errors-failures-skipped.xml")
    sample = next(p for p in run.problems if p.name == "test_addition[3-6]")
    assert (sample.file, sample.line, sample.outcome) == ("test_sample.py", 41, "failed")
    assert sample.message == "assert (3 + 2) == 6"


# --- real pytest -------------------------------------------------------------------------

SAMPLE_TESTS = """
import pytest

def test_ok():
    assert 1 + 1 == 2

def test_fails():
    value = 3
    assert value == 4, "three is not four"

@pytest.fixture
def broken():
    raise RuntimeError("fixture exploded")

def test_errors(broken):
    pass

@pytest.mark.skip(reason="not today")
def test_skipped():
    pass

@pytest.mark.xfail(reason="known bug")
def test_xfail():
    assert False

@pytest.mark.parametrize("text", ["</script><script>alert(1)</script>"])
def test_hostile_name(text):
    assert text == "safe"
"""


def _run_pytest(tmp_path: Path, family: str) -> tuple[Path, str]:
    (tmp_path / "test_sample.py").write_text(SAMPLE_TESTS)
    out = tmp_path / f"junit-{family}.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={out}",
            "-o",
            f"junit_family={family}",
            "test_sample.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return out, proc.stdout


def _pytest_summary(stdout: str) -> dict[str, int]:
    line = [ln for ln in stdout.splitlines() if re.search(r"\d+ (passed|failed)", ln)][-1]
    return {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", line)}


@pytest.mark.parametrize("family", ["xunit1", "xunit2"])
def test_real_pytest_junit_matches_pytest_summary(tmp_path: Path, family: str) -> None:
    path, stdout = _run_pytest(tmp_path, family)
    summary = _pytest_summary(stdout)  # e.g. 2 failed, 1 passed, 1 skipped, 1 xfailed, 1 error
    run = junit.load(path)
    assert run.failures == summary["failed"] == 2
    assert run.errors == summary["error"] == 1
    assert run.passed == summary["passed"]
    assert run.skipped == summary["skipped"] + summary["xfailed"]
    assert run.tests == sum(summary.values())
    assert run.mismatches == ()
    failed = next(p for p in run.problems if p.name == "test_fails")
    assert failed.file == "test_sample.py"
    assert failed.line == 9  # the assert line of test_fails, from the file or the traceback
    assert "three is not four" in failed.message
    hostile = next(p for p in run.problems if "script" in p.name)
    assert hostile.name == "test_hostile_name[</script><script>alert(1)</script>]"
    error = next(p for p in run.problems if p.outcome == "error")
    assert "fixture exploded" in error.output


# --- reruns ------------------------------------------------------------------------------

SUREFIRE_RERUNS = b"""<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="com.example.FlakyTest" tests="3" failures="1" errors="0" skipped="0">
  <testcase name="eventuallyPasses" classname="com.example.FlakyTest" time="0.1">
    <flakyFailure message="expected 1 but was 2" type="AssertionError">trace</flakyFailure>
  </testcase>
  <testcase name="alwaysFails" classname="com.example.FlakyTest" time="0.1">
    <failure message="boom" type="java.lang.AssertionError">trace</failure>
    <rerunFailure message="boom" type="java.lang.AssertionError">trace</rerunFailure>
    <rerunFailure message="boom" type="java.lang.AssertionError">trace</rerunFailure>
  </testcase>
  <testcase name="passes" classname="com.example.FlakyTest" time="0.1"/>
</testsuite>
"""

# pytest-rerunfailures >= 16.6.1 writes one <testcase> per attempt.
PYTEST_RERUNS = b"""<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest"
 errors="0" failures="1" skipped="0" tests="6">
<testcase classname="test_r" name="test_flaky" file="test_r.py" line="3" time="0.01"/>
<testcase classname="test_r" name="test_flaky" file="test_r.py" line="3" time="0.01"/>
<testcase classname="test_r" name="test_always" file="test_r.py" line="7" time="0.01"/>
<testcase classname="test_r" name="test_always" file="test_r.py" line="7" time="0.01">
<failure message="assert False">test_r.py:8: AssertionError</failure></testcase>
<testcase classname="test_r" name="test_plain" file="test_r.py" line="10" time="0.01"/>
<testcase classname="test_r" name="test_other" file="test_r.py" line="12" time="0.01"/>
</testsuite></testsuites>"""


def test_surefire_flaky_and_rerun_failures() -> None:
    run = junit.parse(SUREFIRE_RERUNS, "surefire.xml")
    assert (run.tests, run.passed, run.failures, run.flaky, run.reruns) == (3, 2, 1, 1, 3)
    flaky = next(p for p in run.problems if p.outcome == "flaky")
    assert flaky.name == "eventuallyPasses" and flaky.message == "expected 1 but was 2"
    failed = next(p for p in run.problems if p.outcome == "failed")
    assert failed.attempts == 3


def test_pytest_rerun_attempts_fold_into_one_test() -> None:
    run = junit.parse(PYTEST_RERUNS, "reruns.xml")
    assert (run.tests, run.passed, run.failures, run.flaky, run.reruns) == (4, 3, 1, 1, 2)
    assert run.mismatches == ("tests=6 stated, 4 counted from testcases",)
    failed = next(p for p in run.problems if p.outcome == "failed")
    assert (failed.name, failed.line, failed.attempts) == ("test_always", 8, 2)  # traceback


def test_merge_sums_files() -> None:
    runs = [junit.load(JUNIT / name) for name in sorted(EXPECTED)]
    total = junit.merge(runs)
    assert total.tests == sum(v[0] for v in EXPECTED.values())
    assert total.failures == sum(v[1] for v in EXPECTED.values())
    assert len(total.files) == len(EXPECTED)


def test_fifty_thousand_testcases_count_exactly() -> None:
    parts = ['<?xml version="1.0"?><testsuites>']
    for suite in range(500):
        parts.append(f'<testsuite name="s{suite}" tests="100">')
        for case in range(100):
            body = '<failure message="x">f.py:3: E</failure>' if case == 0 else ""
            parts.append(
                f'<testcase classname="m{suite}" name="t{case}" time="0.001">{body}</testcase>'
            )
        parts.append("</testsuite>")
    parts.append("</testsuites>")
    run = junit.parse("".join(parts).encode(), "big.xml")
    assert (run.tests, run.failures, run.passed) == (50_000, 500, 49_500)
    assert run.mismatches == ()


# --- hostile input -----------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<testsuite name="&lol3;" tests="1"><testcase name="a"/></testsuite>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE t [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<testsuite name="x" tests="1"><testcase name="&xxe;"/></testsuite>"""

HOSTILE = {
    "empty": b"",
    "blank": b"  \n\n",
    "truncated": b'<?xml version="1.0"?><testsuites><testsuite name="a" tests="1"><testcase na',
    "binary": bytes(range(256)) * 4,
    "latin1": '<testsuite name="caf\xe9"><testcase name="\xe9"/></testsuite>'.encode("latin-1"),
    "billion-laughs": BILLION_LAUGHS,
    "external-entity": EXTERNAL,
    "not-junit": b"<html><body>hello</body></html>",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_input_is_one_clean_input_error(kind: str, tmp_path: Path) -> None:
    path = tmp_path / f"{kind}.xml"
    path.write_bytes(HOSTILE[kind])
    with pytest.raises(InputError) as info:
        junit.load(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    assert "root:" not in message  # /etc/passwd content never read


def test_missing_file_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        junit.load(tmp_path / "nope.xml")


def test_doctype_without_entities_is_accepted() -> None:
    data = b'<!DOCTYPE testsuite><testsuite tests="1"><testcase name="a"/></testsuite>'
    assert junit.parse(data, "doctype.xml").tests == 1

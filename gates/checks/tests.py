"""``tests``: JUnit XML from any producer; failures, errors, too few tests and flaky reruns.

Example::

    tests:
      type: tests
      run: python -m pytest -q --junitxml=reports/raw/pytest.xml   # optional
      junit: [reports/raw/*.xml]        # globs, inside the project
      min_tests: 50                     # default 1
      max_skipped: 10                   # optional; default: skipped tests only shown
      fail_on_flaky: false              # a test that passed only on a rerun is a warning

How it decides:

* no file matches the globs, a file is empty, truncated, binary, not UTF-8 or holds entities →
  ``error`` naming the file (nothing to judge, so nothing passes);
* **zero test cases** across all files → ``error``: an empty report is missing evidence (a
  collection crash, a wrong glob, a runner that wrote a stub), not a test result;
* fewer than ``min_tests`` tests *run* (not skipped) → ``fail`` (the ``tests run`` measurement);
  a suite that skipped everything therefore fails;
* every failed or errored case → a blocking finding (``test-failed`` / ``test-error``) at the
  test's file and line where the XML tells them; waivable by the test's name;
* a ``<testsuite>`` whose ``failures`` + ``errors`` attributes exceed the failure/error marks of
  the cases it lists → a blocking ``suite-failures-not-listed`` finding naming the suite and file
  (a suite that crashed before its tests is often reported only in those attributes);
* any other ``<testsuite>`` whose declared ``tests``, ``failures`` or ``errors`` is not what its
  test cases hold (``tests`` = its ``<testcase>`` elements, ``failures``/``errors`` = the cases
  holding a ``<failure>``/``<error>``, nested suites included) → a blocking
  ``suite-counts-disagree`` finding: the file was edited or cut, its counts cannot both be right;
* a declared count that is impossible (``failures="inf"``, ``-1``) → ``error``;
* two test cases with one name are two tests (Vitest and Jest allow duplicate titles); only what
  the producer marks as a rerun is one: Surefire's ``flakyFailure``/``rerunFailure``, and
  pytest-rerunfailures' consecutive attempts in pytest's own suite;
* a flaky case (passed after failed attempts) → a ``test-flaky`` finding, blocking only with
  ``fail_on_flaky``.

With ``run:`` the command runs first and only JUnit files it (re)wrote are judged (files left
from an earlier run are ignored and listed). A non-zero exit is expected when tests fail; a
non-zero exit with no failure or error in the JUnit is ``error`` (the runner crashed after or
outside the tests), and a run that wrote no JUnit file is ``error``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from gates.checks.base import Check, GateContext, GateOutcome, Rule, RunOptionsBase, StrList
from gates.errors import InputError
from gates.fingerprint import fingerprint
from gates.measure import compare, shown
from gates.model import Finding, Location, Severity

if TYPE_CHECKING:  # the parser is imported when a gate runs, not by `gates validate`
    from gates.parsers.junit import SuiteDisagreement, TestRun, UnlistedSuite
    from gates.parsers.junit_cases import CaseResult

RULES = (
    Rule(
        "test-failed",
        Severity.HIGH,
        "Test failed",
        "A test's assertion failed in this run.",
        "Fix the code or the test; the finding shows the message and output.",
    ),
    Rule(
        "test-error",
        Severity.HIGH,
        "Test errored",
        "A test could not run to its assertions (setup, teardown or an unexpected exception).",
        "Read the error output; fix the fixture, environment or code that raised.",
    ),
    Rule(
        "suite-failures-not-listed",
        Severity.HIGH,
        "Suite failures not listed as test cases",
        "A <testsuite> declares more failures or errors in its attributes than its <testcase> "
        "elements hold: the suite crashed before or outside its tests (a Jest/Vitest file that "
        "failed to import, a Surefire fork crash) and only its attributes say so.",
        "Run the suite locally and read its log: fix the import, setup or crash that stopped it.",
    ),
    Rule(
        "suite-counts-disagree",
        Severity.HIGH,
        "Suite counts disagree with its test cases",
        "A <testsuite> declares tests, failures or errors that its <testcase> elements do not "
        "hold: the file was edited, merged or cut, and its counts cannot both be right.",
        "Regenerate the JUnit file with the test runner; do not edit or concatenate it by hand.",
    ),
    Rule(
        "test-flaky",
        Severity.LOW,
        "Flaky test",
        "A test passed only after one or more failed attempts (rerun/retry).",
        "Find the nondeterminism (timing, ordering, shared state) and remove it.",
    ),
)


class TestsOptions(RunOptionsBase):
    """Options of the ``tests`` gate."""

    __test__ = False

    type: Literal["tests"] = "tests"
    junit: StrList = Field(description="Globs of JUnit XML files, inside the project")
    min_tests: int = Field(default=1, ge=1, description="Fewest tests that must run (not skipped)")
    max_skipped: int | None = Field(
        default=None, ge=0, description="Most skipped tests allowed; unset: skipped are only shown"
    )
    fail_on_flaky: bool = Field(
        default=False, description="A test that passed only after a rerun blocks the gate"
    )


def evaluate(options: TestsOptions, ctx: GateContext) -> GateOutcome:
    """Run ``run:`` if given, read the JUnit files, and judge them."""
    from gates.parsers import junit

    before = _snapshot(ctx, options.junit)
    run = None
    if options.run is not None:
        run = ctx.run(options.run, shell=options.shell, cwd=options.cwd)
    paths = ctx.glob(options.junit)
    stale: list[Path] = []
    if run is not None:
        stale = [p for p in paths if before.get(p) == _stamp(p)]
        paths = [p for p in paths if p not in stale]
    if not paths:
        globs = ", ".join(options.junit)
        if run is not None:
            return GateOutcome.failed_closed(
                f"`run` ({run.describe_exit}) wrote no JUnit file matching {globs}"
                + (f" ({len(stale)} stale file(s) from an earlier run ignored)" if stale else "")
            )
        return GateOutcome.failed_closed(f"no JUnit files matched {globs}")
    runs = []
    for path in paths:
        ctx.record(path)
        runs.append(junit.load(path, name=_rel(ctx, path)))
    total = junit.merge(runs)
    details = _details(total, stale, ctx)
    if run is not None:
        details["exit_code"] = run.returncode
    if total.tests == 0:
        return GateOutcome.failed_closed(
            f"0 test cases in {len(runs)} JUnit file(s): no evidence that anything was tested",
            details=details,
            measurements=_measurements(total, options),
        )
    if run is not None and run.returncode != 0 and not (total.failures or total.errors):
        return GateOutcome.failed_closed(
            f"`run` ended with {run.describe_exit} but its JUnit shows no failure or error "
            f"({total.tests} tests): the runner failed outside the tests; see the log",
            details=details,
            measurements=_measurements(total, options),
        )
    findings = [finding(case, options, ctx.root) for case in total.problems]
    findings += [unlisted_finding(suite, run.name) for run in total.files for suite in run.unlisted]
    findings += [
        disagreement_finding(item, run.name) for run in total.files for item in run.disagreements
    ]
    return GateOutcome(
        summary=_summary(total),
        measurements=_measurements(total, options),
        findings=findings,
        details=details,
    )


def _measurements(total: TestRun, options: TestsOptions) -> list[Any]:
    ran = total.tests - total.skipped
    rows = [
        shown("tests", total.tests, message=f"{total.tests} test cases in the JUnit files"),
        compare(
            "tests run",
            ran,
            ">=",
            options.min_tests,
            message=f"{ran} tests ran (not skipped); at least {options.min_tests} required",
        ),
        shown("failures", total.failures),
        shown("errors", total.errors),
    ]
    if options.max_skipped is None:
        rows.append(shown("skipped", total.skipped))
    else:
        rows.append(compare("skipped", total.skipped, "<=", options.max_skipped))
    rows.append(
        shown(
            "flaky",
            total.flaky,
            message=f"{total.flaky} passed after a rerun; {total.reruns} reruns in all",
        )
    )
    return rows


def finding(case: CaseResult, options: TestsOptions, root: Path) -> Finding:
    """The finding for one failed, errored or flaky case (pure)."""
    rule = {"failed": "test-failed", "error": "test-error"}.get(case.outcome, "test-flaky")
    flaky = rule == "test-flaky"
    path = _project_path(case.file, root) if case.file else None
    location = Location(path, case.line) if path else None
    title = case.title
    message = f"{title}: {case.message}" if case.message else title
    return Finding(
        rule=rule,
        severity=Severity.LOW if flaky else Severity.HIGH,
        message=message,
        location=location,
        fingerprint=fingerprint(rule, path or "", "", case.classname, case.name),
        blocks=options.fail_on_flaky if flaky else True,
        title=next(r.title for r in RULES if r.id == rule),
        data={
            "test": title,
            "classname": case.classname,
            "name": case.name,
            "suite": case.suite,
            "output": case.output,
            "time_s": case.time,
            "attempts": case.attempts,
        },
    )


def unlisted_finding(suite: UnlistedSuite, file: str) -> Finding:
    """The blocking finding for a suite declaring failures/errors it does not list (pure)."""
    rule = "suite-failures-not-listed"
    return Finding(
        rule=rule,
        severity=Severity.HIGH,
        message=(
            f"suite {suite.suite!r} in {file} declares {suite.declared} failures/errors but "
            f"its test cases list {suite.listed}: {suite.unlisted} not listed (the suite "
            "crashed before its tests?)"
        ),
        location=Location(file),
        fingerprint=fingerprint(rule, file, "", suite.suite),
        blocks=True,
        title=next(r.title for r in RULES if r.id == rule),
        data={
            "suite": suite.suite,
            "file": file,
            "declared": suite.declared,
            "listed": suite.listed,
            "unlisted": suite.unlisted,
        },
    )


def disagreement_finding(item: SuiteDisagreement, file: str) -> Finding:
    """The blocking finding for a suite whose declared count its cases do not hold (pure)."""
    rule = "suite-counts-disagree"
    return Finding(
        rule=rule,
        severity=Severity.HIGH,
        message=(
            f"suite {item.suite!r} in {file} declares {item.key}={item.declared} but its test "
            f"cases hold {item.counted}"
        ),
        location=Location(file),
        fingerprint=fingerprint(rule, file, item.key, item.suite),
        blocks=True,
        title=next(r.title for r in RULES if r.id == rule),
        data={
            "suite": item.suite,
            "file": file,
            "key": item.key,
            "declared": item.declared,
            "counted": item.counted,
        },
    )


def _project_path(file: str, root: Path) -> str:
    """A project-relative path for an absolute one under the root; otherwise as given."""
    if Path(file).is_absolute():
        try:
            rel = Path(file).resolve().relative_to(root.resolve())
        except ValueError:
            return file
        return rel.as_posix()
    return file


def _summary(total: TestRun) -> str:
    parts = [f"{total.tests} tests", f"{total.passed} passed"]
    for count, word in (
        (total.failures, "failed"),
        (total.errors, "errors"),
        (total.skipped, "skipped"),
        (total.flaky, "flaky"),
    ):
        if count:
            parts.append(f"{count} {word}")
    return ", ".join(parts)


def _details(total: TestRun, stale: list[Path], ctx: GateContext) -> dict[str, Any]:
    return {
        "files": [
            {
                "file": r.name,
                "tests": r.tests,
                "passed": r.passed,
                "failures": r.failures,
                "errors": r.errors,
                "skipped": r.skipped,
                "flaky": r.flaky,
                "reruns": r.reruns,
                "time_s": r.time,
                "declared": r.declared,
                "mismatches": list(r.mismatches),
            }
            for r in total.files
        ],
        "mismatches": list(total.mismatches),
        "stale_files_ignored": [_rel(ctx, p) for p in stale],
    }


def _snapshot(ctx: GateContext, globs: list[str]) -> dict[Path, tuple[int, int] | None]:
    try:
        return {p: _stamp(p) for p in ctx.glob(globs)}
    except InputError:
        return {}


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def _rel(ctx: GateContext, path: Path) -> str:
    try:
        return path.resolve().relative_to(ctx.root.resolve()).as_posix()
    except ValueError:
        return str(path)


CHECK = Check(
    type="tests",
    options=TestsOptions,
    evaluate=evaluate,
    rules=RULES,
    summary="JUnit XML: failures, errors, zero tests, fewer than min_tests, flaky reruns",
)

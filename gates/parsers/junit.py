"""JUnit XML from any producer → :class:`TestRun` (counts per file, failed cases, reruns).

Producers read (real files in ``tests/corpus/junit``, see its MANIFEST.md): pytest
``--junitxml`` (xunit1 and xunit2 families, ``<testsuites>`` wrapper), Vitest, jest-junit,
Playwright, Maven Surefire 3 (``TEST-*.xml``, bare ``<testsuite>`` root), Ant, PHPUnit (nested
``<testsuite>`` elements). Counts come from the ``<testcase>`` elements, never from the suites'
``tests=``/``failures=`` attributes (those are only compared, and a difference is noted in
:attr:`TestRun.mismatches`). One difference is more than a note: a ``<testsuite>`` declaring more
``failures`` + ``errors`` than its own testcases (and nested suites) hold failure or error marks
(every rerun attempt counted) lists them in :attr:`TestRun.unlisted`: a suite that crashed before
its tests (a Jest/Vitest file that failed to import, a Surefire fork crash) is often reported only
in those attributes.

A test case is

* **failed** when it holds ``<failure>``, **errored** when it holds ``<error>`` (pytest puts both
  in one case when a test fails and its teardown errors, and counts it in both, as here);
* **skipped** when it holds ``<skipped>`` and neither of the above;
* **passed** otherwise.

Reruns: Surefire's ``<flakyFailure>``/``<flakyError>`` in a passing case mark it flaky;
``<rerunFailure>``/``<rerunError>`` beside a ``<failure>`` count its extra failed attempts.
pytest-rerunfailures writes one ``<testcase>`` per attempt (consecutive cases with the same
classname and name in pytest's own suite): those are folded into one logical test whose status
is the last attempt's; a test that passed only after reruns is flaky. Anywhere else two cases
with one name are two tests (Vitest and Jest allow duplicate titles), never a rerun.

Declared counts: a suite's ``tests``/``failures``/``errors`` that are not what its cases hold
(``<testcase>`` elements; cases holding ``<failure>``/``<error>``; nested suites included) are
:attr:`TestRun.disagreements`; an impossible declared count (``inf``, ``-1``) is an
``InputError``. pytest-rerunfailures' newer
``<flakyFailure>`` output is read the Surefire way.

Where a case's file and line come from: the ``file``/``line`` attributes (pytest xunit1,
PHPUnit), else a ``classname`` that is itself a path (Playwright, Vitest), else a
``path:line[:col]`` in the failure text (Playwright's ``uiComponents.spec.ts:36:10``, pytest's
``tests/test_x.py:12: AssertionError``) in a file that matches the case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

from gates.errors import InputError
from gates.io.safe import read_xml_tree
from gates.parsers.junit_cases import CaseResult, case_result, parse_float

_FLAKY_TAGS = ("flakyFailure", "flakyError")
_RERUN_TAGS = ("rerunFailure", "rerunError")
_FAILURE_MARKS = frozenset({"failure", "error", *_FLAKY_TAGS, *_RERUN_TAGS})
_VOLATILE = frozenset({"time", "timestamp", "assertions"})


@dataclass(frozen=True)
class UnlistedSuite:
    """A suite whose ``failures`` + ``errors`` attributes exceed the failures its cases list."""

    suite: str
    declared: int
    """``failures`` + ``errors`` as the suite states them."""
    listed: int
    """Failure and error marks in its testcases and nested suites (rerun attempts included)."""
    unlisted: int
    """Failures/errors not listed anywhere, net of those already attributed to nested suites."""


@dataclass(frozen=True)
class SuiteDisagreement:
    """A suite whose ``tests``/``failures``/``errors`` attribute is not what its cases hold."""

    suite: str
    key: str
    """``tests``, ``failures`` or ``errors``."""
    declared: int
    counted: int
    """``<testcase>`` elements in the suite and its nested suites (``tests``), or those of them
    holding a ``<failure>`` (``failures``) or an ``<error>`` (``errors``)."""


@dataclass(frozen=True)
class TestRun:
    """One JUnit file, or several merged: counts from testcases and the cases to report."""

    __test__ = False  # not a pytest test class, despite its name

    name: str
    tests: int = 0
    """Logical test cases (rerun attempts folded into one)."""
    passed: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    flaky: int = 0
    """Passed, but only after failed attempts."""
    reruns: int = 0
    """Extra attempts across all cases."""
    time: float = 0.0
    problems: tuple[CaseResult, ...] = ()
    """Failed and errored cases, then flaky ones, in file order."""
    declared: dict[str, int] = field(default_factory=dict)
    """Counts the file's own root attributes state (``tests``, ``failures``...), where present."""
    mismatches: tuple[str, ...] = ()
    """Where the declared counts differ from the testcases, in words."""
    unlisted: tuple[UnlistedSuite, ...] = ()
    """Suites declaring more failures/errors than they list (crashed before their tests)."""
    disagreements: tuple[SuiteDisagreement, ...] = ()
    """Other suites whose declared counts are not what their cases hold (not in ``unlisted``)."""
    files: tuple[TestRun, ...] = ()
    """Per-file runs when this one merges several."""


@dataclass
class _Tally:
    tests: int = 0
    passed: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    flaky: int = 0
    reruns: int = 0
    time: float = 0.0
    problems: list[CaseResult] = field(default_factory=list)
    unlisted: list[UnlistedSuite] = field(default_factory=list)
    disagreements: list[SuiteDisagreement] = field(default_factory=list)


def load(path: Path, *, name: str | None = None) -> TestRun:
    """Read and parse one JUnit XML file (streamed, size cap, entities refused)."""
    return _parse(path, name or str(path))


def parse(data: bytes, name: str) -> TestRun:
    """Parse JUnit XML bytes; anything that is not JUnit XML raises :class:`InputError`."""
    return _parse(data, name)


def _parse(source: Path | bytes, name: str) -> TestRun:
    try:
        return _parse_tree(read_xml_tree(source, name), name)
    except _ImpossibleCount as exc:
        raise InputError(
            f"{name}: a suite declares the count {str(exc)[:40]!r}, which is impossible; "
            "the file is malformed"
        ) from None


def _parse_tree(root: Element, name: str) -> TestRun:
    tag = _local(root.tag)
    if tag not in ("testsuites", "testsuite", "testcase"):
        raise InputError(f"{name}: not JUnit XML (root element <{tag}>)")
    tally = _Tally()
    if tag == "testcase":
        _walk_cases([root], "", tally, fold=False)
    else:
        _walk_suite(root, tally)
    declared = _declared(root)
    run = TestRun(
        name=name,
        tests=tally.tests,
        passed=tally.passed,
        failures=tally.failures,
        errors=tally.errors,
        skipped=tally.skipped,
        flaky=tally.flaky,
        reruns=tally.reruns,
        time=round(tally.time, 3),
        problems=tuple(tally.problems),
        declared=declared,
        unlisted=tuple(tally.unlisted),
        disagreements=tuple(tally.disagreements),
    )
    return TestRun(**{**run.__dict__, "mismatches": _mismatches(run)})


def merge(runs: list[TestRun], name: str = "total") -> TestRun:
    """Sum several files' runs; the parts stay in :attr:`TestRun.files`."""
    return TestRun(
        name=name,
        tests=sum(r.tests for r in runs),
        passed=sum(r.passed for r in runs),
        failures=sum(r.failures for r in runs),
        errors=sum(r.errors for r in runs),
        skipped=sum(r.skipped for r in runs),
        flaky=sum(r.flaky for r in runs),
        reruns=sum(r.reruns for r in runs),
        time=round(sum(r.time for r in runs), 3),
        problems=tuple(p for r in runs for p in r.problems),
        mismatches=tuple(f"{r.name}: {m}" for r in runs for m in r.mismatches),
        unlisted=tuple(u for r in runs for u in r.unlisted),
        disagreements=tuple(d for r in runs for d in r.disagreements),
        files=tuple(runs),
    )


def _local(tag: str) -> str:
    """``testcase`` from ``testcase``, ``j:testcase`` (expat, no namespace processing) or
    ``{uri}testcase`` (ElementTree)."""
    try:
        return _LOCAL[tag]
    except KeyError:
        local = tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]
        if len(_LOCAL) < 256:  # a file has a handful of distinct tags
            _LOCAL[tag] = local
        return local


_LOCAL: dict[str, str] = {}


@dataclass
class _Subtree:
    """What a suite and its nested suites hold."""

    marks: int = 0
    """Failure and error marks of its cases (rerun attempts included)."""
    gap: int = 0
    """Declared failures/errors beyond the marks, already attributed to a suite inside."""
    cases: int = 0
    failed: int = 0
    errored: int = 0


def _walk_suite(suite: Element, tally: _Tally) -> _Subtree:
    """Count this suite's own testcases, then recurse into nested suites (PHPUnit).

    A suite whose declared failures/errors exceed the marks of its subtree (beyond what nested
    suites already explain) goes to ``tally.unlisted``; any other declared ``tests``,
    ``failures`` or ``errors`` that is not what its subtree holds goes to
    ``tally.disagreements``.
    """
    suite_name = suite.get("name", "")
    cases: list[Element] = []
    inside = _Subtree()
    for child in suite:
        tag = _local(child.tag) if isinstance(child.tag, str) else ""
        if tag == "testcase":
            cases.append(child)
        elif tag == "testsuite":
            nested = _walk_suite(child, tally)
            inside.marks += nested.marks
            inside.gap += nested.gap
            inside.cases += nested.cases
            inside.failed += nested.failed
            inside.errored += nested.errored
    _walk_cases(cases, suite_name, tally, fold=_is_pytest(suite_name, cases))
    for case in cases:
        if not len(case):  # no child element: no mark, neither failed nor errored
            inside.cases += 1
            continue
        tags = {_local(m.tag) for m in case if isinstance(m.tag, str)}
        inside.marks += sum(
            1 for m in case if isinstance(m.tag, str) and _local(m.tag) in _FAILURE_MARKS
        )
        inside.cases += 1
        inside.failed += "failure" in tags
        inside.errored += "error" in tags
    stated = {k: _count_attr(suite.get(k)) for k in ("tests", "failures", "errors")}
    if stated["failures"] is None and stated["errors"] is None:
        _disagreements(suite_name, stated, inside, tally)
        return inside
    declared = (stated["failures"] or 0) + (stated["errors"] or 0)
    gap = declared - inside.marks
    if gap > inside.gap:
        tally.unlisted.append(
            UnlistedSuite(suite_name or "(unnamed suite)", declared, inside.marks, gap - inside.gap)
        )
        inside.gap = gap
        return inside
    _disagreements(suite_name, stated, inside, tally)
    return inside


def _disagreements(
    suite_name: str, stated: dict[str, int | None], inside: _Subtree, tally: _Tally
) -> None:
    counted = {"tests": inside.cases, "failures": inside.failed, "errors": inside.errored}
    for key, value in stated.items():
        if key != "tests" and inside.gap > 0:
            continue  # the failures/errors a nested suite does not list: reported there, once
        if value is not None and value != counted[key]:
            tally.disagreements.append(
                SuiteDisagreement(suite_name or "(unnamed suite)", key, value, counted[key])
            )


def _is_pytest(suite_name: str, cases: list[Element]) -> bool:
    """pytest's suite (``name="pytest"``, or xunit1 ``file="….py"`` cases): there, and only
    there, consecutive cases with one identity are rerun attempts (pytest-rerunfailures writes
    one ``<testcase>`` per attempt; pytest node ids are unique)."""
    if suite_name == "pytest":
        return True
    return any((c.get("file") or "").endswith(".py") for c in cases[:5])


def _walk_cases(cases: list[Element], suite_name: str, tally: _Tally, *, fold: bool) -> None:
    """Count each case; with ``fold`` (pytest), consecutive cases of one identity are one test's
    rerun attempts. Elsewhere two cases with one name are two tests (Vitest and Jest allow
    duplicate titles), never a rerun: only what the producer marks as a rerun is one."""
    index = 0
    count = len(cases)
    passed = 0
    time = 0.0
    while index < count:
        case = cases[index]
        end = index + 1
        if fold and end < count and cases[end].get("name") == (name := case.get("name")):
            key = _identity(case)
            while end < count and cases[end].get("name") == name and _identity(cases[end]) == key:
                end += 1
        elif not len(case):  # the common case, a plain pass: counted here, no call
            passed += 1
            raw = case.get("time")
            if raw is not None:
                try:
                    time += float(raw)
                except ValueError:
                    time += parse_float(raw) or 0.0
            index = end
            continue
        _count(cases[index:end], suite_name, tally)
        index = end
    tally.tests += passed
    tally.passed += passed
    tally.time += time


def _identity(case: Element) -> tuple[tuple[str, str], ...]:
    """Attributes naming a case (all but timings): equal for rerun attempts of one test."""
    return tuple(sorted((k, v) for k, v in case.attrib.items() if k not in _VOLATILE))


def _count(attempts: list[Element], suite_name: str, tally: _Tally) -> None:
    case = attempts[-1]
    tally.tests += 1
    if len(attempts) == 1 and len(case) == 0:  # the common case: a plain pass
        tally.time += parse_float(case.get("time")) or 0.0
        tally.passed += 1
        return
    for attempt in attempts:
        tally.time += parse_float(attempt.get("time")) or 0.0
    children: dict[str, list[Element]] = {}
    for child in case:
        if isinstance(child.tag, str):
            children.setdefault(_local(child.tag), []).append(child)
    failed = "failure" in children
    errored = "error" in children
    marks = [m for t in (*_FLAKY_TAGS, *_RERUN_TAGS) for m in children.get(t, [])]
    extra = len(attempts) - 1 + len(marks)
    tally.reruns += extra
    if failed or errored:
        tally.failures += failed
        tally.errors += errored
        outcome = "error" if errored and not failed else "failed"
        marker = children["failure" if failed else "error"][0]
        tally.problems.append(case_result(case, suite_name, outcome, marker, children, extra + 1))
    elif "skipped" in children:
        tally.skipped += 1
    else:
        tally.passed += 1
        if extra:
            tally.flaky += 1
            tally.problems.append(
                case_result(
                    case, suite_name, "flaky", marks[0] if marks else None, children, extra + 1
                )
            )


def _declared(root: Element) -> dict[str, int]:
    """The root's stated counts, or the sum over its direct ``<testsuite>`` children."""
    keys = ("tests", "failures", "errors", "skipped")
    if _local(root.tag) == "testcase":
        return {}
    own = {k: _count_attr(root.get(k)) for k in keys}
    if any(v is not None for v in own.values()):
        return {k: v for k, v in own.items() if v is not None}
    summed: dict[str, int] = {}
    for child in root:
        if isinstance(child.tag, str) and _local(child.tag) == "testsuite":
            for k in keys:
                value = _count_attr(child.get(k))
                if value is not None:
                    summed[k] = summed.get(k, 0) + value
    return summed


def _mismatches(run: TestRun) -> tuple[str, ...]:
    counted = {
        "tests": run.tests,
        "failures": run.failures,
        "errors": run.errors,
        "skipped": run.skipped,
    }
    notes = []
    for key, stated in run.declared.items():
        if counted[key] != stated:
            notes.append(f"{key}={stated} stated, {counted[key]} counted from testcases")
    return tuple(notes)


class _ImpossibleCount(ValueError):
    """A declared count no producer writes (negative, not finite, not a number)."""


MAX_COUNT = 10**9
"""More test cases than any suite has: a declared count above it is not a count."""


def _count_attr(value: str | None) -> int | None:
    """A suite's declared ``tests``/``failures``/``errors``/``skipped``; ``None`` when absent or
    empty. ``inf``, ``-1``, ``1e400`` or ``many`` are impossible: the file is malformed."""
    if value is None or not value.strip():
        return None
    try:
        number = float(value.strip())
    except ValueError:
        raise _ImpossibleCount(value) from None
    if not math.isfinite(number) or number < 0 or number > MAX_COUNT:
        raise _ImpossibleCount(value)
    return int(number)

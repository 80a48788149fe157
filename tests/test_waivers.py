"""Waivers, baselines of findings and the one judgement rule, on findings built in the test."""

from __future__ import annotations

from datetime import date

from gates.checklist.model import GateSpec, Waiver
from gates.checks.base import GateOutcome
from gates.checks.command import CommandOptions
from gates.measure import compare
from gates.model import Finding, GateResult, Location, Severity, Status
from gates.run.judge import judge
from gates.run.judge import mark_new as _mark_new
from gates.waivers import apply, matches, usage

TODAY = date(2026, 11, 26)


def finding(
    rule: str = "B602",
    fp: str = "fp1",
    path: str = "app/x.py",
    blocks: bool = True,
    *,
    ids: tuple[str, ...] = (),
    always_blocks: bool = False,
    **data: object,
) -> Finding:
    return Finding(
        rule=rule,
        severity=Severity.HIGH,
        message="m",
        location=Location(path, 3),
        fingerprint=fp,
        blocks=blocks,
        data=dict(data),
        ids=ids,
        always_blocks=always_blocks,
    )


def waiver(
    match: str, expires: date = date(2027, 1, 1), paths: tuple[str, ...] = (), max_matches: int = 20
) -> Waiver:
    return Waiver(
        gate="sast",
        match=match,
        reason="r",
        owner="sec@example.com",
        expires=expires,
        paths=paths,
        max_matches=max_matches,
    )


def spec(**options: object) -> GateSpec:
    return GateSpec(
        id="sast",
        options=CommandOptions(run="x", **options),
        timeout=10,
        blocking=True,
    )


def test_waiver_matches_rule_fingerprint_advisory_id_and_paths_only_narrow() -> None:
    f = finding(ids=("GHSA-aaaa-bbbb-cccc", "CVE-2020-1"))
    assert matches(waiver("B602"), f)
    assert matches(waiver("fp1"), f)
    assert matches(waiver("CVE-2020-1"), f)
    assert matches(waiver("GHSA-aaaa-bbbb-cccc"), f)
    assert matches(waiver("B602", paths=("app/*.py",)), f)
    assert not matches(waiver("B602", paths=("lib/*.py",)), f)
    assert not matches(waiver("B603"), f)
    # a path glob is never the whole match: with no id it names nothing
    assert not matches(waiver("app/*.py"), f)
    assert not matches(waiver("*.*"), f)
    # ids in a finding's free-form data are not read: only the typed field counts
    assert not matches(waiver("CVE-1"), finding(ids=(), id="CVE-1", aliases=["CVE-1"]))


def test_waiver_matching_nothing_or_too_much_is_reported() -> None:
    many = [finding(fp=f"fp{i}") for i in range(5)]
    waivers = [waiver("B602", max_matches=3), waiver("NOPE"), waiver("B602", paths=("app/*",))]
    _, _, counts = apply(many, waivers, TODAY)
    rows = usage(waivers, counts, TODAY, ran={"sast"})
    assert [r.matched for r in rows] == [5, 0, 5]
    assert "more than max_matches 3" in rows[0].problem
    assert "matched no finding" in rows[1].problem
    assert rows[2].problem == ""
    # a waiver of a gate that did not run in this run is not called unused
    assert usage(waivers, {}, TODAY, ran=set())[1].problem == ""


def test_waived_finding_stays_visible_and_stops_blocking() -> None:
    findings, expired, used = apply([finding()], [waiver("B602")], TODAY)
    assert findings[0].waived == "B602" and not expired and used == {0: 1}
    status, _ = judge(spec(), GateOutcome(), findings, expired, baseline_given=False)
    assert status is Status.PASS


def test_expired_waiver_waives_nothing_and_names_its_owner() -> None:
    findings, expired, used = apply([finding()], [waiver("B602", date(2026, 1, 1))], TODAY)
    assert findings[0].waived is None and expired and used == {0: 1}
    status, summary = judge(spec(), GateOutcome(), findings, expired, baseline_given=False)
    assert status is Status.FAIL
    assert "expired waiver (owner sec@example.com)" in summary


def test_expired_waiver_alone_is_a_warning() -> None:
    findings, expired, _ = apply([finding(blocks=False)], [waiver("B602", date(2026, 1, 1))], TODAY)
    status, _ = judge(spec(), GateOutcome(), findings, expired, baseline_given=False)
    assert status is Status.WARN


def test_unused_waiver_is_reported() -> None:
    _, _, used = apply([finding()], [waiver("B602"), waiver("NOPE")], TODAY)
    rows = usage([waiver("B602"), waiver("NOPE")], used, TODAY)
    assert [r.used for r in rows] == [True, False]


def test_findings_are_new_or_known_against_the_baseline() -> None:
    base = GateResult(
        id="sast",
        type="sast",
        status=Status.FAIL,
        blocking=True,
        summary="",
        findings=(finding(fp="old"),),
    )
    marked = _mark_new([finding(fp="old"), finding(fp="fresh")], base, True)
    assert [f.new for f in marked] == [False, True]
    assert [f.new for f in _mark_new([finding()], None, False)] == [None]


def test_fail_on_new_only_blocks_only_new_findings_and_needs_a_baseline() -> None:
    known = [finding(fp="old")]
    base = GateResult(
        id="sast", type="sast", status=Status.FAIL, blocking=True, summary="", findings=tuple(known)
    )
    only_new = spec(fail_on_new_only=True)
    status, _ = judge(
        only_new, GateOutcome(), _mark_new(known, base, True), [], baseline_given=True
    )
    assert status is Status.PASS
    status, _ = judge(
        only_new, GateOutcome(), _mark_new([finding(fp="x")], base, True), [], baseline_given=True
    )
    assert status is Status.FAIL
    status, summary = judge(only_new, GateOutcome(), known, [], baseline_given=False)
    assert status is Status.ERROR and "needs --baseline" in summary


def test_measurements_and_errors_decide_the_status() -> None:
    failing = GateOutcome(measurements=[compare("lines", 79.95, ">=", 80, unit="%")])
    assert judge(spec(), failing, [], [], baseline_given=False)[0] is Status.FAIL
    unmeasured = GateOutcome(measurements=[compare("lines", None, ">=", 80)])
    assert judge(spec(), unmeasured, [], [], baseline_given=False)[0] is Status.ERROR
    errored = GateOutcome.failed_closed("no JUnit files matched")
    status, summary = judge(spec(), errored, [], [], baseline_given=False)
    assert status is Status.ERROR and summary == "no JUnit files matched"
    soft = GateSpec(id="s", options=CommandOptions(run="x"), timeout=1, blocking=False)
    status, summary = judge(soft, errored, [], [], baseline_given=False)
    assert status is Status.WARN and summary.startswith("non-blocking error")


def test_warn_band_near_a_threshold() -> None:
    near = compare("lcp", 2540, "<=", 2500, unit="ms", warn_within=0.05)
    assert near.status is Status.WARN
    far = compare("lcp", 3000, "<=", 2500, unit="ms", warn_within=0.05)
    assert far.status is Status.FAIL


def test_always_blocking_findings_ignore_waivers_new_only_and_non_blocking() -> None:
    leak = finding(rule="supabase-service-role-public", fp="leak", always_blocks=True)
    findings, _, used = apply(
        [leak], [waiver("supabase-service-role-public"), waiver("leak")], TODAY
    )
    assert findings[0].waived is None and used == {0: 1, 1: 1}
    # the typed mark is what counts; the old free-form data key softens nothing
    legacy = finding(rule="x", fp="y", always_blocking=True)
    assert apply([legacy], [waiver("x")], TODAY)[0][0].waived == "x"
    base = GateResult(
        id="sast", type="sast", status=Status.FAIL, blocking=True, summary="", findings=(leak,)
    )
    known = _mark_new(findings, base, True)
    status, _ = judge(spec(fail_on_new_only=True), GateOutcome(), known, [], baseline_given=True)
    assert status is Status.FAIL
    soft = GateSpec(id="s", options=CommandOptions(run="x"), timeout=1, blocking=False)
    status, _ = judge(soft, GateOutcome(), findings, [], baseline_given=False)
    assert status is Status.FAIL


def test_summary_does_not_repeat_the_blocking_count_the_gate_already_states() -> None:
    findings = [finding(fp=f"fp{n}") for n in range(35)]
    said = GateOutcome(summary="35 blocking grant-to-anon findings on 12 tables")
    _, summary = judge(spec(), said, findings, [], baseline_given=False)
    assert summary == "35 blocking grant-to-anon findings on 12 tables"
    silent = GateOutcome(summary="lint done")
    _, summary = judge(spec(), silent, findings, [], baseline_given=False)
    assert summary == "lint done; 35 blocking findings"

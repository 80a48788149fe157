"""``gates promote``: every refusal, and the pass."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gates.model import Report, Status
from gates.report.codec import finalize
from gates.report.promote import check_promotion, render_refusal
from tests.support.sample_report import hostile_report

NOW = datetime(2025, 6, 1, 13, 0, tzinfo=UTC)
KEY = b"k" * 32
COMMIT = "0123456789abcdef0123456789abcdef01234567"
REQUIRED = ("tests", "sast")


def passing(**changes: Any) -> Report:
    report = hostile_report(verdict=Status.PASS)
    gates = tuple(
        dataclasses.replace(g, status=Status.PASS) if g.status.blocks else g for g in report.gates
    )
    report = dataclasses.replace(report, gates=gates, verdict_reasons=(), **changes)
    return finalize(report, KEY)


def check(report: Report, **overrides: Any) -> list[str]:
    args: dict[str, Any] = {
        "target_env": "production",
        "required": REQUIRED,
        "commit": COMMIT,
        "max_age_s": 86400.0,
        "checklist_sha256": "ef" * 32,
        "signing_key": KEY,
        "now": NOW,
    }
    args.update(overrides)
    return check_promotion(report, **args)


def test_pass() -> None:
    assert check(passing()) == []
    assert check(passing(), commit=COMMIT[:12]) == []  # an abbreviated sha is the same commit
    assert "allowed" in render_refusal(passing(), [], "production")


def test_failed_report_is_refused_gate_by_gate() -> None:
    report = finalize(hostile_report(), KEY)
    reasons = check(report)
    assert reasons[0] == "verdict is fail, not pass"
    assert any(r.startswith("gate tests: fail:") for r in reasons)
    assert any(r.startswith("gate sast: error:") for r in reasons)
    text = render_refusal(report, reasons, "production")
    assert text.startswith("promotion to production REFUSED")


def test_wrong_commit() -> None:
    assert check(passing(), commit="ffffffff") == [
        f"report is for commit {COMMIT}, promoting ffffffff"
    ]


def test_tampered_field() -> None:
    tampered = dataclasses.replace(passing(), environment="staging")
    reasons = check(tampered)
    assert any("digest does not match" in r for r in reasons)
    assert any("signature is not valid" in r for r in reasons)


def test_tampered_gate_with_digest_recomputed_still_fails_the_signature() -> None:
    report = passing()
    forged = finalize(dataclasses.replace(report, commit="f" * 40), None)
    forged = dataclasses.replace(forged, signature=report.signature)
    reasons = check(forged, commit="f" * 40)
    assert reasons == [
        "signature is not valid for GATES_SIGNING_KEY (signed with another key, or altered)"
    ]


def test_stale_and_future_reports() -> None:
    assert check(passing(), now=NOW + timedelta(days=2)) == [
        "report is 2 d old, older than --max-age 24 h (2025-06-01T12:00:00+00:00)"
    ]
    assert check(passing(), now=NOW + timedelta(hours=1), max_age_s=3600.0) == [
        "report is 2 h old, older than --max-age 60 min (2025-06-01T12:00:00+00:00)"
    ]
    assert check(passing(), now=NOW - timedelta(hours=2)) == [
        "report is dated 60 min in the future (2025-06-01T12:00:00+00:00)"
    ]


def test_unsigned_when_a_key_is_set() -> None:
    unsigned = finalize(dataclasses.replace(passing(), signature=None), None)
    assert check(unsigned) == ["report is unsigned but GATES_SIGNING_KEY is set"]
    assert check(unsigned, signing_key=None) == []


def test_resigned_with_another_key() -> None:
    resigned = finalize(passing(), b"another key")
    assert check(resigned) == [
        "signature is not valid for GATES_SIGNING_KEY (signed with another key, or altered)"
    ]


def test_missing_or_skipped_required_gate() -> None:
    reasons = check(passing(), required=(*REQUIRED, "smoke", "lighthouse"))
    assert any(r.startswith("gate smoke: required by production but skipped") for r in reasons)
    assert "gate lighthouse: required by production but not in the report" in reasons


def test_staging_report_must_cover_production_requirements() -> None:
    staging = passing(environment="staging", required=("tests",))
    reasons = check(staging)
    assert reasons == [
        "report was made for staging, whose require list lacks sast that production requires"
    ]
    covering = passing(environment="staging", required=("tests", "sast", "bundle"))
    assert check(covering) == []


def test_other_checklist_and_interrupted_runs() -> None:
    assert check(passing(), checklist_sha256="00" * 32)[0].startswith(
        "report was made with checklist sha256"
    )
    assert check(passing(interrupted=True)) == ["the run was interrupted"]


def test_verdict_that_contradicts_its_gates() -> None:
    liar = finalize(dataclasses.replace(hostile_report(), verdict=Status.PASS), KEY)
    assert any(r.startswith("verdict says pass but its gates say fail") for r in check(liar))


@pytest.mark.parametrize("bad_time", ["yesterday", ""])
def test_unreadable_time(bad_time: str) -> None:
    reasons = check(passing(started_at=bad_time))
    assert any("is not an ISO 8601 time" in r for r in reasons)


@pytest.mark.parametrize("how", ["no gates", "all skipped"])
def test_report_where_no_gate_ran_is_refused(how: str) -> None:
    # an environment without `require` must still not promote a pass that judged nothing
    base = passing()
    gates = (
        ()
        if how == "no gates"
        else tuple(dataclasses.replace(g, status=Status.SKIPPED) for g in base.gates)
    )
    report = finalize(dataclasses.replace(base, gates=gates, required=()), KEY)
    reasons = check(report, required=())
    assert "no gate ran: the report judged nothing" in reasons

"""``window`` gate: slots and freezes in local time, with a fixed clock across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gates.checks.window import WindowOptions, judge_at
from gates.model import Status
from tests.conftest import gate, load_report, run_gates

BERLIN: dict[str, Any] = {
    "timezone": "Europe/Berlin",
    "allow": [{"days": ["mon", "tue", "wed", "thu"], "hours": "09:00-16:00"}],
    "freeze": [{"from": "2026-12-20", "to": "2027-01-04", "reason": "year-end freeze"}],
}


def opts(**over: Any) -> WindowOptions:
    return WindowOptions.model_validate({"type": "window", **BERLIN, **over})


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "status"),
    [
        ("2026-03-26T08:30", Status.PASS),  # Thu 09:30 CET (UTC+1)
        ("2026-03-26T07:30", Status.FAIL),  # Thu 08:30 CET: before the slot
        ("2026-03-30T07:30", Status.PASS),  # Mon 09:30 CEST (UTC+2): same wall clock in summer
        ("2026-03-30T14:30", Status.FAIL),  # Mon 16:30 CEST
        ("2026-03-30T13:59", Status.PASS),  # Mon 15:59 CEST: the end is excluded, not this
        ("2026-03-30T14:00", Status.FAIL),  # Mon 16:00 CEST: the end itself
        ("2026-10-26T08:00", Status.PASS),  # Mon 09:00 CET after the fall-back change
        ("2026-10-26T07:59", Status.FAIL),  # Mon 08:59 CET
        ("2026-03-27T10:00", Status.FAIL),  # Friday
        ("2026-12-21T10:00", Status.FAIL),  # Monday in the freeze
        ("2027-01-04T10:00", Status.FAIL),  # the freeze's last day is included
        ("2027-01-05T10:00", Status.PASS),  # the day after the freeze
    ],
)
def test_slot_and_freeze_in_local_time(moment: str, status: Status) -> None:
    assert judge_at(utc(moment), opts(), {}).status is status


def test_next_allowed_crosses_the_spring_dst_change() -> None:
    # Friday 27 March 2026 (CET) → Monday 30 March 09:00 CEST = 07:00 UTC, not 08:00.
    out = judge_at(utc("2026-03-27T10:00"), opts(), {})
    assert out.status is Status.FAIL
    assert out.details["next_allowed"] == "2026-03-30T07:00:00+00:00"
    assert "Mon 2026-03-30 09:00 CEST" in out.summary
    assert out.findings[0].rule == "outside-window"


def test_next_allowed_crosses_the_autumn_dst_change() -> None:
    # Thursday 22 Oct 16:30 CEST → Monday 26 Oct 09:00 CET = 08:00 UTC.
    out = judge_at(utc("2026-10-22T14:30"), opts(), {})
    assert out.details["next_allowed"] == "2026-10-26T08:00:00+00:00"


def test_next_allowed_skips_the_whole_freeze() -> None:
    out = judge_at(utc("2026-12-21T10:00"), opts(), {})
    assert "year-end freeze" in out.summary
    assert out.details["next_allowed"] == "2027-01-05T08:00:00+00:00"  # Tue 09:00 CET


def test_later_the_same_day_is_the_next_slot() -> None:
    out = judge_at(utc("2026-03-26T06:00"), opts(), {})  # Thu 07:00 CET
    assert out.details["next_allowed"] == "2026-03-26T08:00:00+00:00"


def test_slot_starting_in_the_spring_gap_opens_when_the_clock_jumps() -> None:
    # 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 never exists on the wall clock.
    night = opts(allow=[{"days": ["sun"], "hours": "02:30-04:00"}], freeze=[])
    out = judge_at(utc("2026-03-28T12:00"), night, {})
    assert out.details["next_allowed"] == "2026-03-29T01:00:00+00:00"  # 03:00 CEST
    assert judge_at(utc("2026-03-29T01:30"), night, {}).status is Status.PASS  # 03:30 CEST


def test_both_repeated_hours_of_the_autumn_change_are_inside_a_slot() -> None:
    night = opts(allow=[{"days": ["sun"], "hours": "02:00-03:00"}], freeze=[])
    assert judge_at(utc("2026-10-25T00:30"), night, {}).status is Status.PASS  # 02:30 CEST
    assert judge_at(utc("2026-10-25T01:30"), night, {}).status is Status.PASS  # 02:30 CET
    assert judge_at(utc("2026-10-25T02:30"), night, {}).status is Status.FAIL  # 03:30 CET


def test_other_time_zone_and_midnight_end() -> None:
    ny = opts(timezone="America/New_York", allow=[{"days": ["sat"], "hours": "20:00-24:00"}])
    assert judge_at(utc("2026-03-08T03:59"), ny, {}).status is Status.PASS  # Sat 22:59 EST
    assert judge_at(utc("2026-03-08T05:00"), ny, {}).status is Status.FAIL  # Sun 00:00


def test_a_window_that_never_opens_says_so() -> None:
    never = opts(freeze=[{"from": "2026-01-01", "to": "2028-01-01"}])
    out = judge_at(utc("2026-06-01T10:00"), never, {})
    assert out.status is Status.FAIL
    assert out.details["next_allowed"] is None and "none within a year" in out.summary


def test_emergency_passes_as_warn_with_reason_person_and_time() -> None:
    env = {"GATES_EMERGENCY": "hotfix for checkout outage", "GATES_EMERGENCY_BY": "alice"}
    out = judge_at(utc("2026-12-24T22:00"), opts(), env)
    assert out.status is Status.WARN
    (finding,) = out.findings
    assert finding.rule == "emergency-deploy" and not finding.blocks
    assert finding.data == {
        "reason": "hotfix for checkout outage",
        "by": "alice",
        "at": "2026-12-24T22:00:00+00:00",
    }


def test_emergency_person_falls_back_to_the_ci_actor() -> None:
    env = {"GATES_EMERGENCY": "sev1", "GITHUB_ACTOR": "octocat"}
    out = judge_at(utc("2026-03-27T10:00"), opts(), env)
    assert out.status is Status.WARN and out.findings[0].data["by"] == "octocat"


@pytest.mark.parametrize(
    "env",
    [{"GATES_EMERGENCY": "  ", "GATES_EMERGENCY_BY": "alice"}, {"GATES_EMERGENCY": "sev1"}],
)
def test_emergency_without_reason_or_person_is_refused(env: dict[str, str]) -> None:
    out = judge_at(utc("2026-03-27T10:00"), opts(), env)
    assert out.status is Status.ERROR and "emergency deploy refused" in (out.error or "")


def test_emergency_inside_the_window_is_simply_a_pass() -> None:
    env = {"GATES_EMERGENCY": "sev1", "GATES_EMERGENCY_BY": "alice"}
    assert judge_at(utc("2026-03-26T08:30"), opts(), env).status is Status.PASS


# --- through the CLI ---------------------------------------------------------------------------


def _project(tmp_path: Path, body: str) -> Path:
    checklist = tmp_path / "checklist.yml"
    checklist.write_text(f"gates:\n  window:\n    type: window\n{body}")
    return checklist


ALWAYS = "    timezone: UTC\n    allow: [{hours: '00:00-24:00'}]\n"
FROZEN_NOW = ALWAYS + "    freeze: [{from: 2000-01-01, to: 2999-12-31, reason: forever}]\n"


def test_cli_pass_fail_and_emergency(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r"
    ok = _project(tmp_path, ALWAYS)
    code, _, _ = run_gates(["run", "--checklist", str(ok), "--out", str(out), "--no-history"])
    assert code == 0 and gate(load_report(out), "window")["status"] == "pass"
    frozen = _project(tmp_path, FROZEN_NOW)
    code, _, _ = run_gates(["run", "--checklist", str(frozen), "--out", str(out), "--no-history"])
    assert code == 1 and gate(load_report(out), "window")["status"] == "fail"
    argv = ["run", "--checklist", str(frozen), "--out", str(out), "--no-history"]
    code, _, _ = run_gates([*argv, "--emergency", "db fix", "--by", "bob"], capsys)
    entry = gate(load_report(out), "window")
    assert code == 0 and entry["status"] == "warn"
    assert entry["findings"][0]["data"]["reason"] == "db fix"
    assert entry["findings"][0]["data"]["by"] == "bob"
    import os

    assert "GATES_EMERGENCY" not in os.environ  # the flag lasts for its run only


def test_cli_refuses_an_empty_emergency_and_by_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frozen = _project(tmp_path, FROZEN_NOW)
    base = ["run", "--checklist", str(frozen), "--out", str(tmp_path / "r"), "--no-history"]
    code, _, err = run_gates([*base, "--emergency", " "], capsys)
    assert code == 2 and "--emergency needs a reason" in err
    code, _, err = run_gates([*base, "--by", "bob"], capsys)
    assert code == 2 and "--by" in err


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("    timezone: Mars/Olympus\n    allow: [{hours: '09:00-10:00'}]\n", "unknown time zone"),
        ("    timezone: UTC\n    allow: [{hours: '10:00-09:00'}]\n", "start must be before"),
        ("    timezone: UTC\n    allow: [{hours: '9-10'}]\n", "HH:MM"),
        ("    timezone: UTC\n    allow: [{days: [monday]}]\n", "mon"),
        ("    timezone: UTC\n    allow: []\n", "at least one slot"),
        (ALWAYS + "    freeze: [{from: 2026-02-01, to: 2026-01-01}]\n", "before 'from'"),
    ],
)
def test_checklist_errors_name_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, message: str
) -> None:
    checklist = _project(tmp_path, body)
    code, _, err = run_gates(["validate", str(checklist)], capsys)
    assert code == 2
    assert "checklist.yml:" in err and message in err
    assert "Traceback" not in err

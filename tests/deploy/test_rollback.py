"""``gates run --rollback``: a failing verdict rolls back, verifies, and is timed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import load_report, run_gates
from tests.support.watched_app import AppState, watched_app
from tests.support.webhook import Receiver, webhook

ROLLBACK_SCRIPT = """\
import json, sys, urllib.request
url, token = sys.argv[1], sys.argv[2]
assert token == "tok-ABCDEF123456", "the token reaches the command"
req = urllib.request.Request(url + "/__state", data=json.dumps({"error_every": 0}).encode(),
                             method="POST", headers={"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=5)
print("rolled back")
"""


def write_project(
    tmp_path: Path, url: str, *, run: str, verify: str = "[smoke]", notify: str = ""
) -> Path:
    (tmp_path / "rollback.py").write_text(ROLLBACK_SCRIPT)
    checklist = tmp_path / "checklist.yml"
    checklist.write_text(
        f"""\
gates:
  watch:
    type: analysis
    stage: post-deploy
    duration: 1s
    interval: 250ms
    probes: [{{get: /}}]
  smoke:
    type: smoke
    stage: post-deploy
    base_url: ${{DEPLOY_URL}}
    checks: [{{get: /, status: 200}}]
rollback:
  run: {run}
  verify: {verify}
  budgets: {{detect: 2m, rollback: 10m, recover: 15m}}
{notify}"""
    )
    return checklist


def gates_run(
    tmp_path: Path, checklist: Path, url: str, *extra: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, Any], str, str]:
    out = tmp_path / "reports"
    code, stdout, stderr = run_gates(
        [
            "run",
            "--checklist",
            str(checklist),
            "--out",
            str(out),
            "--no-history",
            "--stage",
            "post-deploy",
            "--url",
            url,
            *extra,
        ],
        capsys,
    )
    return code, load_report(out), stdout, stderr


GOOD_RUN = f"[{sys.executable}, rollback.py, '${{DEPLOY_URL}}', '${{DEPLOY_TOKEN}}']"


def test_bad_release_is_rolled_back_verified_and_timed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPLOY_TOKEN", "tok-ABCDEF123456")
    with watched_app(AppState(error_every=1)) as (url, state):
        checklist = write_project(tmp_path, url, run=GOOD_RUN)
        code, report, out, _ = gates_run(
            tmp_path,
            checklist,
            url,
            "--rollback",
            "--deployed-at",
            "2026-01-01T00:00:00Z",
            capsys=capsys,
        )
        assert state.error_every == 0  # the command really restored the app
    assert code == 1  # the release was bad: the verdict stays fail
    assert report["verdict"] == "fail"
    rollback = report["rollback"]
    assert rollback["status"] == "recovered", rollback["message"]
    assert [g["id"] for g in rollback["verify"]] == ["smoke"]
    assert rollback["verify"][0]["status"] == "pass"
    steps = {s["name"]: s for s in rollback["timeline"]}
    assert list(steps) == [
        "deployed",
        "detected",
        "rollback started",
        "rollback finished",
        "recovered",
    ]
    assert steps["deployed"]["at"].startswith("2026-01-01T00:00:00")
    # the deploy was long ago: every budget measured from it is blown, and says so
    assert steps["detected"]["budget_s"] == 120 and steps["detected"]["within_budget"] is False
    assert steps["recovered"]["budget_s"] == 900
    assert "over budget" in rollback["message"]
    assert "tok-ABCDEF123456" not in (tmp_path / "reports" / "gate-report.json").read_text()
    assert "rollback RECOVERED" in out
    html = (tmp_path / "reports" / "gate-report.html").read_text()
    assert "Rollback: recovered" in html and "OVER BUDGET" in html


def test_deployed_at_defaults_to_the_first_probe_and_budgets_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPLOY_TOKEN", "tok-ABCDEF123456")
    with watched_app(AppState(error_every=1)) as (url, _):
        checklist = write_project(tmp_path, url, run=GOOD_RUN)
        code, report, _, _ = gates_run(tmp_path, checklist, url, "--rollback", capsys=capsys)
    watch = next(g for g in report["gates"] if g["id"] == "watch")
    steps = {s["name"]: s for s in report["rollback"]["timeline"]}
    assert steps["deployed"]["at"] == watch["series"][0]["started_at"]
    assert all(s["within_budget"] is not False for s in steps.values())
    assert 0 < steps["recovered"]["after_s"] < 900
    assert code == 1 and report["rollback"]["status"] == "recovered"


def test_failing_rollback_command_is_loud(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with watched_app(AppState(error_every=1)) as (url, _):
        checklist = write_project(
            tmp_path, url, run=f"[{sys.executable}, -c, 'raise SystemExit(7)']"
        )
        code, report, _, err = gates_run(tmp_path, checklist, url, "--rollback", capsys=capsys)
    assert code == 4
    assert report["rollback"]["status"] == "failed" and report["rollback"]["exit_code"] == 7
    assert report["rollback"]["timeline"][-1] == {
        "name": "recovered",
        "at": None,
        "after_s": None,
        "budget_s": 900.0,
        "within_budget": False,
    }
    assert "rollback FAILED" in err


def test_missing_rollback_tool_is_loud(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with watched_app(AppState(error_every=1)) as (url, _):
        checklist = write_project(tmp_path, url, run="no-such-vercel-cli rollback")
        code, report, _, _ = gates_run(tmp_path, checklist, url, "--rollback", capsys=capsys)
    assert code == 4 and report["rollback"]["status"] == "failed"
    assert "not installed" in report["rollback"]["message"]


def test_rollback_that_does_not_restore_is_unverified(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with watched_app(AppState(status=503)) as (url, _):
        checklist = write_project(tmp_path, url, run=f"[{sys.executable}, -c, 'print(1)']")
        code, report, _, err = gates_run(tmp_path, checklist, url, "--rollback", capsys=capsys)
    assert code == 4
    assert report["rollback"]["status"] == "unverified"
    assert "smoke" in report["rollback"]["message"]
    assert "rollback UNVERIFIED" in err


def test_rollback_with_nothing_to_verify_is_unverified(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with watched_app(AppState(error_every=1)) as (url, _):
        checklist = write_project(
            tmp_path, url, run=f"[{sys.executable}, -c, 'print(1)']", verify="[]"
        )
        code, report, _, _ = gates_run(tmp_path, checklist, url, "--rollback", capsys=capsys)
    assert code == 4 and report["rollback"]["status"] == "unverified"


def test_no_rollback_without_the_flag_or_on_a_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "ran"
    run = f'[{sys.executable}, -c, \'open("{marker}", "w")\']'
    with watched_app(AppState(error_every=1)) as (url, state):
        checklist = write_project(tmp_path, url, run=run)
        code, report, _, _ = gates_run(tmp_path, checklist, url, capsys=capsys)
        assert code == 1 and report.get("rollback") is None and not marker.exists()
        state.error_every = 0
        code, report, _, _ = gates_run(tmp_path, checklist, url, "--rollback", capsys=capsys)
    assert code == 0 and report.get("rollback") is None and not marker.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rollback", "--stage", "pre-deploy"], "--rollback needs --stage post-deploy"),
        (["--rollback", "--deployed-at", "yesterday"], "not an ISO 8601"),
        (["--rollback", "--deployed-at", "2026-01-01T00:00:00"], "time zone"),
        (["--rollback", "--deployed-at", "2999-01-01T00:00:00Z"], "future"),
    ],
)
def test_flags_that_cannot_be_honoured_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    checklist = write_project(tmp_path, "http://127.0.0.1:9", run="'true'")
    code, _, err = run_gates(
        [
            "run",
            "--checklist",
            str(checklist),
            "--out",
            str(tmp_path / "r"),
            "--url",
            "http://127.0.0.1:9",
            *argv,
        ],
        capsys,
    )
    assert code == 2 and message in err


def test_rollback_flag_without_a_rollback_section_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checklist = tmp_path / "checklist.yml"
    checklist.write_text(
        "gates:\n  s:\n    type: smoke\n    stage: post-deploy\n    checks: [{get: /}]\n"
    )
    code, _, err = run_gates(
        [
            "run",
            "--checklist",
            str(checklist),
            "--url",
            "http://127.0.0.1:9",
            "--rollback",
            "--out",
            str(tmp_path / "r"),
        ],
        capsys,
    )
    assert code == 2 and "no rollback: section" in err


def test_verify_naming_an_unknown_gate_is_a_checklist_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPLOY_URL", "http://127.0.0.1:9")
    checklist = write_project(tmp_path, "http://127.0.0.1:9", run="'true'", verify="[smok]")
    code, _, err = run_gates(["validate", str(checklist)], capsys)
    assert code == 2 and "checklist.yml:" in err and "did you mean 'smoke'" in err


def test_rollback_is_in_the_notification(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPLOY_TOKEN", "tok-ABCDEF123456")
    with (
        watched_app(AppState(error_every=1)) as (url, _),
        webhook() as hook,
        webhook(Receiver()) as slack,
    ):
        notify = (
            f"notify:\n  - {{webhook: '{hook.url}', format: json}}\n"
            f"  - {{webhook: '{slack.url}', format: slack, on: [rollback]}}\n"
        )
        checklist = write_project(tmp_path, url, run=GOOD_RUN, notify=notify)
        code, _, _, _ = gates_run(
            tmp_path,
            checklist,
            url,
            "--rollback",
            "--report-url",
            "https://ci.example/r/1",
            capsys=capsys,
        )
    assert code == 1
    (body,) = hook.bodies()
    assert body["verdict"] == "fail" and body["rollback"]["status"] == "recovered"
    assert [s["step"] for s in body["rollback"]["timeline"]][-1] == "recovered"
    assert body["report_url"] == "https://ci.example/r/1"
    assert {g["id"] for g in body["failing_gates"]} == {"watch", "smoke"}
    (message,) = slack.bodies()
    assert "Rollback recovered" in message["text"] and "https://ci.example/r/1" in message["text"]
    for rec in (hook, slack):
        assert b"tok-ABCDEF123456" not in rec.received[0]["body"]

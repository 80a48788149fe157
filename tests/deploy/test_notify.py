"""``notify:``: posted after the reports are written, masked, bounded, verdict unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gates.checklist.deploy import NotifyTarget
from gates.deploy.notify import deliver
from tests.conftest import load_report, run_gates
from tests.support.sample_report import hostile_report
from tests.support.shop_web import free_port
from tests.support.webhook import Receiver, webhook

SECRET = "sk_live_0123456789abcdefSECRET"


def project(tmp_path: Path, notify: str, *, ok: bool = True, window: str = "") -> Path:
    command = "python3 -c 'print(1)'" if ok else "python3 -c 'raise SystemExit(1)'"
    checklist = tmp_path / "checklist.yml"
    checklist.write_text(
        f"project: shop\ngates:\n  build:\n    type: command\n    run: {command}\n"
        f"{window}notify:\n{notify}"
    )
    return checklist


def gates(
    tmp_path: Path, checklist: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    return run_gates(
        [
            "run",
            "--checklist",
            str(checklist),
            "--out",
            str(tmp_path / "reports"),
            "--no-history",
            "--commit",
            "abc123def456",
            *extra,
        ],
        capsys,
    )


def test_json_message_after_the_reports_are_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with webhook() as hook:
        checklist = project(tmp_path, f"  - {{webhook: '{hook.url}', format: json}}\n", ok=False)
        code, out, err = gates(tmp_path, checklist, capsys, "--report-url", "https://ci/r/9")
    assert code == 1
    (request,) = hook.received
    body: dict[str, Any] = json.loads(request["body"])
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert body["schema"] == "gates-notification/1"
    assert body["verdict"] == "fail" and body["project"] == "shop"
    assert body["commit"] == "abc123def456" and body["report_url"] == "https://ci/r/9"
    assert [g["id"] for g in body["failing_gates"]] == ["build"]
    assert body["rollback"] is None
    # the report existed when the message left, and the delivery is recorded beside it
    assert load_report(tmp_path / "reports")["verdict"] == "fail"
    deliveries = json.loads((tmp_path / "reports" / "notifications.json").read_text())
    assert deliveries["deliveries"][0]["ok"] is True
    assert "s3cr3t-path" not in out + err  # the webhook's path is its secret
    assert "notified http://127.0.0.1:" in out


def test_slack_format_and_on_filter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with webhook() as on_fail, webhook() as on_pass:
        checklist = project(
            tmp_path,
            f"  - {{webhook: '{on_fail.url}', format: slack, on: [fail]}}\n"
            f"  - {{webhook: '{on_pass.url}', format: slack, on: [pass]}}\n",
        )
        code, _, _ = gates(tmp_path, checklist, capsys)
    assert code == 0
    assert on_fail.received == []
    (message,) = on_pass.bodies()
    assert "verdict *pass*" in message["text"] and message["blocks"][0]["type"] == "section"


def test_a_failing_webhook_never_changes_the_verdict_but_is_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with webhook(Receiver(fail_first=99)) as broken:
        checklist = project(
            tmp_path, f"  - {{webhook: '{broken.url}', format: json, retries: 2}}\n"
        )
        code, _, err = gates(tmp_path, checklist, capsys)
    assert code == 0  # the verdict passed; the notification's failure does not change it
    assert len(broken.received) == 3  # 1 + 2 retries, then it stops
    assert "NOTIFICATION FAILED" in err and "HTTP 500" in err and "3 attempt(s)" in err
    assert "s3cr3t-path" not in err
    deliveries = json.loads((tmp_path / "reports" / "notifications.json").read_text())
    assert deliveries["deliveries"][0]["ok"] is False


def test_retry_then_success(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with webhook(Receiver(fail_first=1, fail_status=503)) as flaky:
        checklist = project(tmp_path, f"  - {{webhook: '{flaky.url}'}}\n")
        code, out, _ = gates(tmp_path, checklist, capsys)
    assert code == 0 and len(flaky.received) == 2 and "notified" in out


def test_a_4xx_is_not_retried(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with webhook(Receiver(fail_first=99, fail_status=404)) as gone:
        checklist = project(tmp_path, f"  - {{webhook: '{gone.url}', retries: 3}}\n")
        code, _, err = gates(tmp_path, checklist, capsys)
    assert code == 0 and len(gone.received) == 1 and "HTTP 404" in err


def test_unreachable_and_hanging_webhooks_are_bounded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    with webhook(Receiver(hang_s=3)) as slow:
        checklist = project(
            tmp_path,
            f"  - {{webhook: 'http://127.0.0.1:{free_port()}/x', retries: 1}}\n"
            f"  - {{webhook: '{slow.url}', retries: 0, timeout: 500ms}}\n",
        )
        started = time.monotonic()
        code, _, err = gates(tmp_path, checklist, capsys)
        elapsed = time.monotonic() - started
    assert code == 0
    assert err.count("NOTIFICATION FAILED") == 2
    assert "connection refused" in err and "no answer within" in err
    assert elapsed < 15


def test_secrets_are_masked_in_messages() -> None:
    import dataclasses

    report = hostile_report()
    leaky = dataclasses.replace(report, verdict_reasons=(f"build: fail: token {SECRET}",))
    with webhook() as hook:
        target = NotifyTarget(webhook=hook.url, format="json")
        (done,) = deliver([target], leaky, None, [SECRET])
    assert done.ok
    assert SECRET.encode() not in hook.received[0]["body"]
    assert hook.url.encode() not in hook.received[0]["body"]


def test_emergency_is_in_the_notification(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    window = (
        "  window:\n    type: window\n    timezone: UTC\n    allow: [{hours: '00:00-24:00'}]\n"
        "    freeze: [{from: 2000-01-01, to: 2999-12-31, reason: forever}]\n"
    )
    with webhook() as hook:
        checklist = project(
            tmp_path, f"  - {{webhook: '{hook.url}', on: [emergency]}}\n", window=window
        )
        code, _, _ = gates(tmp_path, checklist, capsys, "--emergency", "sev1 fix", "--by", "ann")
    assert code == 0
    (body,) = hook.bodies()
    assert body["emergency"][0]["reason"] == "sev1 fix" and body["emergency"][0]["by"] == "ann"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("  - {webhook: 'ftp://x'}\n", "http:// or https://"),
        ("  - {webhook: 'https://x', format: teams}\n", "format"),
        ("  - {webhook: 'https://x', on: [always]}\n", "on"),
        ("  - {webhok: 'https://x'}\n", "unknown key 'webhok'"),
    ],
)
def test_bad_notify_entries_are_checklist_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entry: str, message: str
) -> None:
    checklist = project(tmp_path, entry)
    code, _, err = run_gates(["validate", str(checklist)], capsys)
    assert code == 2 and "checklist.yml:" in err and message in err, err


def test_validate_accepts_a_webhook_from_an_unset_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the pre-commit hook validates without CI secrets: ${SLACK_WEBHOOK_URL} unset is fine there
    checklist = project(tmp_path, "  - {webhook: '${NO_SUCH_HOOK_VAR}'}\n")
    code, _, err = run_gates(["validate", str(checklist)], capsys)
    assert code == 0, err
    # ... but a run that would post to it refuses the unset variable at its line
    code, _, err = run_gates(
        ["run", "--checklist", str(checklist), "--out", str(tmp_path / "r")], capsys
    )
    assert code == 2 and "NO_SUCH_HOOK_VAR is not set" in err, err

"""``gates promote`` through the CLI on a report of the example project, signed and not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO, run_gates

CHECKLIST = str(REPO / "examples" / "shop-web" / "checklist.yml")
COMMIT = "c" * 40


@pytest.fixture
def signed_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    monkeypatch.setenv("GATES_SIGNING_KEY", "test-signing-key-0123456789")
    code, _, _ = run_gates(
        [
            "run",
            "--checklist",
            CHECKLIST,
            "--only",
            "config",
            "--commit",
            COMMIT,
            "--no-history",
            "--out",
            str(tmp_path / "r"),
        ],
        capsys,
    )
    assert code == 0
    return tmp_path / "r" / "gate-report.json"


def _promote(report: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code, out, err = run_gates(
        ["promote", "--report", str(report), "--checklist", CHECKLIST, "--commit", COMMIT, *extra],
        capsys,
    )
    return code, out + err


def test_promote_to_an_environment_whose_requirements_it_covers(
    signed_report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert json.loads(signed_report.read_text())["signature"]
    code, text = _promote(signed_report, capsys, "--to", "staging")
    assert code == 0, text
    assert "allowed" in text


def test_promote_to_production_refused_gate_by_gate(
    signed_report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = _promote(signed_report, capsys, "--to", "production")
    assert code == 1
    assert "REFUSED" in text
    assert "gate lighthouse: required by production but skipped" in text
    assert "gate migrations: required by production but skipped" in text


def test_promote_refuses_edited_unsigned_and_wrong_commit(
    signed_report: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.loads(signed_report.read_text())
    data["gates"][0]["summary"] = "all good, trust me"
    signed_report.write_text(json.dumps(data))
    code, text = _promote(signed_report, capsys, "--to", "staging")
    assert code == 1 and "digest does not match" in text
    code, text = _promote(signed_report, capsys, "--to", "staging", "--commit", "d" * 40)
    assert code == 1 and f"promoting {'d' * 40}" in text
    monkeypatch.setenv("GATES_SIGNING_KEY", "another-key-9876543210")
    code, text = _promote(signed_report, capsys, "--to", "staging")
    assert code == 1 and "signature is not valid" in text

"""A report evidences one environment (issue 12): effective options recorded and compared by
promote, merged parts verified like promote, baselines verified. Unit and through the CLI, on a
small real project (``command`` gates run real processes)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from gates.model import Status
from gates.report.codec import compute_digest, from_dict
from gates.report.effective import differences, flatten, options_digest
from tests.conftest import run_gates
from tests.support.git import git as _git

KEY = "evidence-signing-key-0123456789"
COMMIT = "e" * 40
CHECKLIST = """\
version: 1
project: evidence
environments:
  staging:
    require: [check]
  production:
    require: [check]
    gates:
      check:
        timeout: 90s
gates:
  check:
    type: command
    run: [python3, -c, "print('ok')"]
    timeout: 60s
  other:
    type: command
    run: [python3, -c, "print('other')"]
"""


def _project(tmp_path: Path, text: str = CHECKLIST) -> Path:
    root = tmp_path / "proj"
    root.mkdir(exist_ok=True)
    (root / "checklist.yml").write_text(text)
    return root / "checklist.yml"


def _run(checklist: Path, out: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> int:
    return _run_at(checklist, out, capsys, "--commit", COMMIT, *extra)[0]


def _promote(
    report: Path, checklist: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    code, out, err = run_gates(
        [
            "promote",
            "--report",
            str(report),
            "--checklist",
            str(checklist),
            "--commit",
            COMMIT,
            "--to",
            target,
        ],
        capsys,
    )
    return code, out + err


def _resign(path: Path, data: dict[str, object], key: str | None) -> None:
    import hashlib
    import hmac

    from gates.report.codec import canonical_json

    data = dict(data)
    data["digest"] = compute_digest(data)
    body = {k: v for k, v in data.items() if k not in ("digest", "signature")}
    data["signature"] = (
        hmac.new(key.encode(), canonical_json(body), hashlib.sha256).hexdigest() if key else None
    )
    path.write_text(json.dumps(data))


# --- effective options ---------------------------------------------------------------------


def test_report_records_effective_options_with_digest_and_masked_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPLOY_TOKEN", "tok-3f9a8b7c6d5e4f3a2b1c")
    text = CHECKLIST.replace("print('ok')", "print('${DEPLOY_TOKEN}'[:0])")
    checklist = _project(tmp_path, text)
    assert _run(checklist, tmp_path / "r", capsys, "--env", "production") == 0
    raw = (tmp_path / "r" / "gate-report.json").read_text()
    assert "tok-3f9a8b7c6d5e4f3a2b1c" not in raw
    report = from_dict(json.loads(raw))
    check = next(g for g in report.gates if g.id == "check")
    assert check.options["timeout"] == 90.0  # the production overlay applied
    assert check.options["blocking"] is True
    assert "[REDACTED:" in check.options["run"][2]
    assert check.options_sha256 == options_digest(check.options)
    assert report.environment == "production"


def test_differences_name_the_leaf_key() -> None:
    ran = {"thresholds": {"lines": 80, "branches": 70}, "run": ["a"]}
    want = {"thresholds": {"lines": 85, "branches": 70}, "run": ["a"], "extra": 1}
    assert differences(ran, want) == [(("thresholds", "lines"), 80, 85), (("extra",), None, 1)]
    assert differences(want, want) == []
    assert flatten({"a": {}}) == {("a",): {}}


def test_staging_report_refused_for_production_whose_options_differ(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checklist = _project(tmp_path)
    assert _run(checklist, tmp_path / "r", capsys, "--env", "staging") == 0
    code, text = _promote(tmp_path / "r" / "gate-report.json", checklist, "production", capsys)
    assert code == 1, text
    line = CHECKLIST.splitlines().index("        timeout: 90s") + 1
    assert "gate check: ran with timeout = 60.0 (staging); production requires 90.0" in text
    assert f"checklist.yml:{line}" in text


def test_staging_report_promotes_where_options_agree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    same = CHECKLIST.replace("    gates:\n      check:\n        timeout: 90s\n", "")
    assert "90s" not in same
    checklist = _project(tmp_path, same)
    assert _run(checklist, tmp_path / "r", capsys, "--env", "staging") == 0
    code, text = _promote(tmp_path / "r" / "gate-report.json", checklist, "production", capsys)
    assert code == 0, text


def test_report_made_for_the_target_promotes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checklist = _project(tmp_path)
    assert _run(checklist, tmp_path / "r", capsys, "--env", "production") == 0
    code, text = _promote(tmp_path / "r" / "gate-report.json", checklist, "production", capsys)
    assert code == 0, text


def test_edited_options_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checklist = _project(tmp_path)
    assert _run(checklist, tmp_path / "r", capsys, "--env", "staging") == 0
    path = tmp_path / "r" / "gate-report.json"
    data = json.loads(path.read_text())
    for gate in data["gates"]:
        if gate["id"] == "check":
            gate["options"]["timeout"] = 90.0  # claims production's options, digest left stale
    _resign(path, data, None)
    code, text = _promote(path, checklist, "production", capsys)
    assert code == 1 and "options_sha256 does not match" in text


# --- merge ---------------------------------------------------------------------------------


@pytest.fixture
def parts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path, Path]:
    monkeypatch.setenv("GATES_SIGNING_KEY", KEY)
    checklist = _project(tmp_path)
    assert _run(checklist, tmp_path / "a", capsys, "--only", "check") == 0
    assert _run(checklist, tmp_path / "b", capsys, "--only", "other") == 0
    return checklist, tmp_path / "a" / "gate-report.json", tmp_path / "b" / "gate-report.json"


def test_merge_of_signed_parts_is_signed(
    parts: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, a, b = parts
    code, out, _ = run_gates(["merge", str(a), str(b), "-o", str(tmp_path / "m.json")], capsys)
    assert code == 0, out
    merged = json.loads((tmp_path / "m.json").read_text())
    assert merged["signature"] and merged["verdict"] == "pass"


@pytest.mark.parametrize("how", ["forged", "unsigned", "other-key"])
def test_merge_refuses_a_part_whose_signature_does_not_hold(
    parts: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    _, a, b = parts
    data = json.loads(a.read_text())
    if how == "forged":  # fail → pass edit with a recomputed digest, old signature
        data["gates"][0]["summary"] = "edited"
        data["digest"] = compute_digest(data)
        a.write_text(json.dumps(data))
    else:
        _resign(a, data, None if how == "unsigned" else "another-key-0123456789")
    out_path = tmp_path / "m.json"
    code, out, err = run_gates(["merge", str(a), str(b), "-o", str(out_path)], capsys)
    assert code == 2, out + err
    assert "signature" in err or "unsigned" in err
    assert str(a) in err
    assert not out_path.exists()


# --- baselines -----------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    checklist = _project(tmp_path)
    root = checklist.parent
    _git(root, "init", "-q", "-b", "main")
    _git(
        root,
        "-c",
        "user.email=t@e",
        "-c",
        "user.name=t",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "a",
    )
    return checklist


def _head(root: Path) -> str:
    return _git(root, "rev-parse", "HEAD")


def _commit(root: Path, message: str) -> str:
    _git(
        root,
        "-c",
        "user.email=t@e",
        "-c",
        "user.name=t",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        message,
    )
    return _head(root)


def _run_at(
    checklist: Path, out: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str]:
    code, stdout, err = run_gates(
        [
            "run",
            "--checklist",
            str(checklist),
            "--no-history",
            "--format",
            "json",
            "--out",
            str(out),
            *extra,
        ],
        capsys,
    )
    assert "Traceback" not in err
    return code, stdout + err


def test_baseline_of_an_ancestor_is_used_and_a_tampered_one_refused(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo.parent
    assert _run_at(repo, tmp_path / "base", capsys)[0] == 0
    _commit(root, "b")
    base = tmp_path / "base" / "gate-report.json"
    code, text = _run_at(repo, tmp_path / "new", capsys, "--baseline", str(base))
    assert code == 0, text
    data = json.loads(base.read_text())
    data["gates"][0]["findings"] = []
    data["duration_s"] = 99.0  # an edit without recomputing the digest
    base.write_text(json.dumps(data))
    code, text = _run_at(repo, tmp_path / "new2", capsys, "--baseline", str(base))
    assert code == 2 and "digest does not match" in text


def test_baseline_of_another_project_or_branch_refused_unless_allowed(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo.parent
    first = _head(root)
    _commit(root, "b")
    assert _run_at(repo, tmp_path / "later", capsys)[0] == 0  # report of a newer commit
    _git(root, "checkout", "-q", first)
    later = tmp_path / "later" / "gate-report.json"
    code, text = _run_at(repo, tmp_path / "x", capsys, "--baseline", str(later))
    assert code == 2 and "is not an ancestor" in text and "allow_other_branch" in text
    data = json.loads(later.read_text())
    data["project"] = "someone-else"
    other = tmp_path / "other.json"
    _resign(other, data, None)
    code, text = _run_at(repo, tmp_path / "y", capsys, "--baseline", str(other))
    assert code == 2 and "project 'someone-else'" in text
    repo.write_text(CHECKLIST + "baseline:\n  allow_other_branch: true\n")
    code, text = _run_at(repo, tmp_path / "z", capsys, "--baseline", str(later))
    assert code == 0, text


def test_baseline_signature_required_when_a_key_is_set(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run_at(repo, tmp_path / "base", capsys)[0] == 0  # unsigned
    monkeypatch.setenv("GATES_SIGNING_KEY", KEY)
    base = tmp_path / "base" / "gate-report.json"
    code, text = _run_at(repo, tmp_path / "n", capsys, "--baseline", str(base))
    assert code == 2 and "unsigned but GATES_SIGNING_KEY is set" in text


def test_baseline_save_and_auto_find_the_merge_base(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo.parent
    store = tmp_path / "baselines"
    code, text = _run_at(
        repo,
        tmp_path / "n0",
        capsys,
        "--baseline",
        "auto",
        "--base-ref",
        "main",
        "--baseline-dir",
        str(store),
    )
    assert code == 0, text
    assert "first adoption" in text and "baseline_optional" in text
    assert _run_at(repo, tmp_path / "base", capsys)[0] == 0
    code, _, _ = run_gates(
        ["baseline", "save", str(tmp_path / "base" / "gate-report.json"), "--dir", str(store)],
        capsys,
    )
    saved_at = _head(root)
    assert code == 0 and (store / f"{saved_at}.json").is_file()
    _commit(root, "main moves on")
    _git(root, "checkout", "-q", "-b", "feature")
    _commit(root, "feature work")
    code, text = _run_at(
        repo,
        tmp_path / "n1",
        capsys,
        "--baseline",
        "auto",
        "--base-ref",
        "main",
        "--baseline-dir",
        str(store),
    )
    assert code == 0, text
    assert f"commit {saved_at[:12]}, 1 commit(s) before merge-base" in text


def test_baseline_save_refuses_an_altered_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checklist = _project(tmp_path)
    assert _run(checklist, tmp_path / "r", capsys) == 0
    path = tmp_path / "r" / "gate-report.json"
    data = json.loads(path.read_text())
    data["verdict"] = "fail"
    path.write_text(json.dumps(data))
    code, _, err = run_gates(["baseline", "save", str(path), "--dir", str(tmp_path / "s")], capsys)
    assert code == 2 and "digest does not match" in err


def test_promotion_unit_refuses_a_report_without_options() -> None:
    from datetime import UTC, datetime

    from gates.model import GateResult, Report
    from gates.report.codec import finalize
    from gates.report.promote import check_promotion

    gate = GateResult(id="check", type="command", status=Status.PASS, blocking=True, summary="")
    report = finalize(
        Report(
            verdict=Status.PASS,
            environment="staging",
            stage="pre-deploy",
            project="p",
            commit=COMMIT,
            branch=None,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            duration_s=1.0,
            checklist_sha256="x",
            tool_versions={},
            gates=(gate,),
            required=("check",),
        ),
        None,
    )
    reasons = check_promotion(
        report,
        target_env="production",
        required=["check"],
        commit=COMMIT,
        max_age_s=3600,
        checklist_sha256="x",
        signing_key=None,
        now=datetime.now(UTC),
        expected_options={"check": {"timeout": 1.0}},
    )
    assert any("records no effective options" in r for r in reasons)
    made_for_target = dataclasses.replace(report, environment="production")
    reasons = check_promotion(
        made_for_target,
        target_env="production",
        required=["check"],
        commit=COMMIT,
        max_age_s=3600,
        checklist_sha256="x",
        signing_key=None,
        now=datetime.now(UTC),
        expected_options={"check": {"timeout": 1.0}},
    )
    assert not any("options" in r for r in reasons)

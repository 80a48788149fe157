"""Report commands through the CLI: report, merge, diff, promote, explain — on real runs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import gate, load_report, run_gates

CHECKLIST = """\
version: 1
project: shop
environments:
  staging:
    require: [build]
  production:
    require: [build, unit]
gates:
  build: {type: command, run: "true"}
  unit: {type: command, run: "true"}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "checklist.yml").write_text(CHECKLIST)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(
        [
            "git",
            "-c",
            "user.email=t@t",
            "-c",
            "user.name=t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "c1",
        ],
        cwd=tmp_path,
        check=True,
    )
    return tmp_path


def _run(project: Path, out: str, *args: str) -> int:
    code, _, _ = run_gates(
        [
            "run",
            "--checklist",
            str(project / "checklist.yml"),
            "--out",
            str(project / out),
            "--no-history",
            *args,
        ]
    )
    return code


def test_report_rerenders_every_format(project: Path) -> None:
    assert _run(project, "r") == 0
    source = project / "r" / "gate-report.json"
    for fmt in ("html", "md", "junit", "sarif"):
        target = project / f"again.{fmt}"
        code, _, _ = run_gates(["report", str(source), "--format", fmt, "-o", str(target)])
        assert code == 0 and target.stat().st_size > 0
    code, _, _ = run_gates(["report", str(project / "missing.json"), "--format", "md"])
    assert code == 2


def test_merge_of_split_jobs_equals_one_full_run(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(project, "full", "--env", "production") == 0
    assert _run(project, "a", "--env", "production", "--only", "build") == 1  # unit required
    assert _run(project, "b", "--env", "production", "--only", "unit") == 1
    merged = project / "merged.json"
    code, _, _ = run_gates(
        [
            "merge",
            str(project / "a" / "gate-report.json"),
            str(project / "b" / "gate-report.json"),
            "-o",
            str(merged),
        ],
        capsys,
    )
    full = load_report(project / "full")
    assert code == 0 and json.loads(merged.read_text())["verdict"] == full["verdict"] == "pass"
    assert [g["status"] for g in json.loads(merged.read_text())["gates"]] == ["pass", "pass"]


def test_merge_refuses_different_commits(project: Path) -> None:
    assert _run(project, "a", "--only", "build") == 0
    assert _run(project, "b", "--only", "unit", "--commit", "f" * 40) == 0
    code, _, _ = run_gates(
        [
            "merge",
            str(project / "a" / "gate-report.json"),
            str(project / "b" / "gate-report.json"),
            "-o",
            str(project / "m.json"),
        ]
    )
    assert code == 2
    assert not (project / "m.json").exists()


def test_diff_prints_status_changes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(project, "base") == 0
    (project / "checklist.yml").write_text(
        CHECKLIST.replace(
            'unit: {type: command, run: "true"}', 'unit: {type: command, run: "false"}'
        )
    )
    assert _run(project, "new") == 1
    code, out, _ = run_gates(
        [
            "diff",
            str(project / "base" / "gate-report.json"),
            str(project / "new" / "gate-report.json"),
        ],
        capsys,
    )
    assert code == 0
    assert "unit" in out and "fail" in out


def test_promote_allows_a_fresh_passing_report_and_refuses_the_rest(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    checklist = str(project / "checklist.yml")
    assert _run(project, "prod", "--env", "production") == 0
    report = project / "prod" / "gate-report.json"
    code, out, _ = run_gates(
        ["promote", "--report", str(report), "--to", "production", "--checklist", checklist], capsys
    )
    assert code == 0, out
    # a staging report does not cover production's requirements
    assert _run(project, "stg", "--env", "staging", "--skip", "unit") == 0
    code, out, _ = run_gates(
        [
            "promote",
            "--report",
            str(project / "stg" / "gate-report.json"),
            "--to",
            "production",
            "--checklist",
            checklist,
        ],
        capsys,
    )
    assert code == 1 and "unit" in out
    # wrong commit
    code, out, _ = run_gates(
        [
            "promote",
            "--report",
            str(report),
            "--to",
            "production",
            "--checklist",
            checklist,
            "--commit",
            "0" * 40,
        ],
        capsys,
    )
    assert code == 1 and "commit" in out
    # tampered field
    data = json.loads(report.read_text())
    data["gates"][1]["summary"] = "edited"
    tampered = project / "tampered.json"
    tampered.write_text(json.dumps(data))
    code, out, _ = run_gates(
        ["promote", "--report", str(tampered), "--to", "production", "--checklist", checklist],
        capsys,
    )
    assert code == 1 and "digest" in out
    # unsigned when a signing key is in force
    monkeypatch.setenv("GATES_SIGNING_KEY", "k3y")
    code, out, _ = run_gates(
        ["promote", "--report", str(report), "--to", "production", "--checklist", checklist], capsys
    )
    assert code == 1 and "sign" in out.lower()
    assert _run(project, "signed", "--env", "production") == 0
    code, out, _ = run_gates(
        [
            "promote",
            "--report",
            str(project / "signed" / "gate-report.json"),
            "--to",
            "production",
            "--checklist",
            checklist,
        ],
        capsys,
    )
    assert code == 0, out
    # stale
    code, out, _ = run_gates(
        [
            "promote",
            "--report",
            str(project / "signed" / "gate-report.json"),
            "--to",
            "production",
            "--checklist",
            checklist,
            "--max-age",
            "0s",
        ],
        capsys,
    )
    assert code == 1 and "old" in out.lower()


def test_explain_known_and_unknown_rules(capsys: pytest.CaptureFixture[str]) -> None:
    from gates.checks import CHECKS

    rule = next(r for c in CHECKS.values() for r in c.rules)
    code, out, _ = run_gates(["explain", rule.id], capsys)
    assert code == 0 and rule.why[:30] in out
    code, _, err = run_gates(["explain", "no-such-rule-xyz"], capsys)
    assert code == 2 and "no rule" in err


def test_report_json_keeps_contract_fields(project: Path) -> None:
    assert _run(project, "r") == 0
    report = load_report(project / "r")
    for key in (
        "schema",
        "verdict",
        "environment",
        "stage",
        "project",
        "commit",
        "branch",
        "started_at",
        "duration_s",
        "checklist_sha256",
        "tool_versions",
        "gates",
        "waivers",
        "digest",
    ):
        assert key in report
    assert report["schema"] == "gates-report/1"
    entry = gate(report, "build")
    for key in (
        "id",
        "type",
        "status",
        "blocking",
        "summary",
        "duration_s",
        "measurements",
        "findings",
        "evidence",
        "error",
    ):
        assert key in entry


def test_promote_refuses_a_post_deploy_report(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # no gate belongs to post-deploy: the run judged nothing, so its own verdict is fail too
    assert _run(project, "post", "--env", "production", "--stage", "post-deploy") == 1
    code, out, _ = run_gates(
        [
            "promote",
            "--report",
            str(project / "post" / "gate-report.json"),
            "--to",
            "production",
            "--checklist",
            str(project / "checklist.yml"),
        ],
        capsys,
    )
    assert code == 1 and "unit" in out and "build" in out

"""``gates merge`` on the example project: split ``--only`` jobs give the verdict of one run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO, gate, load_report, run_gates

CHECKLIST = str(REPO / "examples" / "shop-web" / "checklist.yml")
# secrets is left out: it needs the build output (its bundle), which a fresh clone lacks.
PARTS = ("config", "sast")


@pytest.mark.parametrize("env", [None, "production"])
def test_split_runs_merge_to_the_full_runs_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], env: str | None
) -> None:
    env_args = ["--env", env] if env else []
    common = ["run", "--checklist", CHECKLIST, "--no-history", *env_args]
    full_code, _, _ = run_gates(
        [*common, "--only", ",".join(PARTS), "--out", str(tmp_path / "full")], capsys
    )
    part_paths = []
    for index, only in enumerate(PARTS):
        part = tmp_path / f"part{index}"
        run_gates([*common, "--only", only, "--out", str(part)], capsys)
        part_paths.append(str(part / "gate-report.json"))
    merged = tmp_path / "merged.json"
    code, out, err = run_gates(
        ["merge", *part_paths, "-o", str(merged), "--checklist", CHECKLIST, *env_args], capsys
    )
    full = load_report(tmp_path / "full")
    result = json.loads(merged.read_text())
    assert code == full_code, (out, err)
    assert result["verdict"] == full["verdict"]
    assert result["verdict"] == ("fail" if env == "production" else "pass")
    for item in full["gates"]:
        assert gate(result, item["id"])["status"] == item["status"], item["id"]
    assert sorted(result["verdict_reasons"]) == sorted(full["verdict_reasons"])
    assert result["digest"].startswith("sha256:")


def test_merge_refuses_reports_of_different_commits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = []
    for index, commit in enumerate(("a" * 40, "b" * 40)):
        part = tmp_path / f"p{index}"
        run_gates(
            [
                "run",
                "--checklist",
                CHECKLIST,
                "--no-history",
                "--only",
                "config",
                "--commit",
                commit,
                "--out",
                str(part),
            ],
            capsys,
        )
        paths.append(str(part / "gate-report.json"))
    code, out, err = run_gates(["merge", *paths, "-o", str(tmp_path / "m.json")], capsys)
    assert code == 2
    assert "reports differ in commit" in out + err
    assert not (tmp_path / "m.json").exists()

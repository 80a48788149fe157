"""examples/python-service: its own checklist passes; a vulnerable pin makes it block."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from typing import Any

from tests.conftest import REPO, gate, load_report, run_gates

EXAMPLE = REPO / "examples" / "python-service"


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "python-service"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("reports", ".coverage*"))
    # the checklist runs `python3 -m coverage … pytest`: the interpreter running these tests
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return root


def _run(root: Path) -> tuple[int, dict[str, Any]]:
    out = root / "reports"
    rc, _, _ = run_gates(
        ["run", "--checklist", str(root / "checklist.yml"), "--out", str(out), "--no-history"]
    )
    return rc, load_report(out)


@pytest.mark.slow
def test_python_service_checklist_passes(service: Path) -> None:
    rc, report = _run(service)
    assert rc == 0 and report["verdict"] == "pass"
    assert {g["id"]: g["status"] for g in report["gates"]} == {
        "tests": "pass",
        "coverage": "pass",
        "sast": "pass",
        "dependencies": "pass",
        "secrets": "pass",
    }


@pytest.mark.slow
def test_python_service_blocks_a_vulnerable_pin(service: Path) -> None:
    (service / "requirements.txt").write_text("PyYAML==5.3\n")
    rc, report = _run(service)
    deps = gate(report, "dependencies")
    assert rc == 1 and deps["status"] == "fail"
    assert {f["rule"] for f in deps["findings"]} == {"GHSA-8q59-q68h-6hv4", "GHSA-6757-jp84-gxfx"}

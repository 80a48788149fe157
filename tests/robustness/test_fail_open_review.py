"""Fail-open review: evidence that says nothing (zero files scanned, zero runs, a tool that says
it failed, a report that does not say what it audited) must end in ``error``, never ``pass``.

Every case runs end to end through ``gates run`` and reads the written report."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TESTS, gate
from tests.support.gates import run_checklist


def _run(root: Path, gate_yaml: str, files: Mapping[str, str | bytes]) -> dict[str, object]:
    """Write ``files`` and a one-gate checklist into ``root``, run it, return that gate."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    checklist = root / "checklist.yml"
    checklist.write_text("version: 1\nproject: t\ngates:\n  g:\n" + gate_yaml)
    return gate(run_checklist(checklist, root / "reports")[1], "g")


# --- sast -------------------------------------------------------------------------------

SAST_SARIF = "    type: sast\n    fail_on: low\n    sources: [{tool: sarif, file: x.sarif}]\n"


def _sarif(runs: list[dict[str, Any]]) -> str:
    return json.dumps({"version": "2.1.0", "runs": runs})


def test_sarif_with_zero_runs_is_error(tmp_path: Path) -> None:
    result = _run(tmp_path, SAST_SARIF, {"x.sarif": _sarif([])})
    assert result["status"] == "error"
    assert "no runs" in str(result["error"])


def test_sarif_run_without_results_is_error(tmp_path: Path) -> None:
    run = {"tool": {"driver": {"name": "semgrep"}}}
    result = _run(tmp_path, SAST_SARIF, {"x.sarif": _sarif([run])})
    assert result["status"] == "error"
    assert "no results list" in str(result["error"])


def test_sarif_run_that_says_it_failed_is_error(tmp_path: Path) -> None:
    run = {
        "tool": {"driver": {"name": "CodeQL"}},
        "invocations": [
            {
                "executionSuccessful": False,
                "toolExecutionNotifications": [
                    {"level": "error", "message": {"text": "database extraction failed"}}
                ],
            }
        ],
        "results": [],
    }
    result = _run(tmp_path, SAST_SARIF, {"x.sarif": _sarif([run])})
    assert result["status"] == "error"
    assert "database extraction failed" in str(result["error"])


@pytest.mark.parametrize(("status", "expected"), [("rejected", "fail"), ("accepted", "pass")])
def test_sarif_rejected_suppression_still_blocks(
    tmp_path: Path, status: str, expected: str
) -> None:
    run = {
        "tool": {"driver": {"name": "eslint"}},
        "results": [
            {
                "ruleId": "no-eval",
                "level": "error",
                "message": {"text": "eval"},
                "suppressions": [{"kind": "external", "status": status}],
            }
        ],
    }
    result = _run(tmp_path, SAST_SARIF, {"x.sarif": _sarif([run])})
    assert result["status"] == expected


def test_bandit_run_on_folders_without_python_is_error(tmp_path: Path) -> None:
    files = {"web/app.js": "eval(location.hash)\n", "empty/.keep": ""}
    result = _run(
        tmp_path,
        "    type: sast\n    sources: [{tool: bandit, paths: [web, empty]}]\n",
        files,
    )
    assert result["status"] == "error"
    assert "scanned no Python file" in str(result["error"])


def test_bandit_report_of_zero_files_is_error(tmp_path: Path) -> None:
    report = {"errors": [], "metrics": {"_totals": {"loc": 0}}, "results": []}
    result = _run(
        tmp_path,
        "    type: sast\n    sources: [{tool: bandit, file: b.json}]\n",
        {"b.json": json.dumps(report)},
    )
    assert result["status"] == "error"


# --- dependencies -----------------------------------------------------------------------

FIXTURES = TESTS / "fixtures" / "osv"
DEPS_FILE = "    type: dependencies\n    sources: [{tool: npm-audit, file: audit.json}]\n"
OFFLINE = "    type: dependencies\n    sources: [{tool: osv, lockfile: [%s], db: advisories}]\n"
LOCK = json.dumps(
    {
        "lockfileVersion": 3,
        "packages": {"": {"name": "app"}, "node_modules/left-pad": {"version": "1.3.0"}},
    }
)


def _advisories(root: Path, ecosystem: str) -> None:
    for path in (FIXTURES / ecosystem).glob("*.json"):
        target = root / "advisories" / ecosystem / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())


@pytest.mark.parametrize(
    "metadata",
    [None, {"vulnerabilities": {"total": 0}}, {"dependencies": {"total": "12"}}],
    ids=["no-metadata", "no-dependency-count", "count-not-a-number"],
)
def test_npm_audit_v2_that_does_not_say_what_it_audited_is_error(
    tmp_path: Path, metadata: dict[str, object] | None
) -> None:
    report: dict[str, object] = {"auditReportVersion": 2, "vulnerabilities": {}}
    if metadata is not None:
        report["metadata"] = metadata
    result = _run(tmp_path, DEPS_FILE, {"audit.json": json.dumps(report)})
    assert result["status"] == "error"
    assert "metadata.dependencies.total" in str(result["error"])


def test_npm_audit_v2_of_zero_dependencies_is_error(tmp_path: Path) -> None:
    report = {
        "auditReportVersion": 2,
        "vulnerabilities": {},
        "metadata": {"dependencies": {"total": 0}},
    }
    result = _run(tmp_path, DEPS_FILE, {"audit.json": json.dumps(report)})
    assert result["status"] == "error"


def test_offline_lockfile_without_packages_next_to_a_real_one_is_error(tmp_path: Path) -> None:
    _advisories(tmp_path, "npm")
    _advisories(tmp_path, "PyPI")
    files = {"package-lock.json": LOCK, "requirements.txt": "# nothing pinned yet\n"}
    result = _run(tmp_path, OFFLINE % "package-lock.json, requirements.txt", files)
    assert result["status"] == "error"
    assert "requirements.txt: the lock file resolves no package" in str(result["error"])


def test_offline_packages_of_an_ecosystem_the_db_lacks_are_unaudited(tmp_path: Path) -> None:
    _advisories(tmp_path, "npm")  # npm advisories only; the PyPI pins cannot be judged
    files = {"package-lock.json": LOCK, "requirements.txt": "requests==2.32.4\n"}
    result = _run(tmp_path, OFFLINE % "package-lock.json, requirements.txt", files)
    assert result["status"] == "error"
    assert "no PyPI advisories" in str(result["error"])


def test_offline_with_both_ecosystems_covered_passes(tmp_path: Path) -> None:
    _advisories(tmp_path, "npm")
    _advisories(tmp_path, "PyPI")
    files = {"package-lock.json": LOCK, "requirements.txt": "requests==2.32.4\n"}
    result = _run(tmp_path, OFFLINE % "package-lock.json, requirements.txt", files)
    assert result["status"] == "pass", result["error"]


# --- coverage ---------------------------------------------------------------------------

COBERTURA = (
    '<?xml version="1.0" ?><coverage version="7.6.1" lines-valid="2" lines-covered="2">'
    '<packages><package name="p"><classes><class name="a.py" filename="a.py"><lines>'
    '<line number="1" hits="1"/><line number="2" hits="1"/></lines></class></classes>'
    "</package></packages></coverage>"
)
EMPTY_LCOV = "TN:\nSF:web/app.js\nend_of_record\n"


def test_coverage_report_that_measured_nothing_beside_a_real_one_is_error(
    tmp_path: Path,
) -> None:
    files = {"a.py": "x = 1\ny = 2\n", "cov/py.xml": COBERTURA, "cov/web.lcov": EMPTY_LCOV}
    result = _run(
        tmp_path,
        "    type: coverage\n    report: [cov/py.xml, cov/web.lcov]\n    thresholds: {lines: 80}\n",
        files,
    )
    assert result["status"] == "error"
    assert "web.lcov lists no coverable lines" in str(result["error"])


# --- secrets ----------------------------------------------------------------------------


def test_secrets_path_that_selects_no_file_is_error(tmp_path: Path) -> None:
    files = {"src/app.py": "x = 1\n"}
    result = _run(tmp_path, "    type: secrets\n    paths: [src, confg]\n", files)
    assert result["status"] == "error"
    assert "confg" in str(result["error"])


def test_secrets_typoed_tree_path_is_not_hidden_by_the_bundle(tmp_path: Path) -> None:
    files = {"src/app.py": "x = 1\n", "build/app.js": "console.log(1)\n"}
    result = _run(tmp_path, "    type: secrets\n    paths: [scr]\n    bundle: build\n", files)
    assert result["status"] == "error"

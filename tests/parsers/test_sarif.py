"""SARIF 2.1.0 input on every corpus log; semgrep native JSON is refused with a clear reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gates.errors import InputError
from gates.model import Severity
from gates.parsers import sarif
from tests.conftest import CORPUS

LOGS = sorted(p for p in (CORPUS / "sarif").glob("*.sarif"))


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_every_corpus_log_parses_all_results(path: Path) -> None:
    raw = json.loads(path.read_text())
    expected = sum(len(run.get("results") or []) for run in raw["runs"])
    log = sarif.load(path)
    assert len(log.results) == expected
    for res in log.results:
        assert res.rule_id and res.level in ("error", "warning", "note", "none")


def test_levels_default_from_rule_then_warning() -> None:
    log = sarif.load(CORPUS / "sarif" / "semgrep-0.44-no-level-577-results.sarif")
    assert len(log.results) == 577 and log.rule_count == 136
    # No result carries a level: every one comes from its rule's defaultConfiguration.
    assert {r.level for r in log.results} <= {"error", "warning", "note"}
    assert any(r.cwe for r in log.results)
    bandit_log = sarif.load(
        CORPUS / "sarif" / "bandit-1.9.3-sarif-one-result-metrics-in-properties.sarif"
    )
    (only,) = bandit_log.results
    assert only.level == "warning" and only.severity == Severity.MEDIUM  # SARIF default
    assert only.path == "src/todoList.py" and only.line == 48 and "eval" in only.snippet


def test_eslint_levels_and_absolute_file_uris_made_relative() -> None:
    root = Path("/Users/elizabethbarrord/git/code-scanning-javascript-demo")
    log = sarif.load(CORPUS / "sarif" / "eslint-8.49-errors-warnings.sarif", root)
    assert sum(r.level == "error" for r in log.results) == 817
    assert sum(r.level == "warning" for r in log.results) == 5
    assert log.results[0].path == ".eslintrc.js"


def test_codeql_zero_results_and_cwe_from_tags() -> None:
    log = sarif.load(CORPUS / "sarif" / "codeql-2.19.1-zero-results-40-rules.sarif")
    assert log.results == () and log.rule_count == 40 and log.tools == ("CodeQL",)


def test_trivy_three_levels() -> None:
    log = sarif.load(CORPUS / "sarif" / "trivy-0.15-container-vulns-error-warning-note.sarif")
    assert {r.level for r in log.results} == {"error", "warning", "note"}
    assert sum(r.level == "note" for r in log.results) == 14


def _log(result: dict[str, Any], rule: dict[str, Any] | None = None) -> str:
    return json.dumps(
        {
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {"driver": {"name": "t", "rules": [rule or {"id": "R1"}]}},
                    "results": [result],
                }
            ],
        }
    )


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        ("9.1", Severity.CRITICAL),
        ("9.0", Severity.CRITICAL),
        ("7.0", Severity.HIGH),
        ("6.9", Severity.MEDIUM),
        ("4.0", Severity.MEDIUM),
        ("0.1", Severity.LOW),
    ],
)
def test_security_severity_bands(score: str, expected: Severity) -> None:
    rule = {
        "id": "R1",
        "properties": {"security-severity": score, "tags": ["external/cwe/cwe-079"]},
        "defaultConfiguration": {"level": "note"},
    }
    res = {
        "ruleId": "R1",
        "message": {"text": "m"},
        "partialFingerprints": {"primaryLocationLineHash": "ab:1"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "src/a.js"},
                    "region": {"startLine": 3},
                }
            }
        ],
    }
    (item,) = sarif.parse(_log(res, rule)).results
    assert item.severity == expected and item.level == "note"
    assert item.cwe == ("CWE-79",) and item.partial_fingerprints == {
        "primaryLocationLineHash": "ab:1"
    }


def test_semgrep_native_json_is_refused_with_reason() -> None:
    with pytest.raises(InputError, match="semgrep's native JSON"):
        sarif.load(CORPUS / "sarif" / "semgrep-1.144-native-json-not-sarif.json")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{}",
        '{"version": "2.0.0", "runs": []}',
        '{"runs": {}}',
        "nul\x00",
        _log({"ruleId": "R1", "level": "fatal"}),
    ],
)
def test_hostile_or_foreign_input_is_a_clean_error(text: str) -> None:
    with pytest.raises(InputError):
        sarif.parse(text)

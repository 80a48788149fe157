"""bandit JSON parser on every real report in the corpus, plus hostile inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gates.errors import InputError
from gates.model import Severity
from gates.parsers import bandit
from tests.conftest import CORPUS

FILES = sorted((CORPUS / "bandit").glob("*.json"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_corpus_report_parses_with_bandits_own_totals(path: Path) -> None:
    raw = json.loads(path.read_text())
    report = bandit.load(path)
    assert len(report.issues) == len(raw["results"])
    assert len(report.errors) == len(raw["errors"])
    totals = raw["metrics"]["_totals"]
    for level, sev in (("HIGH", Severity.HIGH), ("MEDIUM", Severity.MEDIUM), ("LOW", Severity.LOW)):
        assert sum(i.severity == sev for i in report.issues) == totals[f"SEVERITY.{level}"]
    for issue in report.issues:
        assert "\\" not in issue.path and not issue.path.startswith("./")
        assert issue.line is not None and issue.test_id.startswith("B")


def test_big_windows_report_counts() -> None:
    report = bandit.load(CORPUS / "bandit" / "bandit-demo-venv-windows-paths.json")
    assert len(report.issues) == 516
    assert sum(i.severity == Severity.HIGH for i in report.issues) == 15


def test_snippet_drops_line_numbers_so_fingerprints_survive_shifts() -> None:
    report = bandit.load(CORPUS / "bandit" / "flask-high-medium-low-b201-b104-b113.json")
    first = report.issues[0]
    assert first.snippet == "app.secret_key = 'supersecretkey'"
    assert first.cwe == "CWE-259"


def test_errors_are_kept() -> None:
    text = json.dumps(
        {
            "errors": [
                {"filename": "pkg\\bad.py", "reason": "syntax error while parsing AST from file"}
            ],
            "generated_at": "x",
            "metrics": {},
            "results": [],
        }
    )
    report = bandit.parse(text)
    assert report.errors == (("pkg/bad.py", "syntax error while parsing AST from file"),)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "[]",
        '{"results": 3}',
        "\x00\x01junk",
        '{"results": [{"test_id": "B1", "issue_severity": "EXTREME", "issue_confidence": "LOW"}]}',
        "[" * 100000,
    ],
)
def test_hostile_input_is_a_clean_error(text: str) -> None:
    with pytest.raises(InputError):
        bandit.parse(text)

"""bandit ``-f json`` reports (PyCQA/bandit 1.7–1.9).

Tested on ``tests/corpus/bandit/*.json``: 516 results from a Windows venv scan, backslash paths,
clean reports, one of each severity. ``errors`` (files bandit could not parse) are kept: they do
not change bandit's exit code, so a gate that ignored them could pass on code nobody scanned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gates.errors import InputError
from gates.io.safe import parse_json_text, read_text
from gates.model import Severity

_LEVELS = {
    "UNDEFINED": Severity.INFO,
    "LOW": Severity.LOW,
    "MEDIUM": Severity.MEDIUM,
    "HIGH": Severity.HIGH,
}
_NUMBERED = re.compile(r"^(\d+) ?(.*)$")


def _dict(value: object) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty dict (hostile input never raises)."""
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class BanditIssue:
    """One ``results[]`` entry."""

    test_id: str
    test_name: str
    severity: Severity
    confidence: Severity
    path: str
    """As bandit wrote it, with ``\\`` turned into ``/``."""
    line: int | None
    column: int | None
    text: str
    snippet: str
    """The flagged line(s) without bandit's line-number prefixes (stable when lines shift)."""
    cwe: str | None
    more_info: str


@dataclass(frozen=True)
class BanditReport:
    """A whole report: issues, unparsed files and bandit's own totals."""

    issues: tuple[BanditIssue, ...]
    errors: tuple[tuple[str, str], ...]
    """``(filename, reason)`` for each file bandit could not scan."""
    totals: dict[str, int]
    files_scanned: int | None = None
    """Files bandit analysed (its per-file ``metrics`` entries); ``None`` without ``metrics``."""


def load(path: Path) -> BanditReport:
    """Parse a bandit JSON file."""
    return parse(read_text(path), str(path))


def _level(value: object, name: str, field: str) -> Severity:
    try:
        return _LEVELS[str(value).upper()]
    except KeyError:
        raise InputError(f"{name}: unknown bandit {field} {value!r}") from None


def _snippet(code: str, lines: set[int]) -> str:
    """The code of ``lines`` out of bandit's numbered context (``"5 x = 1\\n6 y = 2"``)."""
    picked, every = [], []
    for raw in code.splitlines():
        match = _NUMBERED.match(raw)
        if match is None:
            continue
        number, text = match.groups()
        every.append(text)
        if int(number) in lines:
            picked.append(text)
    return "\n".join(picked or every)


def _issue(item: Any, name: str) -> BanditIssue:
    if not isinstance(item, dict) or not isinstance(item.get("test_id"), str):
        raise InputError(f"{name}: a bandit result has no test_id")
    line = item.get("line_number")
    if isinstance(line, int) and line < 1:
        raise InputError(f"{name}: line_number {line} is impossible (bandit counts lines from 1)")
    raw_range = item.get("line_range")
    line_range: list[Any] = raw_range if isinstance(raw_range, list) else [line]
    cwe = _dict(item.get("issue_cwe"))
    col = item.get("col_offset")
    return BanditIssue(
        test_id=item["test_id"],
        test_name=str(item.get("test_name") or ""),
        severity=_level(item.get("issue_severity"), name, "severity"),
        confidence=_level(item.get("issue_confidence"), name, "confidence"),
        path=str(item.get("filename") or "").replace("\\", "/").removeprefix("./"),
        line=line if isinstance(line, int) else None,
        column=col + 1 if isinstance(col, int) else None,
        text=str(item.get("issue_text") or ""),
        snippet=_snippet(
            str(item.get("code") or ""), {n for n in line_range if isinstance(n, int)}
        ),
        cwe=f"CWE-{cwe['id']}" if cwe.get("id") else None,
        more_info=str(item.get("more_info") or ""),
    )


def parse(text: str, name: str = "bandit.json") -> BanditReport:
    """Parse bandit JSON text; anything that is not a bandit report → InputError."""
    data = parse_json_text(text, name)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise InputError(f"{name}: not a bandit JSON report (no 'results' list)")
    errors_raw = data.get("errors", [])
    if not isinstance(errors_raw, list):
        raise InputError(f"{name}: bandit 'errors' is not a list")
    errors = tuple(
        (str(e.get("filename", "?")).replace("\\", "/"), str(e.get("reason", "")))
        if isinstance(e, dict)
        else ("?", str(e))
        for e in errors_raw
    )
    metrics = _dict(data.get("metrics"))
    totals_raw = _dict(metrics.get("_totals"))
    totals = {str(k): int(v) for k, v in totals_raw.items() if isinstance(v, int | float)}
    scanned = sum(1 for key in metrics if key != "_totals") if "metrics" in data else None
    return BanditReport(
        issues=tuple(_issue(i, name) for i in data["results"]),
        errors=errors,
        totals=totals,
        files_scanned=scanned,
    )

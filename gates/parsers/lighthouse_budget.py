"""Lighthouse ``budget.json`` (performance budgets) → a list of :class:`PathBudget`.

Format (Lighthouse's budget.json, the file ``lhci assert --budgetsFile`` reads; corpus:
``tests/corpus/lighthouse/budget-performance-budgets-adocavo.json``): a list of objects with an
optional ``path`` (robots.txt-style: a prefix, ``*`` wildcard, ``$`` end anchor), ``timings``
(``{metric, budget}``, ms; CLS unitless), ``resourceSizes`` (``{resourceType, budget}`` in KiB,
1 KiB = 1024 bytes as Lighthouse counts) and ``resourceCounts`` (``{resourceType, budget}``).
When several budgets match a URL the last one applies, as in Lighthouse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gates.errors import InputError
from gates.io.safe import parse_json_text, read_text

RESOURCE_TYPES = frozenset(
    {"total", "document", "script", "stylesheet", "image", "media", "font", "other", "third-party"}
)


@dataclass(frozen=True)
class PathBudget:
    """One budget.json entry."""

    path: str
    timings: dict[str, float]
    sizes: dict[str, float]
    """resourceType → KiB."""
    counts: dict[str, int]

    def matches(self, url_path: str) -> bool:
        """Whether this entry applies to a URL path (prefix, ``*`` and ``$`` as in robots.txt)."""
        pattern = re.escape(self.path or "/").replace(r"\*", ".*")
        if pattern.endswith(r"\$"):
            pattern = pattern[:-2] + "$"
        return re.match(pattern, url_path) is not None


def load(path: Path) -> list[PathBudget]:
    """Read a budget.json file."""
    return parse(read_text(path), str(path))


def parse(text: str, name: str) -> list[PathBudget]:
    """Validate and convert budget.json text."""
    data = parse_json_text(text, name)
    if not isinstance(data, list) or not data:
        raise InputError(f"{name}: budget.json is a non-empty list of budgets")
    return [_entry(name, index, item) for index, item in enumerate(data)]


def for_path(budgets: list[PathBudget], url_path: str) -> PathBudget | None:
    """The budget that applies to ``url_path``: the last matching one."""
    matching = [b for b in budgets if b.matches(url_path)]
    return matching[-1] if matching else None


def _entry(name: str, index: int, item: Any) -> PathBudget:
    if not isinstance(item, dict):
        raise InputError(f"{name}: budget #{index + 1} is not an object")
    path = item.get("path", "/")
    if not isinstance(path, str):
        raise InputError(f"{name}: budget #{index + 1}: path is not a string")
    timings = _rows(name, index, item.get("timings", []), "metric")
    sizes = _rows(name, index, item.get("resourceSizes", []), "resourceType")
    counts = _rows(name, index, item.get("resourceCounts", []), "resourceType")
    for kind in (*sizes, *counts):
        if kind not in RESOURCE_TYPES:
            raise InputError(f"{name}: budget #{index + 1}: unknown resourceType '{kind}'")
    return PathBudget(
        path=path, timings=timings, sizes=sizes, counts={k: int(v) for k, v in counts.items()}
    )


def _rows(name: str, index: int, rows: Any, key: str) -> dict[str, float]:
    if not isinstance(rows, list):
        raise InputError(f"{name}: budget #{index + 1}: expected a list of {{{key}, budget}}")
    out = {}
    for row in rows:
        label = row.get(key) if isinstance(row, dict) else None
        value = row.get("budget") if isinstance(row, dict) else None
        if (
            not isinstance(label, str)
            or isinstance(value, bool)
            or not isinstance(value, int | float)
        ):
            raise InputError(
                f"{name}: budget #{index + 1}: each row needs '{key}' and a numeric 'budget'"
            )
        out[label] = float(value)
    return out

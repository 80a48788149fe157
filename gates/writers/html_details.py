"""The HTML report's views of a gate's ``details``: tables, key/value lists, lists and text for
people, and the bounded raw JSON one click away; ``clean``, the text every view shows, without
ANSI escapes and control characters (autoescaping does the rest)."""

from __future__ import annotations

import json
import re
from typing import Any

from markupsafe import escape

from gates.report.diff import format_value

_ANSI = r"\x1b\[[0-9;?]*[A-Za-z]"
_CONTROL = re.compile(_ANSI + r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SEPARATOR = "\x00"
"""Joins the values :func:`clean_escaped` cleans in one pass: a control character (so never
in a value once cleaned) that no ANSI sequence can contain."""
_CONTROL_BUT_SEPARATOR = re.compile(_ANSI + r"|[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_DETAIL_ROWS = 200
MAX_DEPTH = 4


def clean(text: object) -> str:
    """Text without ANSI escapes and control characters (autoescaping does the rest)."""
    return _CONTROL.sub("", str(text))


def clean_escaped(values: list[str]) -> list[str]:
    """``[escape(clean(v)) for v in values]`` as ``str``, in one regex pass and one escape over
    the values joined: the findings table cleans and escapes six values per finding, and a
    call per value was 0.3 s of a 12,000-finding page. No match can cross the separator (no
    ANSI sequence holds it, and it is not removed), so each part is cleaned as it would be
    alone; values that hold the separator themselves are cleaned one by one."""
    if not values:
        return []
    joined = _SEPARATOR.join(values)
    if joined.count(_SEPARATOR) != len(values) - 1:
        return [str(escape(clean(v))) for v in values]
    return str(escape(_CONTROL_BUT_SEPARATOR.sub("", joined))).split(_SEPARATOR)


def label(key: object) -> str:
    """A details key as people read it: ``budget_entries`` → ``budget entries``."""
    return clean(key).replace("_", " ")


def scalar(value: Any) -> str:
    """One value as text: ``—`` for nothing, yes/no, numbers rounded to what the eye needs."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return format_value(float(value)) if isinstance(value, float) else f"{value:,}"
    return clean(value)


def detail_view(value: Any, depth: int = 0) -> dict[str, Any]:
    """A view of a ``details`` value for people: tables, key/value lists, lists, text.

    Never JSON in a cell: nested values become nested views, and past :data:`MAX_DEPTH` a count
    ("3 fields") — the raw JSON is one click away on every gate.
    """
    if isinstance(value, dict | list | tuple) and depth >= MAX_DEPTH:
        size = len(value)
        noun = "field" if isinstance(value, dict) else "item"
        return {"kind": "text", "text": f"{size} {noun}{'s' if size != 1 else ''} (see raw JSON)"}
    if isinstance(value, dict):
        if not value:
            return {"kind": "text", "text": "none"}
        return {
            "kind": "map",
            "items": [
                (label(k), detail_view(v, depth + 1))
                for k, v in list(value.items())[:MAX_DETAIL_ROWS]
            ],
        }
    if isinstance(value, list | tuple):
        rows = list(value)
        if not rows:
            return {"kind": "text", "text": "none"}
        if all(isinstance(r, dict) for r in rows):
            columns = list(dict.fromkeys(k for r in rows for k in r))
            body = [
                [_cell_view(r.get(c), depth + 1) for c in columns] for r in rows[:MAX_DETAIL_ROWS]
            ]
            numeric = [
                all(
                    isinstance(r.get(c), int | float) and not isinstance(r.get(c), bool)
                    for r in rows
                    if r.get(c) is not None
                )
                for c in columns
            ]
            return {
                "kind": "table",
                "columns": [label(c) for c in columns],
                "numeric": numeric,
                "rows": body,
                "more": max(0, len(rows) - MAX_DETAIL_ROWS),
            }
        if all(not isinstance(r, dict | list | tuple) for r in rows) and len(rows) <= 12:
            return {"kind": "text", "text": ", ".join(scalar(r) for r in rows)}
        return {
            "kind": "list",
            "items": [detail_view(v, depth + 1) for v in rows[:MAX_DETAIL_ROWS]],
            "more": max(0, len(rows) - MAX_DETAIL_ROWS),
        }
    return {"kind": "text", "text": scalar(value)[:500]}


def _cell_view(value: Any, depth: int) -> dict[str, Any]:
    return detail_view(value, depth)


def raw_json(value: Any, limit: int = 100_000) -> str:
    """The details as indented JSON for the "raw JSON" disclosure (bounded).

    Indented JSON is written by the json module's Python encoder (its C one writes no indent):
    it stops once the shown part is complete, rather than encoding all of large details (the
    migrations gate of 500 files: 158,000 characters, 100,000 shown)."""
    encoder = json.JSONEncoder(indent=2, default=str, ensure_ascii=False, sort_keys=True)
    parts: list[str] = []
    size, check_at = 0, limit
    for chunk in encoder.iterencode(value):
        parts.append(chunk)
        size += len(chunk)
        if size > check_at:
            text = clean("".join(parts))  # what clean() drops does not count against the limit
            if len(text) > limit:
                return text[:limit] + "\n… (truncated)"
            check_at = 2 * size
    return clean("".join(parts))

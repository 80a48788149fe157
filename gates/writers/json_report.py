"""``gate-report.json``: the report as JSON (encoding, integrity: gates.report.codec).

The layout is for people and diffs: the report, each gate and its details are indented one key
per line; each finding (and each row of a details list) is one line. The lines are written by
the standard library's C encoder; the indented layout of ``json.dumps(indent=2)`` goes through
its pure-Python encoder, which took 0.6 s for a 12,000-finding report.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

from gates.model import Report
from gates.report.codec import compute_digest, report_dict

EXPANDED_DICT_DEPTH = 4
"""Objects nested less deeply than this (the report 0, a gate 2, its details 3) are one key
per line; deeper ones (a finding, 4) are one line."""
EXPANDED_LIST_DEPTH = 5
"""Lists of objects or lists nested less deeply than this are one item per line."""


def _refuse(value: object) -> object:
    raise TypeError(f"not JSON: {type(value).__name__}")


def _one_line_encoder() -> Callable[[Any], str]:
    """One-line JSON of a value (``", "`` and ``": "``, non-ASCII as is, no NaN). The C
    encoder is made once: ``JSONEncoder.encode`` makes a new one per call, which cost as much
    as the encoding of a finding."""
    if c_make_encoder is None:  # not CPython
        return json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    encode = c_make_encoder(None, _refuse, encode_basestring, None, ": ", ", ", False, False, False)
    return lambda value: "".join(encode(value, 0))


_one_line = _one_line_encoder()


def render(report: Report) -> str:
    """``gate-report.json`` text (a missing digest is filled in, never changed)."""
    if not report.digest:
        report = dataclasses.replace(report, digest=compute_digest(report))
    return _layout(report_dict(report), 0, "") + "\n"


def _layout(value: Any, depth: int, indent: str) -> str:
    inner = indent + "  "
    if isinstance(value, dict) and value and depth < EXPANDED_DICT_DEPTH:
        lines = [
            f"{inner}{_one_line(key)}: {_layout(v, depth + 1, inner)}" for key, v in value.items()
        ]
        return "{\n" + ",\n".join(lines) + "\n" + indent + "}"
    if (
        isinstance(value, list)
        and depth < EXPANDED_LIST_DEPTH
        and any(isinstance(item, dict | list) for item in value)
    ):
        lines = [inner + _layout(item, depth + 1, inner) for item in value]
        return "[\n" + ",\n".join(lines) + "\n" + indent + "]"
    return _one_line(value)

"""``gate-report.json``: the report as indented JSON (encoding, integrity: gates.report.codec)."""

from __future__ import annotations

import dataclasses
import json

from gates.model import Report
from gates.report.codec import compute_digest, to_dict


def render(report: Report) -> str:
    """``gate-report.json`` text (indented; a missing digest is filled in, never changed)."""
    if not report.digest:
        report = dataclasses.replace(report, digest=compute_digest(report))
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n"

"""``reports/history.jsonl``: one JSON line per run, so the HTML report can draw trend lines.

A line: ``{"commit", "branch", "time", "environment", "stage", "verdict", "digest",
"gates": {id: {"status", "measurements": {name: value}}}}``. Lines are appended with one
``write`` on a file opened for appending; a torn or foreign line is skipped when loading
(history is context for a reader, never evidence for a verdict).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from gates.errors import InputError
from gates.io.safe import read_text
from gates.model import Report

FILENAME = "history.jsonl"
MAX_BYTES = 32 * 1024 * 1024
"""Largest history file read (it holds small lines; a larger one is cut to its newest lines)."""


def summary(report: Report) -> dict[str, Any]:
    """The one-line summary of ``report`` that goes into the history."""
    return {
        "commit": report.commit,
        "branch": report.branch,
        "time": report.started_at,
        "environment": report.environment,
        "stage": report.stage,
        "verdict": report.verdict.value,
        "digest": report.digest,
        "gates": {
            gate.id: {
                "status": gate.status.value,
                "measurements": {m.name: m.value for m in gate.measurements},
            }
            for gate in report.gates
        },
    }


def append(report: Report, out_dir: Path) -> Path:
    """Append ``report``'s summary to ``out_dir/history.jsonl``; returns the file."""
    path = Path(out_dir) / FILENAME
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (
        json.dumps(summary(report), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        + "\n"
    )
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)
    return path


def load(out_dir: Path, limit: int = 30) -> list[dict[str, Any]]:
    """The newest ``limit`` summaries, oldest first; ``[]`` when there is no history."""
    path = Path(out_dir) / FILENAME
    if not path.is_file():
        return []
    try:
        text = read_text(path, allow_empty=True, max_bytes=MAX_BYTES)
    except InputError:
        return []
    entries: list[dict[str, Any]] = []
    for raw in text.splitlines():
        try:
            item = json.loads(raw)
        except (json.JSONDecodeError, RecursionError):
            continue
        if isinstance(item, dict) and isinstance(item.get("gates"), dict):
            entries.append(item)
    return entries[-limit:] if limit > 0 else []


def series(history: list[dict[str, Any]], gate_id: str, name: str) -> list[float]:
    """The values of one measurement over the history (entries without it are left out)."""
    values: list[float] = []
    for entry in history:
        gate = entry.get("gates", {}).get(gate_id)
        if not isinstance(gate, dict):
            continue
        measured = gate.get("measurements", {})
        value = measured.get(name) if isinstance(measured, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            values.append(float(value))
    return values

"""``reports/history.jsonl``: one JSON line per run, so the HTML report can draw trend lines.

A line: ``{"commit", "branch", "time", "environment", "stage", "verdict", "digest",
"gates": {id: {"status", "duration_s", "measurements": {name: value}}}}``. Lines are appended
with one ``write`` on a file opened for appending; a torn or foreign line is skipped when loading
(history is context for a reader and the order gates start in, never evidence for a verdict).
"""

from __future__ import annotations

import json
import math
import os
import stat
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
                "duration_s": gate.duration_s,
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


TAIL_BYTES = 256 * 1024
"""How much of the end of the history :func:`last_durations` reads (lines are ~1 KB)."""


def last_durations(out_dir: Path) -> dict[str, float]:
    """``{gate id: seconds}`` of the newest run in the history that timed its gates (``{}``
    when none did, or there is no history). Reads only the end of the file: it is asked
    before a run starts."""
    path = Path(out_dir) / FILENAME
    try:
        # non-blocking: a FIFO in its place must not hang the run; only a regular file is read
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return {}
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return {}
        tail = os.pread(fd, TAIL_BYTES, max(0, info.st_size - TAIL_BYTES))
    except OSError:
        return {}
    finally:
        os.close(fd)
    for raw in reversed(tail.splitlines()):
        try:
            item = json.loads(raw)
        except (ValueError, RecursionError):  # a torn line, or the cut first one
            continue
        gates = item.get("gates") if isinstance(item, dict) else None
        if not isinstance(gates, dict):
            continue
        durations = {
            str(gate_id): float(gate["duration_s"])
            for gate_id, gate in gates.items()
            if isinstance(gate, dict)
            and isinstance(gate.get("duration_s"), int | float)
            and not isinstance(gate.get("duration_s"), bool)
            and math.isfinite(gate["duration_s"])
            and gate["duration_s"] >= 0
        }
        if durations:
            return durations
    return {}


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

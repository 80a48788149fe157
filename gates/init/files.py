"""Reading a project's files for ``gates init``: bounded, never blocking, never raising."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_MAX_BYTES = 5 * 1024 * 1024


def read_small_text(path: Path) -> str:
    """A regular file's text, at most ``_MAX_BYTES``; ``""`` for anything else (a device, a
    folder, a file too large or unreadable): hostile layouts never hang or crash detection."""
    try:
        if not path.is_file() or path.stat().st_size > _MAX_BYTES:
            return ""
        with path.open("rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
    except OSError:
        return ""
    return data[:_MAX_BYTES].decode("utf-8", errors="replace")


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_small_text(path) or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def env_keys(path: Path) -> list[str]:
    """The variable names an env example sets, in file order (at most 500 lines read)."""
    keys: list[str] = []
    text = read_small_text(path)
    for line in text.splitlines()[:500]:
        line = line.strip().removeprefix("export ").strip()
        if line and not line.startswith("#") and "=" in line:
            key = line.split("=", 1)[0].strip()
            if key.replace("_", "").isalnum() and not key[0].isdigit():
                keys.append(key)
    return list(dict.fromkeys(keys))

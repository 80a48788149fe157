"""Durations, sizes and percentages as people write them: ``10m``, ``800ms``, ``250kB``, ``5%``.

Sizes follow the convention of size-limit and bundlewatch: ``kB`` = 1000 bytes, ``KiB`` = 1024.
"""

from __future__ import annotations

import re

_NUMBER = r"(?P<num>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"

_DURATION_UNITS = {
    "ms": 0.001,
    "s": 1.0,
    "sec": 1.0,
    "m": 60.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
}
_DURATION_RE = re.compile(rf"^\s*{_NUMBER}\s*(?P<unit>ms|s|sec|min|m|h|d)?\s*$")

_SIZE_UNITS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "k": 1000,
    "m": 1000**2,
}
_SIZE_RE = re.compile(rf"^\s*{_NUMBER}\s*(?P<unit>[a-zA-Z]+)?\s*$")
_PERCENT_RE = re.compile(rf"^\s*{_NUMBER}\s*%?\s*$")


def parse_duration(value: object) -> float:
    """Seconds from ``10m``, ``1.5s``, ``800ms``, ``2h`` or a bare number of seconds."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 30s or 10m, got {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a duration such as 30s or 10m, got {value!r}")
    match = _DURATION_RE.match(value)
    if not match:
        raise ValueError(f"not a duration: {value!r} (write e.g. 800ms, 30s, 10m, 2h)")
    return float(match["num"]) * _DURATION_UNITS[match["unit"] or "s"]


def parse_size(value: object) -> int:
    """Bytes from ``250kB``, ``1.5MiB``, ``800B`` or a bare number of bytes."""
    if isinstance(value, bool):
        raise ValueError(f"expected a size such as 250kB, got {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a size cannot be negative")
        return int(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a size such as 250kB, got {value!r}")
    match = _SIZE_RE.match(value)
    if not match:
        raise ValueError(f"not a size: {value!r} (write e.g. 800B, 250kB, 1.5MiB)")
    unit = (match["unit"] or "b").lower()
    if unit not in _SIZE_UNITS:
        raise ValueError(f"unknown size unit {match['unit']!r} in {value!r} (B, kB, MB, KiB, MiB)")
    return round(float(match["num"]) * _SIZE_UNITS[unit])


def parse_percent(value: object) -> float:
    """Percentage points from ``5%``, ``80``, ``0.5%`` (a bare number is already in percent)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a percentage such as 80 or 5%, got {value!r}")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and (match := _PERCENT_RE.match(value)):
        number = float(match["num"])
    else:
        raise ValueError(f"not a percentage: {value!r} (write e.g. 80 or 5%)")
    if not 0 <= number <= 100:
        raise ValueError(f"a percentage must be between 0 and 100, got {number}")
    return number


def format_size(num_bytes: float) -> str:
    """``12.3 kB`` style, decimal units as size-limit prints them."""
    size = float(num_bytes)
    for unit in ("B", "kB", "MB"):
        if abs(size) < 1000 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.2f} {unit}"
        size /= 1000
    return f"{size:.2f} GB"  # pragma: no cover - loop returns at MB


def duration_spec(seconds: float) -> str:
    """A duration the way a checklist writes it (``10m`` for 600 s, ``90s``, ``2h``, ``800ms``):
    the largest unit that states it exactly, so :func:`parse_duration` reads it back."""
    if seconds < 1:
        return f"{seconds * 1000:g}ms"
    for unit, size in (("h", 3600), ("m", 60)):
        if float(seconds).is_integer() and int(seconds) % size == 0:
            return f"{int(seconds) // size}{unit}"
    return f"{seconds:g}s"


def format_duration(seconds: float) -> str:
    """``850 ms``, ``12.3 s``, ``4m 05s``."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m {rest:02d}s"

"""LCOV tracefiles → :class:`~gates.parsers.coverage_model.CoverageData`.

Producers read (``tests/corpus/coverage``): istanbul's ``lcov`` reporter (Jest, create-react-app
with Windows ``SF:src\\App.tsx`` paths), Foundry ``forge coverage --report lcov`` (the same
``DA:`` line repeated), coverage.py ``coverage lcov``.

Counting follows lcov/genhtml: records for the same ``SF:`` merge; repeated ``DA:<line>,<hits>``
lines for one line number sum their hits and count the line once; ``BRDA:<line>,<block>,
<branch>,<taken>`` merge per (line, block, branch) with ``-`` meaning 0; functions merge by name
(``FN``/``FNDA``). ``LF``/``LH``/``BRF``/``BRH`` are kept as stated totals and compared with
what the ``DA``/``BRDA`` records add up to: a difference is an inconsistent file
(``InputError``), never a third number (istanbul and coverage.py write both from the same data,
so their files always agree). A negative or non-finite count is refused. A malformed record
line is skipped with a warning, as lcov does; a file without any ``SF:`` record, or whose last
record is cut off before ``end_of_record``, is an :class:`InputError`. A 0-byte file is an
error, never 100%.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from gates.errors import InputError
from gates.io.safe import decode_utf8, read_bytes
from gates.parsers.coverage_model import CoverageData, FileCoverage, check_counts, disagreement

MAX_WARNINGS = 20


@dataclass
class _Record:
    hits: dict[int, int] = field(default_factory=dict)
    branches: dict[tuple[int, str, str], int] = field(default_factory=dict)
    functions: dict[str, int] = field(default_factory=dict)
    stated: dict[str, int] = field(default_factory=dict)


def load(path: Path, *, lines: bool = True) -> CoverageData:
    """Read and parse an LCOV tracefile (``lines=False``: counts only, no line numbers)."""
    return parse(read_bytes(path), str(path), lines=lines)


def parse(data: bytes, name: str, *, lines: bool = True) -> CoverageData:
    """Parse LCOV bytes (UTF-8); see the module docstring for the merge rules.

    ``lines=False`` keeps only counts, not each file's covered/missed line numbers (only
    changed-lines coverage needs those).
    """
    if b"\x00" in data:
        raise InputError(f"{name}: binary data (NUL bytes); not an LCOV tracefile")
    text = decode_utf8(data, name)
    if not text.strip():
        raise InputError(f"{name}: file is empty")
    records: dict[str, _Record] = {}
    stated: dict[str, dict[str, int]] = {}
    warnings: list[str] = []
    current: _Record | None = None
    current_path = ""
    hits: dict[int, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if current is not None and raw.startswith("DA:"):
            # The hot path (most lines of a tracefile): DA:<line>,<hits>. Anything unusual
            # (a checksum, "1.0" hits, junk) falls through to the general parser below.
            parts = raw[3:].split(",")
            if len(parts) == 2:
                try:
                    line_no, count = int(parts[0]), int(parts[1])
                except ValueError:
                    pass
                else:
                    if count < 0:
                        raise _impossible(name, number, raw)
                    hits[line_no] = hits.get(line_no, 0) + count
                    continue
        line = raw.strip()
        if not line:
            continue
        key, _, value = line.partition(":")
        if key == "SF":
            current_path = value.strip().replace("\\", "/")
            current = records.setdefault(current_path, _Record())
            hits = current.hits
            continue
        if line == "end_of_record":
            current = None
            continue
        if key == "TN" or key == "VER":
            continue
        if current is None:
            _warn(warnings, f"line {number}: {line[:60]!r} outside an SF record; ignored")
            continue
        try:
            _record_line(current, key, value, stated.setdefault(current_path, {}))
        except _Impossible:
            raise _impossible(name, number, line) from None
        except (ValueError, IndexError):
            _warn(
                warnings, f"line {number}: malformed {key or 'record'} line {line[:60]!r}; ignored"
            )
    if not records:
        raise InputError(f"{name}: no SF: records; not an LCOV tracefile")
    if current is not None:
        raise InputError(f"{name}: truncated (record for {current_path} has no end_of_record)")
    files = tuple(_file(path, rec, lines) for path, rec in records.items())
    check_counts(files, name)
    _compare_stated(files, stated, name)
    totals = {
        k: float(sum(s.get(k, 0) for s in stated.values()))
        for k in ("LF", "LH", "BRF", "BRH", "FNF", "FNH")
        if any(k in s for s in stated.values())
    }
    return CoverageData(
        format="lcov",
        producer="lcov",
        files=files,
        branch_measured=any(rec.branches for rec in records.values()) or bool(totals.get("BRF")),
        stated=totals,
        warnings=tuple(warnings),
    )


def _record_line(rec: _Record, key: str, value: str, stated: dict[str, int]) -> None:
    if key == "DA":
        parts = value.split(",")
        line, count = int(parts[0]), _count(parts[1])
        rec.hits[line] = rec.hits.get(line, 0) + count
    elif key == "BRDA":
        line_s, block, branch, taken = value.split(",")
        ident = (int(line_s), block.strip(), branch.strip())
        count = 0 if taken.strip() == "-" else _count(taken)
        rec.branches[ident] = rec.branches.get(ident, 0) + count
    elif key == "FN":
        parts = value.split(",")
        rec.functions.setdefault(parts[-1], 0)
    elif key == "FNDA":
        count_s, fname = value.split(",", 1)
        rec.functions[fname] = rec.functions.get(fname, 0) + _count(count_s)
    elif key in ("LF", "LH", "BRF", "BRH", "FNF", "FNH"):
        stated[key] = stated.get(key, 0) + _count(value)
    elif key in ("FNL", "FNA", "LN"):
        pass  # lcov 2 function-line records carry nothing we count
    else:
        raise ValueError(key)


def _file(path: str, rec: _Record, lines: bool) -> FileCoverage:
    covered = frozenset(n for n, h in rec.hits.items() if h > 0) if lines else None
    missed = frozenset(n for n, h in rec.hits.items() if h <= 0) if lines else None
    return FileCoverage(
        path=path,
        lines_valid=len(rec.hits),
        lines_covered=sum(1 for h in rec.hits.values() if h > 0),
        branches_valid=len(rec.branches),
        branches_covered=sum(1 for t in rec.branches.values() if t > 0),
        functions_valid=len(rec.functions),
        functions_covered=sum(1 for h in rec.functions.values() if h > 0),
        covered_lines=covered,
        missed_lines=missed,
    )


def _compare_stated(
    files: tuple[FileCoverage, ...], stated: dict[str, dict[str, int]], name: str
) -> None:
    """Each file's ``LF``/``LH``/``BRF``/``BRH`` must be what its records add up to."""
    for item in files:
        said = stated.get(item.path, {})
        counted = {
            "LF": item.lines_valid,
            "LH": item.lines_covered,
            "BRF": item.branches_valid,
            "BRH": item.branches_covered,
        }
        for key, value in counted.items():
            if key in said and said[key] != value:
                raise disagreement(name, f"{key} of {item.path}", said[key], value)


class _Impossible(ValueError):
    """A count no coverage tool writes: negative or not finite."""


def _count(text: str) -> int:
    """A count as lcov writes it (``3``, ``3.0``); negative or non-finite is impossible."""
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise _Impossible(text)
    return int(value)


def _impossible(name: str, number: int, line: str) -> InputError:
    return InputError(
        f"{name}:{number}: {line[:60]!r}: a negative or non-finite count is impossible; "
        "the report is malformed"
    )


def _warn(warnings: list[str], text: str) -> None:
    if len(warnings) < MAX_WARNINGS:
        warnings.append(text)

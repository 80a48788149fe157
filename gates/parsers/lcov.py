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

Speed: nearly every line of a tracefile is a plain ``DA`` or ``BRDA`` record, so runs of them
are matched by one regex and converted with ``json.loads``/``str.split`` (C loops), not one
Python iteration per line; every other line takes the general reader. 7.4 MB, 600,000 ``DA``
and 120,000 ``BRDA`` lines: 1.18 s -> 0.60 s CPU (``benchmarks/README.md``, fifth round).
"""

from __future__ import annotations

import json
import math
import operator
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from gates.errors import InputError
from gates.io.safe import decode_utf8, read_bytes
from gates.parsers.coverage_model import CoverageData, FileCoverage, check_counts, disagreement

MAX_WARNINGS = 20

_Key = TypeVar("_Key", int, tuple[int, str, str])


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
    reader = _Reader(name)
    newline_text = text.replace("\r\n", "\n") if "\r" in text else text
    if _has_other_line_breaks(newline_text):
        reader.read_lines(text)
    else:
        reader.read_runs(newline_text)
    records, stated, warnings = reader.records, reader.stated, reader.warnings
    if not records:
        raise InputError(f"{name}: no SF: records; not an LCOV tracefile")
    if reader.current is not None:
        raise InputError(
            f"{name}: truncated (record for {reader.current_path} has no end_of_record)"
        )
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


def _has_other_line_breaks(text: str) -> bool:
    """Whether ``text`` holds a line break other than LF that ``str.splitlines()`` splits at.

    Such a text is read line by line, so that the run reader may treat LF as the only break.
    (``in`` is a memchr-fast scan; ``isascii()`` is a flag: the last three cannot be in ASCII.)
    """
    if any(brk in text for brk in "\r\x0b\x0c\x1c\x1d\x1e"):
        return True
    return not text.isascii() and any(brk in text for brk in "\x85\u2028\u2029")


# Runs of the two records that make up nearly all of a tracefile, in the plain form every
# producer writes: ASCII digits, no spaces, at most 15 digits a number (so int() cannot fail on
# its length limit, and int() of a branch's taken count equals the int(float()) that the general
# reader counts it with). Anything else is left to the general reader, line by line. Possessive
# quantifiers (nothing here needs backtracking) make the match about a third faster.
_DA_RUN = re.compile(r"(?:DA:[0-9]{1,15}+,[0-9]{1,15}+\n)++")
_BRDA_RUN = re.compile(r"(?:BRDA:[0-9]{1,15}+,[0-9]{1,15}+,[0-9]{1,15}+,(?:[0-9]{1,15}+|-)\n)++")


class _Reader:
    """The state of one pass over a tracefile; both ways of reading feed :meth:`line`.

    :meth:`read_runs` turns whole runs of plain ``DA`` and ``BRDA`` lines into numbers with
    ``json.loads`` and ``str.split`` (C loops) instead of one Python iteration per line, and
    hands every other line to :meth:`line`; :meth:`read_lines` hands it every line. Both give
    the same result for the same text (``tests/parsers/test_lcov_reader.py``).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.records: dict[str, _Record] = {}
        self.stated: dict[str, dict[str, int]] = {}
        self.warnings: list[str] = []
        self.current: _Record | None = None
        self.current_path = ""
        # Line numbers are only needed for a warning or an error; in read_runs they are
        # counted from the position when one is needed.
        self._text: str | None = None
        self._counted_pos = 0
        self._counted_lines = 1

    def read_lines(self, text: str) -> None:
        for number, raw in enumerate(text.splitlines(), start=1):
            self.line(raw, number)

    def read_runs(self, text: str) -> None:
        self._text = text
        end = len(text)
        pos = 0
        while pos < end:
            if self.current is not None:
                if text.startswith("DA:", pos):
                    match, add = _DA_RUN.match(text, pos), self._add_hits
                elif text.startswith("BRDA:", pos):
                    match, add = _BRDA_RUN.match(text, pos), self._add_branches
                else:
                    match = None
                if match is not None:
                    add(match.group())
                    pos = match.end()
                    continue
            newline = text.find("\n", pos)
            if newline < 0:
                newline = end
            self.line(text[pos:newline], pos)
            pos = newline + 1

    def number(self, where: int) -> int:
        """The line number of ``where``: itself in read_lines, a position in read_runs."""
        if self._text is None:
            return where
        assert where >= self._counted_pos  # read_runs asks in the order it reads
        self._counted_lines += self._text.count("\n", self._counted_pos, where)
        self._counted_pos = where
        return self._counted_lines

    def _add_hits(self, run: str) -> None:
        assert self.current is not None
        numbers = run.replace("DA:", "").replace("\n", ",")[:-1]
        try:
            # json's C scanner reads a list of integers about twice as fast as map(int) over
            # split pieces; it refuses leading zeros ("DA:07,1"), which int() reads as 7.
            values: list[int] = json.loads(f"[{numbers}]")
        except ValueError:
            values = list(map(int, numbers.split(",")))
        _merge(self.current.hits, values[0::2], values[1::2])

    def _add_branches(self, run: str) -> None:
        assert self.current is not None
        parts = run.replace("BRDA:", "").replace("\n", ",").split(",")[:-1]
        keys = list(zip(map(int, parts[0::4]), parts[1::4], parts[2::4], strict=True))
        taken = [0 if t == "-" else int(t) for t in parts[3::4]]
        _merge(self.current.branches, keys, taken)

    def line(self, raw: str, where: int) -> None:
        """One line of the tracefile, in any form lcov accepts."""
        current = self.current
        if current is not None and raw.startswith("DA:"):
            # The common form, DA:<line>,<hits>, as int() reads it (spaces, signs). Anything
            # unusual (a checksum, "1.0" hits, junk) falls through to the general parser below.
            parts = raw[3:].split(",")
            if len(parts) == 2:
                try:
                    line_no, count = int(parts[0]), int(parts[1])
                except ValueError:
                    pass
                else:
                    if count < 0:
                        raise _impossible(self.name, self.number(where), raw)
                    current.hits[line_no] = current.hits.get(line_no, 0) + count
                    return
        line = raw.strip()
        if not line:
            return
        key, _, value = line.partition(":")
        if key == "SF":
            self.current_path = value.strip().replace("\\", "/")
            self.current = self.records.setdefault(self.current_path, _Record())
            return
        if line == "end_of_record":
            self.current = None
            return
        if key == "TN" or key == "VER":
            return
        if current is None:
            self._warn(where, f"{line[:60]!r} outside an SF record; ignored")
            return
        try:
            _record_line(current, key, value, self.stated.setdefault(self.current_path, {}))
        except _Impossible:
            raise _impossible(self.name, self.number(where), line) from None
        except (ValueError, IndexError):
            self._warn(where, f"malformed {key or 'record'} line {line[:60]!r}; ignored")

    def _warn(self, where: int, text: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(f"line {self.number(where)}: {text}")


def _merge(counts: dict[_Key, int], keys: list[_Key], values: list[int]) -> None:
    """Add ``values[i]`` to ``counts[keys[i]]``, summing where a key repeats."""
    new = dict(zip(keys, values, strict=True))
    if len(new) == len(keys) and counts.keys().isdisjoint(new):
        counts.update(new)  # the usual case: every key once, as istanbul and coverage.py write
        return
    for key, count in zip(keys, values, strict=True):
        counts[key] = counts.get(key, 0) + count


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
        # Counts are never negative (refused while reading): covered = not 0.
        lines_covered=len(rec.hits) - operator.countOf(rec.hits.values(), 0),
        branches_valid=len(rec.branches),
        branches_covered=len(rec.branches) - operator.countOf(rec.branches.values(), 0),
        functions_valid=len(rec.functions),
        functions_covered=len(rec.functions) - operator.countOf(rec.functions.values(), 0),
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

"""The one coverage model every coverage parser returns, and totals computed the tools' way.

Parsers: :mod:`gates.parsers.cobertura`, :mod:`gates.parsers.lcov`,
:mod:`gates.parsers.coverage_json` (coverage.py JSON and istanbul ``coverage-summary.json``),
:mod:`gates.parsers.coverage_data` (coverage.py's ``.coverage`` SQLite file).

How totals are computed (so that they equal what the producing tool prints):

* **lines** = covered lines / coverable lines over the files (coverage.py calls lines
  *statements*: for coverage.py reports ``statements`` and ``lines`` are the same numbers);
* **branches** = covered branch exits / branch exits (coverage.py, Cobertura
  ``condition-coverage``, LCOV ``BRDA``);
* **total** = coverage.py's ``TOTAL`` column: (covered lines + covered branches) /
  (statements + branches) when branches were measured, else the line rate;
* istanbul's ``pct`` (json-summary only): ``floor(10000 * covered / total) / 100``, i.e.
  truncated, not rounded, to two decimals (36/37 → 97.29), and ``Unknown`` (``None`` here) when
  the total is 0.

A percentage of nothing (0 coverable lines, 0 branches) is ``None``, never 100%.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from gates.errors import InputError

SQLITE_MAGIC = b"SQLite format 3\x00"
"""The first bytes of a coverage.py ``.coverage`` data file (an SQLite database): detected by
``coverage_report`` without sqlite3, checked by ``coverage_data``."""

METRICS = ("lines", "branches", "statements", "functions", "total")
"""Every metric a threshold can name."""


@dataclass(frozen=True)
class FileCoverage:
    """Coverage of one source file as the report gives it."""

    path: str
    """As written in the report, backslashes turned into ``/``; may be absolute."""
    lines_valid: int
    lines_covered: int
    branches_valid: int = 0
    branches_covered: int = 0
    statements_valid: int | None = None
    """istanbul statements (coverage.py statements are its lines; see :attr:`lines_valid`)."""
    statements_covered: int | None = None
    functions_valid: int | None = None
    functions_covered: int | None = None
    covered_lines: frozenset[int] | None = None
    """Line numbers executed, where the format lists lines (not istanbul json-summary)."""
    missed_lines: frozenset[int] | None = None
    """Coverable line numbers not executed, where the format lists lines."""


@dataclass(frozen=True)
class CoverageData:
    """One coverage report, any format."""

    format: str
    """``cobertura``, ``lcov``, ``coverage.py-json``, ``istanbul-summary``, ``coverage.py-data``."""
    producer: str
    """``coverage.py 7.11.0``, ``istanbul``, ``lcov`` ...: who wrote it, as far as the file says."""
    files: tuple[FileCoverage, ...]
    branch_measured: bool = False
    """Branch coverage was collected (coverage.py ``--branch``, or any branch record present)."""
    sources: tuple[str, ...] = ()
    """Cobertura ``<source>`` roots that relative file names hang from."""
    stated: dict[str, float] = field(default_factory=dict)
    """Totals the file itself states (Cobertura root attributes, coverage.py JSON ``totals``,
    istanbul ``total``, LCOV ``LF``/``LH`` sums), kept to check ours against."""
    warnings: tuple[str, ...] = ()
    """Recoverable oddities: malformed records skipped."""
    stated_branches: tuple[int, int] | None = None
    """(covered, valid) branches of the whole report when the producer's own total is the truth
    and its per-line records are lossy (istanbul's Cobertura writer drops branches on lines
    without a statement); :func:`totals` of the whole report uses it."""

    @property
    def has_lines(self) -> bool:
        """Every file lists its covered and missed line numbers (changed-lines coverage works)."""
        return all(f.covered_lines is not None and f.missed_lines is not None for f in self.files)

    @property
    def is_coverage_py(self) -> bool:
        """Written by coverage.py (its TOTAL combines statements and branches)."""
        return self.producer.startswith("coverage.py")


@dataclass(frozen=True)
class Totals:
    """Summed counts over some files, with each metric's percentage."""

    files: int
    lines_valid: int
    lines_covered: int
    branches_valid: int
    branches_covered: int
    statements_valid: int | None
    statements_covered: int | None
    functions_valid: int | None
    functions_covered: int | None
    branch_measured: bool
    istanbul: bool
    coverage_py: bool

    def percent(self, metric: str) -> float | None:
        """``metric`` in :data:`METRICS` as a percentage; ``None`` when nothing was measured."""
        if metric == "lines":
            return self._pct(self.lines_covered, self.lines_valid)
        if metric == "branches":
            if not self.branch_measured:
                return None
            return self._pct(self.branches_covered, self.branches_valid)
        if metric == "statements":
            if self.statements_valid is None or self.statements_covered is None:
                return self._pct(self.lines_covered, self.lines_valid) if self.coverage_py else None
            return self._pct(self.statements_covered, self.statements_valid)
        if metric == "functions":
            if self.functions_valid is None or self.functions_covered is None:
                return None
            return self._pct(self.functions_covered, self.functions_valid)
        if metric == "total":
            if self.branch_measured and self.branches_valid:
                return self._pct(
                    self.lines_covered + self.branches_covered,
                    self.lines_valid + self.branches_valid,
                )
            return self._pct(self.lines_covered, self.lines_valid)
        raise ValueError(f"unknown coverage metric {metric!r}")

    def counts(self, metric: str) -> tuple[int, int] | None:
        """(covered, valid) behind ``metric``, or ``None`` when the report has no such data."""
        pairs: dict[str, tuple[int | None, int | None]] = {
            "lines": (self.lines_covered, self.lines_valid),
            "branches": (self.branches_covered, self.branches_valid)
            if self.branch_measured
            else (None, None),
            "statements": (self.statements_covered, self.statements_valid)
            if self.statements_valid is not None
            else ((self.lines_covered, self.lines_valid) if self.coverage_py else (None, None)),
            "functions": (self.functions_covered, self.functions_valid),
            "total": (
                self.lines_covered + self.branches_covered,
                self.lines_valid + self.branches_valid,
            ),
        }
        covered, valid = pairs[metric]
        return None if covered is None or valid is None else (covered, valid)

    def _pct(self, covered: int, valid: int) -> float | None:
        if valid <= 0:
            return None
        return istanbul_pct(covered, valid) if self.istanbul else 100.0 * covered / valid


def istanbul_pct(covered: int, total: int) -> float | None:
    """istanbul-lib-coverage's ``percent()``: truncated to 2 decimals; ``None`` for ``Unknown``."""
    if total <= 0:
        return None
    return math.floor((1000 * 100 * covered) / total / 10) / 100


def totals(data: CoverageData, files: Iterable[FileCoverage] | None = None) -> Totals:
    """Sum ``files`` (default: all of ``data``'s) into :class:`Totals`."""
    chosen = list(data.files if files is None else files)
    branches = (
        data.stated_branches
        if files is None and data.stated_branches is not None
        else (sum(f.branches_covered for f in chosen), sum(f.branches_valid for f in chosen))
    )

    def opt_sum(values: list[int | None]) -> int | None:
        return None if not values or any(v is None for v in values) else sum(v or 0 for v in values)

    return Totals(
        files=len(chosen),
        lines_valid=sum(f.lines_valid for f in chosen),
        lines_covered=sum(f.lines_covered for f in chosen),
        branches_valid=branches[1],
        branches_covered=branches[0],
        statements_valid=opt_sum([f.statements_valid for f in chosen]),
        statements_covered=opt_sum([f.statements_covered for f in chosen]),
        functions_valid=opt_sum([f.functions_valid for f in chosen]),
        functions_covered=opt_sum([f.functions_covered for f in chosen]),
        branch_measured=data.branch_measured,
        istanbul=data.format == "istanbul-summary",
        coverage_py=data.is_coverage_py,
    )


MAX_COUNT = 10**12
"""More coverable items than any source tree has: a count above it is not a measurement."""


def check_counts(files: Iterable[FileCoverage], name: str) -> None:
    """Refuse impossible evidence: a negative count, or more covered than there is.

    A report with such a count was not written by a coverage tool (or was edited); summing it
    would print a percentage of nothing real, so it is an :class:`InputError`, never a total.
    """
    for item in files:
        pairs = (
            ("lines", item.lines_covered, item.lines_valid),
            ("branches", item.branches_covered, item.branches_valid),
            ("statements", item.statements_covered, item.statements_valid),
            ("functions", item.functions_covered, item.functions_valid),
        )
        for metric, covered, valid in pairs:
            if covered is None or valid is None:
                continue
            if covered < 0 or valid < 0 or covered > valid or valid > MAX_COUNT:
                raise InputError(
                    f"{name}: {item.path}: {covered} of {valid} {metric} covered is impossible; "
                    "the report is malformed"
                )
        if item.covered_lines is not None and item.missed_lines is not None:
            both = item.covered_lines & item.missed_lines
            if both:
                raise InputError(
                    f"{name}: {item.path}: line {min(both)} is both covered and missed; "
                    "the report is malformed"
                )


def disagreement(name: str, what: str, stated: float, counted: int) -> InputError:
    """The error for a report whose stated total is not what its own records add up to."""
    return InputError(
        f"{name}: inconsistent report: {what} is stated as {_count(stated)} but its records "
        f"add up to {counted}; gates will not pick one of the two numbers"
    )


def _count(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)

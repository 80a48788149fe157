"""Any coverage report → :class:`~gates.parsers.coverage_model.CoverageData`: the format told by
its first bytes, then the parser of that format; several reports merged into one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from gates.errors import InputError
from gates.io.safe import checked_size, read_bytes
from gates.parsers.coverage_model import SQLITE_MAGIC, CoverageData

# The format parsers (and sqlite3) are imported when a report of their format is read, so that
# importing the coverage gate for ``gates validate`` does not load them.

HEAD_BYTES = 64 * 1024
"""Enough of a file for :func:`detect`."""

_ASKED = {"coverage-json": "coverage.py-json", "istanbul-summary": "istanbul-summary"}


def load(
    path: Path, fmt: str = "auto", root: Path | None = None, *, lines: bool = True
) -> CoverageData:
    """Parse one report, detecting its format by content when ``fmt`` is ``auto``.

    ``lines=False``: Cobertura and LCOV keep only counts, not each file's line numbers.
    ``root`` is where coverage.py's configuration is looked for (``.coverage`` data files;
    default: the report's folder).
    """
    kind = detect(_head(path), str(path)) if fmt == "auto" else fmt
    if kind == "cobertura":
        from gates.parsers import cobertura

        return cobertura.load(path, lines=lines)
    if kind == "lcov":
        from gates.parsers import lcov

        return lcov.load(path, lines=lines)
    if kind == "coverage-data":
        from gates.parsers import coverage_data

        return coverage_data.load(path, config_dir=root or path.parent)
    from gates.parsers import coverage_json

    data = coverage_json.load(path)
    if fmt in _ASKED and data.format != _ASKED[fmt]:
        raise InputError(f"{path}: format {fmt} was asked for but the file is {data.format}")
    return data


def detect(data: bytes, name: str) -> str:
    """The format of a report from its first bytes."""
    if data.startswith(SQLITE_MAGIC):
        return "coverage-data"
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]
    if head.startswith(b"<"):
        return "cobertura"
    if head.startswith((b"{", b"[")):
        return "coverage-json"
    if re.search(rb"^(TN|SF):", data[:4096], re.MULTILINE):
        return "lcov"
    raise InputError(
        f"{name}: not a coverage report gates can read (Cobertura XML, LCOV, "
        "coverage.py JSON or data, istanbul coverage-summary.json)"
    )


def merge(reports: Sequence[CoverageData]) -> CoverageData:
    """Several reports as one (e.g. a Python and a JavaScript part); files are concatenated."""
    if len(reports) == 1:
        return reports[0]
    first = reports[0]
    producers = sorted({r.producer for r in reports})
    overrides = [r.stated_branches for r in reports]
    stated_branches = None
    if any(o is not None for o in overrides):
        pairs = [
            o
            if o is not None
            else (sum(f.branches_covered for f in r.files), sum(f.branches_valid for f in r.files))
            for r, o in zip(reports, overrides, strict=True)
        ]
        stated_branches = (sum(p[0] for p in pairs), sum(p[1] for p in pairs))
    return CoverageData(
        format=first.format if len({r.format for r in reports}) == 1 else "mixed",
        producer=producers[0] if len(producers) == 1 else "mixed",
        files=tuple(f for r in reports for f in r.files),
        branch_measured=all(r.branch_measured for r in reports),
        sources=tuple(s for r in reports for s in r.sources),
        warnings=tuple(w for r in reports for w in r.warnings),
        stated_branches=stated_branches,
    )


def _head(path: Path) -> bytes:
    """The first :data:`HEAD_BYTES`, with read_bytes' checks and errors."""
    checked_size(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if not head.strip():
        return read_bytes(path)  # whitespace only, or more than 64 KiB of it: read_bytes says
    return head

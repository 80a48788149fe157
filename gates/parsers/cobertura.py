"""Cobertura XML → :class:`~gates.parsers.coverage_model.CoverageData`.

Producers read (``tests/corpus/coverage``): coverage.py 7.6–7.12 ``coverage xml`` (with and
without ``--branch``), istanbul's ``cobertura`` reporter (Jest, Vitest; ``<!DOCTYPE coverage
SYSTEM ...>`` is allowed, entities are not). Counts come from the ``<line>`` elements of each
``<class>`` (its own ``<lines>``, not the copies under ``<methods>``), merged per file name, so a
Java report with several classes per file counts each line once. Branches come from
``condition-coverage="50% (1/2)"``. The root's ``lines-valid``/``line-rate``... are kept in
``stated`` and compared: a difference is an inconsistent report (``InputError``), except for
istanbul's branch totals (see :func:`_with_checks`). A negative or non-finite count is refused.

Java Cobertura's ``<conditions>`` inside a ``<line>`` does not end the class's lines.

The file is read whole (within the size cap). For the layout coverage.py and istanbul write
(UTF-8, no internal DTD subset, each ``<line .../>`` with its attributes in their order),
:func:`~gates.parsers.cobertura_scan.scan_canonical` checks well-formedness of that strict subset
of XML and counts the lines with ``re`` and ``bytes.count``; any other document, well-formed or
not, is read by expat with the handlers of :class:`_Scan` (:func:`gates.io.safe.scan_xml`:
entities refused as everywhere else), with the same result
(``tests/parsers/test_cobertura_canonical.py`` generates both kinds, damages canonical ones byte
by byte, and compares). On the benchmark's 25 MB report (600,000 lines), CPU of ``load``: 1.8-2.4 s
with one handler call per element, 0.43-0.45 s this way, against 0.33 s for expat alone with no
handler (``benchmarks/README.md``).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from xml.parsers import expat

from gates.errors import InputError
from gates.io.safe import read_bytes, scan_xml
from gates.parsers.cobertura_scan import (
    CONDITION,
    LINE_CHILDREN,
    Counted,
    Unusual,
    file_coverage,
    scan_canonical,
)
from gates.parsers.coverage_model import CoverageData, check_counts, disagreement

_STATED = (
    "lines-valid",
    "lines-covered",
    "branches-valid",
    "branches-covered",
    "line-rate",
    "branch-rate",
)


def load(path: Path, *, lines: bool = True) -> CoverageData:
    """Read and parse a Cobertura XML file, streamed (size cap, entities refused).

    ``lines=False`` keeps only the counts, not each file's covered/missed line numbers (only
    changed-lines coverage needs those).
    """
    return _parse(path, str(path), lines=lines)


def parse(data: bytes, name: str, *, lines: bool = True) -> CoverageData:
    """Parse Cobertura XML bytes; a root other than ``<coverage>`` is an :class:`InputError`."""
    return _parse(data, name, lines=lines)


class _Scan:
    """expat handlers: one call per element, no tree. Lines count under ``<class><lines>``;
    ``<methods>`` (copies of the same lines) is skipped."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.parser: expat.XMLParserType | None = None
        self.root: dict[str, str] | None = None
        self.hits: dict[str, dict[int, int]] = {}
        self.branches: dict[str, dict[int, tuple[int, int]]] = {}
        self.sources: list[str] = []
        self._text: list[str] = []
        self._file_hits: dict[int, int] = {}
        self._file_branches: dict[int, tuple[int, int]] = {}
        self._counting = False
        self._in_methods = False

    def configure(self, parser: expat.XMLParserType) -> None:
        self.parser = parser
        parser.StartElementHandler = self.start

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "line":  # the hot path (one call per <line>): kept inline
            if self._counting:
                try:
                    number = int(attrs["number"])
                    raw = attrs.get("hits", "0")
                    count = int(raw) if raw.isdigit() else _hits(raw)
                except (KeyError, ValueError):
                    raise InputError(
                        f"{self.name}: <line> with a non-numeric number or hits"
                    ) from None
                if number < 0 or count < 0:
                    raise InputError(
                        f"{self.name}: <line number={number} hits={raw!r}>: a negative line "
                        "number or hit count is impossible; the report is malformed"
                    )
                hits = self._file_hits
                old = hits.get(number)
                if old is None or count > old:
                    hits[number] = count
                if attrs.get("branch") == "true":
                    self._branch(number, attrs)
            elif self.root is None:
                raise InputError(f"{self.name}: not Cobertura XML (root element <{tag}>)")
            return
        if self.root is None:
            if tag != "coverage":
                raise InputError(f"{self.name}: not Cobertura XML (root element <{tag}>)")
            self.root = attrs
        elif tag == "class":
            filename = (attrs.get("filename") or attrs.get("name") or "").replace("\\", "/")
            if not filename:
                raise InputError(f"{self.name}: a <class> has no filename")
            self._file_hits = self.hits.setdefault(filename, {})
            self._file_branches = self.branches.setdefault(filename, {})
            self._counting = False
        elif tag == "lines":
            self._counting = not self._in_methods and bool(self.hits)
        elif tag == "methods":
            self._counting = False
            self._in_methods = True
            self._watch_end()
        elif tag == "source":
            self._text = []
            assert self.parser is not None
            self.parser.CharacterDataHandler = self._text.append
            self._watch_end()
        elif tag not in LINE_CHILDREN:
            self._counting = False  # <package>, <classes>...: no line belongs to a class here

    def _watch_end(self) -> None:
        assert self.parser is not None
        self.parser.EndElementHandler = self.end

    def end(self, tag: str) -> None:
        assert self.parser is not None
        if tag == "methods":
            self._in_methods = False
            self.parser.EndElementHandler = None
        elif tag == "source":
            self.parser.CharacterDataHandler = None
            self.parser.EndElementHandler = None if not self._in_methods else self.end
            text = "".join(self._text).strip().replace("\\", "/")
            if text:
                self.sources.append(text)

    def _branch(self, number: int, attrs: dict[str, str]) -> None:
        match = CONDITION.search(attrs.get("condition-coverage", ""))
        if match:
            covered, valid = int(match.group(1)), int(match.group(2))
            before = self._file_branches.get(number, (0, 0))
            self._file_branches[number] = (max(before[0], covered), max(before[1], valid))


def _parse(source: Path | bytes, name: str, *, lines: bool) -> CoverageData:
    data = source if isinstance(source, bytes) else read_bytes(source, allow_empty=True)
    try:
        counted = scan_canonical(data, name, lines=lines)  # checks its strict subset of XML
    except Unusual:
        counted = _scan_expat(data, name, lines=lines)  # expat: any XML, the guards, messages
    root = counted.root
    files = counted.files
    stated = {k: v for k in _STATED if (v := _number(root.get(k), name)) is not None}
    version = root.get("version", "")
    producer = _producer(data[:600], version)
    branch_measured = bool(stated.get("branches-valid")) or any(f.branches_valid for f in files)
    result = CoverageData(
        format="cobertura",
        producer=producer,
        files=tuple(files),
        branch_measured=branch_measured,
        sources=tuple(counted.sources),
        stated=stated,
    )
    return _with_checks(result, name)


def _scan_expat(data: bytes, name: str, *, lines: bool) -> Counted:
    """The general reader: expat handlers, any well-formed layout."""
    scan = _Scan(name)
    scan_xml(data, name, scan.configure)
    if scan.root is None:
        raise InputError(f"{name}: not Cobertura XML (no <coverage> root element)")
    files = [
        file_coverage(filename, file_hits, scan.branches[filename], lines=lines)
        for filename, file_hits in scan.hits.items()
    ]
    return Counted(scan.root, scan.sources, files)


def _producer(data: bytes, version: str) -> str:
    head = data[:600]
    if b"Generated by coverage.py" in head:
        return f"coverage.py {version}".strip()
    if b"coverage-04.dtd" in head and version == "0.1":
        return "istanbul"
    return f"cobertura {version}".strip()


def _with_checks(result: CoverageData, name: str) -> CoverageData:
    """The report as its producer summarised it, or an error where its numbers disagree.

    Lines stated on the root must equal the ``<line>`` elements. Branches too, except for
    istanbul, whose Cobertura writer puts a branch on the line of a statement and drops the
    branches of lines without one: its root ``branches-valid``/``branches-covered`` are what its
    own text summary prints, so they are the whole report's branch total.
    """
    check_counts(result.files, name)
    counted = {
        "lines-valid": sum(f.lines_valid for f in result.files),
        "lines-covered": sum(f.lines_covered for f in result.files),
        "branches-valid": sum(f.branches_valid for f in result.files),
        "branches-covered": sum(f.branches_covered for f in result.files),
    }
    stated_valid = result.stated.get("branches-valid")
    stated_covered = result.stated.get("branches-covered")
    for key, value in counted.items():
        stated = result.stated.get(key)
        if stated is None or int(stated) == value:
            continue
        if key.startswith("branches") and result.producer == "istanbul":
            continue
        raise disagreement(name, f"{key} on <coverage>", stated, value)
    if (
        result.producer == "istanbul"
        and stated_valid is not None
        and stated_covered is not None
        and (int(stated_covered), int(stated_valid))
        != (counted["branches-covered"], counted["branches-valid"])
    ):
        if not 0 <= stated_covered <= stated_valid:
            raise disagreement(name, "branches-covered on <coverage>", stated_covered, 0)
        return replace(result, stated_branches=(int(stated_covered), int(stated_valid)))
    return result


def _hits(raw: str) -> int:
    """A hit count written as a float (``1.0``); refused when not a finite number."""
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(raw)
    return int(value)


def _number(value: str | None, name: str) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0:
        raise InputError(
            f"{name}: impossible total {value!r} on <coverage>; the report is malformed"
        )
    return number

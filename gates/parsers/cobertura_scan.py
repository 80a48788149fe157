"""The fast reading of Cobertura XML: the layout coverage.py and istanbul write, counted by C
string functions (``re``, ``bytes.count``) on a document expat has already validated.

:func:`scan_canonical` reads what ``gates.parsers.cobertura._Scan`` (expat handlers, one
Python call per element) reads, for documents in that layout, and raises :class:`Unusual` for any
other, which the handlers then read (``tests/parsers/test_cobertura_canonical.py`` generates both
kinds and compares the two).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gates.errors import InputError
from gates.parsers.coverage_model import FileCoverage

CONDITION = re.compile(r"\((\d+)\s*/\s*(\d+)\)")
"""``condition-coverage="50% (1/2)"`` → covered, valid (the first such pair in the value)."""

LINE_CHILDREN = frozenset({"conditions", "condition"})
"""Cobertura's (Java) per-line branch detail, ``<line><conditions><condition/>``: not a new
section, so the class's following lines still count."""


@dataclass(frozen=True)
class Counted:
    """What a scan of the document found, before the totals are checked."""

    root: dict[str, str]
    sources: list[str]
    files: list[FileCoverage]


def file_coverage(
    path: str, hits: dict[int, int], branches: dict[int, tuple[int, int]], *, lines: bool
) -> FileCoverage:
    return FileCoverage(
        path=path,
        lines_valid=len(hits),
        lines_covered=sum(1 for h in hits.values() if h > 0),
        branches_valid=sum(v for _, v in branches.values()),
        branches_covered=sum(c for c, _ in branches.values()),
        covered_lines=frozenset(n for n, h in hits.items() if h > 0) if lines else None,
        missed_lines=frozenset(n for n, h in hits.items() if h <= 0) if lines else None,
    )


class Unusual(Exception):
    """Well-formed, but not in the layout :func:`scan_canonical` reads: expat's handlers read
    the document instead (same result, slower)."""


# The layout coverage.py's and istanbul's writers produce. Anything else (another encoding, a
# comment, CDATA, a processing instruction, an internal DTD subset, a <line> with other
# attributes, another order, single quotes, references, leading zeros, a child element) is read
# by the expat handlers.
_LINE = (
    rb'<line number="(?:0|[1-9][0-9]*+)" hits="(?:0|[1-9][0-9]*+)"'
    rb'(?: branch="(?:true|false)")?+(?: condition-coverage="[^"&<]*+")?+'
    rb'(?: missing-branches="[^"&<]*+")?+[ \t\r\n]*+/>'
)
_LINES_ONLY = re.compile(rb"(?:[ \t\r\n]*+" + _LINE + rb")*+[ \t\r\n]*+")
_NUMBER = re.compile(rb'<line number="([0-9]++)"')
_NUMBER_HITS = re.compile(rb'<line number="([0-9]++)" hits="([0-9]++)"')
_BRANCH = re.compile(
    rb'<line number="([0-9]++)" hits="[0-9]++" branch="true"(?: condition-coverage="([^"]*+)")?+'
)
_COVERED_NUMBER = re.compile(rb'<line number="([0-9]++)" hits="[1-9]')
_MISSED_NUMBER = re.compile(rb'<line number="([0-9]++)" hits="0"')
_CONDITION_VALUE = re.compile(rb'branch="true"(?: condition-coverage="([^"]*+)")?+')
_ZERO_HITS = b'" hits="0"'
_BRANCH_TRUE = b'branch="true"'
# The next markup that is not <line> or </line>: a tag (attribute values may hold ">", never "<"),
# a comment, a processing instruction, or "<!" of anything else (a DOCTYPE, CDATA).
_MARKUP = re.compile(
    rb"<(?:(/?+)(?!line[ \t\r\n/>])([^ \t\r\n/>!?]++)((?:[^>\"']++|\"[^\"]*+\"|'[^']*+')*+)>"
    rb"|!--(?:[^-]++|-(?!-))*+-->|\?(?:[^?]++|\?(?!>))*+\?>|!)"
)
_ATTR = re.compile(rb"([^ \t\r\n=]++)[ \t\r\n]*+=[ \t\r\n]*+(?:\"([^\"]*+)\"|'([^']*+)')")
_DECLARATION = re.compile(rb"<\?xml[ \t\r\n][^>]*?\?>")
_ENCODING = re.compile(rb"encoding[ \t\r\n]*=[ \t\r\n]*[\"']([A-Za-z0-9._-]+)[\"']")
_DOCTYPE = re.compile(rb"<!DOCTYPE[ \t\r\n](?:[^\[>\"']++|\"[^\"]*+\"|'[^']*+')*+>")
_REFERENCE = re.compile(r"&(?:#([0-9]+)|#x([0-9a-fA-F]+)|(lt|gt|amp|quot|apos));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def scan_canonical(data: bytes, name: str, *, lines: bool) -> Counted:
    """The same reading as the expat handlers (``gates.parsers.cobertura._Scan``), done by C
    string functions on a document expat has already validated: the markup other than
    ``<line>`` drives the same state machine, each run of ``<line>`` elements under a class's
    ``<lines>`` is checked to be in the canonical layout as a whole (one ``fullmatch``) and is
    then counted by ``findall`` and ``bytes.count``, with no Python call per line. Raises
    :class:`Unusual` for any other layout."""
    pos = _start(data)
    root: dict[str, str] | None = None
    sources: list[str] = []
    spans: dict[str, list[tuple[int, int]]] = {}
    current: list[tuple[int, int]] = []
    counting = in_methods = watch_end = False
    text_from = -1  # inside <source>: where its text starts
    search = _MARKUP.search
    while (match := search(data, pos)) is not None:
        start = match.start()
        raw_tag = match.group(2)
        if text_from >= 0:  # <source>text</source>, with nothing else inside, is canonical
            if raw_tag != b"source" or match.group(1) != b"/" or b"<" in data[pos:start]:
                raise Unusual
            text = _text(data[text_from:start]).strip().replace("\\", "/")
            if text:
                sources.append(text)
            text_from = -1
        elif counting:
            if _LINES_ONLY.fullmatch(data, pos, start) is None:
                raise Unusual
            current.append((pos, start))
        elif root is None and data.find(b"<line", pos, start) >= 0:
            raise InputError(f"{name}: not Cobertura XML (root element <line>)")
        if raw_tag is None:  # a comment, a processing instruction, or <!...
            pos = match.end()
            if data[pos - 1] == 0x21:  # "<!": only a DOCTYPE without an internal subset
                doctype = _DOCTYPE.match(data, start) if root is None else None
                if doctype is None:
                    raise Unusual
                pos = doctype.end()
            continue
        pos = match.end()
        closing, _, rest = match.groups()
        tag = raw_tag.decode()
        if not closing:
            if root is None:
                if tag != "coverage":
                    raise InputError(f"{name}: not Cobertura XML (root element <{tag}>)")
                root = _attributes(rest)
            elif tag == "class":
                attrs = _attributes(rest)
                filename = (attrs.get("filename") or attrs.get("name") or "").replace("\\", "/")
                if not filename:
                    raise InputError(f"{name}: a <class> has no filename")
                current = spans.setdefault(filename, [])
                counting = False
            elif tag == "lines":
                counting = not in_methods and bool(spans)
            elif tag == "methods":
                counting = False
                in_methods = watch_end = True
            elif tag == "source":
                text_from = pos
                watch_end = True
            elif tag not in LINE_CHILDREN:
                counting = False
            if not rest.endswith(b"/"):
                continue
            text_from = -1  # an empty element: its end follows at once
        if watch_end:
            if tag == "methods":
                in_methods = watch_end = False
            elif tag == "source":
                watch_end = in_methods
    if root is None:
        raise InputError(f"{name}: not Cobertura XML (no <coverage> root element)")
    files = [_file_from_spans(data, path, runs, lines=lines) for path, runs in spans.items()]
    return Counted(root, sources, files)


def _file_from_spans(
    data: bytes, path: str, runs: list[tuple[int, int]], *, lines: bool
) -> FileCoverage:
    """One file's counts from its runs of canonical ``<line>`` elements."""
    if lines:
        covered_numbers: list[bytes] = []
        missed_numbers: list[bytes] = []
        for start, end in runs:
            covered_numbers += _COVERED_NUMBER.findall(data, start, end)
            missed_numbers += _MISSED_NUMBER.findall(data, start, end)
        numbers = covered_numbers + missed_numbers
        zeros = len(missed_numbers)
    else:
        numbers = []
        zeros = 0
        for start, end in runs:
            numbers += _NUMBER.findall(data, start, end)
            zeros += data.count(_ZERO_HITS, start, end)
    if len(set(numbers)) != len(numbers):
        return _file_merged(data, path, runs, lines=lines)
    valid = covered = 0
    for start, end in runs:
        if data.find(_BRANCH_TRUE, start, end) >= 0:
            for condition in _CONDITION_VALUE.findall(data, start, end):
                parsed = _condition(condition)
                if parsed is not None:
                    covered += parsed[0]
                    valid += parsed[1]
    return FileCoverage(
        path=path,
        lines_valid=len(numbers),
        lines_covered=len(numbers) - zeros,
        branches_valid=valid,
        branches_covered=covered,
        covered_lines=frozenset(map(int, covered_numbers)) if lines else None,
        missed_lines=frozenset(map(int, missed_numbers)) if lines else None,
    )


def _file_merged(
    data: bytes, path: str, runs: list[tuple[int, int]], *, lines: bool
) -> FileCoverage:
    """A file that lists a line more than once: merged by the highest count, as
    the expat handlers merge."""
    hits: dict[int, int] = {}
    branches: dict[int, tuple[int, int]] = {}
    for start, end in runs:
        for raw_number, raw_hits in _NUMBER_HITS.findall(data, start, end):
            number, count = int(raw_number), int(raw_hits)
            old = hits.get(number)
            if old is None or count > old:
                hits[number] = count
        for raw_number, condition in _BRANCH.findall(data, start, end):
            parsed = _condition(condition)
            if parsed is not None:
                number = int(raw_number)
                before = branches.get(number, (0, 0))
                branches[number] = (max(before[0], parsed[0]), max(before[1], parsed[1]))
    return file_coverage(path, hits, branches, lines=lines)


_CONDITIONS: dict[bytes, tuple[int, int] | None] = {}
"""``condition-coverage`` values seen (a report repeats a few: ``50% (1/2)``), bounded."""


def _condition(raw: bytes) -> tuple[int, int] | None:
    """(covered, valid) of a ``condition-coverage`` value, read as the expat handlers read it."""
    try:
        return _CONDITIONS[raw]
    except KeyError:
        pass
    match = CONDITION.search(raw.decode())
    parsed = (int(match.group(1)), int(match.group(2))) if match else None
    if len(_CONDITIONS) < 4096:
        _CONDITIONS[raw] = parsed
    return parsed


def _start(data: bytes) -> int:
    """Where markup starts (after a UTF-8 BOM); :class:`Unusual` unless the document is
    UTF-8 (or ASCII), the only encodings the byte patterns read."""
    pos = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if b"\x00" in data[:4]:
        raise Unusual  # UTF-16/32
    declaration = _DECLARATION.match(data, pos)
    if declaration is not None:
        encoding = _ENCODING.search(declaration.group())
        if encoding is not None and encoding.group(1).lower() not in (b"utf-8", b"us-ascii"):
            raise Unusual
    return pos


def _attributes(raw: bytes) -> dict[str, str]:
    """A start tag's attributes as expat reports them (line ends and white space normalised
    to spaces, then references replaced)."""
    return {
        key.decode(): _value(double if double or not single else single)
        for key, double, single in _ATTR.findall(raw)
    }


def _value(raw: bytes) -> str:
    text = raw.decode().replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    return _unescape(text.replace("\t", " "))


def _text(raw: bytes) -> str:
    return _unescape(raw.decode().replace("\r\n", "\n").replace("\r", "\n"))


def _unescape(text: str) -> str:
    if "&" not in text:
        return text
    return _REFERENCE.sub(_reference, text)


def _reference(match: re.Match[str]) -> str:
    decimal, hexadecimal, named = match.groups()
    if named:
        return _NAMED[named]
    return chr(int(decimal) if decimal else int(hexadecimal, 16))

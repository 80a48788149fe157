"""The fast reading of Cobertura XML: the layout coverage.py and istanbul write, counted by C
string functions (``re``, ``bytes.count``), which also check that strict subset of XML is
well-formed (expat no longer reads such a document first).

:func:`scan_canonical` reads what ``gates.parsers.cobertura._Scan`` (expat handlers, one
Python call per element) reads, for documents in that layout, and raises :class:`Unusual` for any
other, which the handlers then read (``tests/parsers/test_cobertura_canonical.py`` generates both
kinds and compares the two).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

from gates.errors import InputError
from gates.parsers.coverage_model import FileCoverage

RE_SOUND = sys.implementation.name == "cpython" and sys.version_info >= (3, 11, 5)
"""The scan's patterns use possessive quantifiers, which CPython 3.11.0 to 3.11.4 matched wrongly
(gh-100061: extra characters matched after a negative lookahead; gh-106052: a match where the
greedy form has none; both fixed in 3.11.5). Debian 12's python3 is 3.11.2: there, and on other
engines, every document takes the expat handlers (the same result, slower)."""

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
_WS = rb"[ \t\r\n]"
_NAME_PATTERN = rb"[A-Za-z_][A-Za-z0-9._:-]*+"
_NAME = re.compile(_NAME_PATTERN)
_EQUALS = _WS + rb"*+=" + _WS + rb"*+"
_PREDEFINED = rb"&(?:lt|gt|amp|quot|apos);"
_ATTRIBUTES = re.compile(
    rb"(?:"
    + _WS
    + rb"++"
    + _NAME_PATTERN
    + _EQUALS
    + rb"(?:\"(?:[^<&\"]++|"
    + _PREDEFINED
    + rb")*+\"|'(?:[^<&']++|"
    + _PREDEFINED
    + rb")*+'))*+"
    + _WS
    + rb"*+/?"
)
"""A start tag's attributes (after the name): XML's syntax; of the references only the five
predefined entities (character references go to expat)."""
_SPACE = re.compile(_WS + rb"*+")
_FORBIDDEN = bytes(b for b in range(32) if b not in b"\t\n\r")
"""C0 controls XML forbids (expat refuses them)."""
_ALLOWED = bytes(b for b in range(256) if b not in _FORBIDDEN)
_BAD_AMPERSAND = re.compile(rb"&(?!(?:lt|gt|amp|quot|apos);)")
_QUOTED = rb"(?:\"[^\"]*+\"|'[^']*+')"
_DECLARATION = re.compile(
    rb"<\?xml"
    + _WS
    + rb"++version"
    + _EQUALS
    + rb"(?:\"1\.0\"|'1\.0')"
    + rb"(?:"
    + _WS
    + rb"++encoding"
    + _EQUALS
    + rb"[\"']([A-Za-z][A-Za-z0-9._-]*+)[\"'])?+"
    + rb"(?:"
    + _WS
    + rb"++standalone"
    + _EQUALS
    + rb"(?:\"(?:yes|no)\"|'(?:yes|no)'))?+"
    + _WS
    + rb"*+\?>"
)
_DOCTYPE = re.compile(
    rb"<!DOCTYPE"
    + _WS
    + rb"++"
    + _NAME_PATTERN
    + rb"(?:"
    + _WS
    + rb"++SYSTEM"
    + _WS
    + rb"++"
    + _QUOTED
    + rb")?+"
    + _WS
    + rb"*+>"
)
_REFERENCE = re.compile(r"&(?:#([0-9]+)|#x([0-9a-fA-F]+)|(lt|gt|amp|quot|apos));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def scan_canonical(data: bytes, name: str, *, lines: bool) -> Counted:
    """The same reading as expat with the handlers of ``gates.parsers.cobertura._Scan``, done
    by C string functions: the markup other than ``<line>`` drives the same state machine, and
    each run of ``<line>`` elements is checked to be in the canonical layout as a whole (one
    ``fullmatch``) and counted by ``findall`` and ``bytes.count``, with no Python call per line.

    It is also the well-formedness check, for a strict subset of XML only: valid UTF-8 with no
    forbidden character, an optional ``<?xml version="1.0"?>``, at most one ``<!DOCTYPE name
    SYSTEM "...">`` (no internal subset, so no entity and no default attribute), comments,
    elements with checked names, attribute syntax, unique attributes and matching end tags, no
    text but white space except in ``<source>`` (where only the five predefined references may
    appear) and nothing after the root but white space and comments. Anything else, well-formed
    or not, raises :class:`Unusual`, and expat reads the document instead (the guards and error
    messages of :func:`gates.io.safe.scan_xml`). So does every document where ``re`` is not
    sound (:data:`RE_SOUND`)."""
    if not RE_SOUND:
        raise Unusual
    pos = _start(data)
    root: dict[str, str] | None = None
    open_tags: list[bytes] = []
    closed = False  # the root element has ended
    doctype_seen = False
    sources: list[str] = []
    spans: dict[str, list[tuple[int, int]]] = {}
    current: list[tuple[int, int]] = []
    counting = in_methods = watch_end = False
    text_from = -1  # inside <source>: where its text starts
    size = len(data)
    while True:
        # Between two pieces of markup: white space and canonical <line> elements (one pass
        # over them), or a <source>'s text. The next markup must start where that ends.
        start = data.find(b"<", pos) if text_from >= 0 else _run_end(data, pos)
        if start < 0 or start == size:
            break
        match = _MARKUP.match(data, start)
        if match is None:
            raise Unusual  # text, or a <line> not in the canonical layout
        raw_tag = match.group(2)
        if text_from >= 0:  # <source>text</source>, with nothing else inside, is canonical
            text_raw = data[pos:start]
            if (
                raw_tag != b"source"
                or match.group(1) != b"/"
                or b"]]>" in text_raw
                or _BAD_AMPERSAND.search(text_raw)
            ):
                raise Unusual
            text = _text(text_raw).strip().replace("\\", "/")
            if text:
                sources.append(text)
            text_from = -1
        elif root is None or closed:
            if data.find(b"<", pos, start) >= 0:  # <line> elements outside the root
                if root is None:
                    raise InputError(f"{name}: not Cobertura XML (root element <line>)")
                raise Unusual
        elif counting and start > pos:
            current.append((pos, start))
        if raw_tag is None:  # a comment, a processing instruction, or <!...
            pos = match.end()
            if data[pos - 1] == 0x21:  # "<!": only a DOCTYPE before the root
                doctype = _DOCTYPE.match(data, start)
                if doctype is None or root is not None or doctype_seen:
                    raise Unusual
                doctype_seen = True
                pos = doctype.end()
            elif data[start + 1] == 0x3F:  # "<?": the declaration is read by _start, no other
                raise Unusual
            continue
        pos = match.end()
        closing, _, rest = match.groups()
        if closed or _NAME.fullmatch(raw_tag) is None:
            raise Unusual
        tag = raw_tag.decode()
        if closing:
            if not open_tags or open_tags.pop() != raw_tag or _SPACE.fullmatch(rest) is None:
                raise Unusual
            closed = not open_tags
        else:
            if _ATTRIBUTES.fullmatch(rest) is None:
                raise Unusual
            attrs = _attributes(rest)
            empty = rest.endswith(b"/")
            if not empty:
                open_tags.append(raw_tag)
            elif not open_tags:
                closed = True  # an empty root element
            if root is None:
                if tag != "coverage":
                    raise InputError(f"{name}: not Cobertura XML (root element <{tag}>)")
                root = attrs
            elif tag == "class":
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
            if not empty:
                continue
            text_from = -1  # an empty element: its end follows at once
        if watch_end:
            if tag == "methods":
                in_methods = watch_end = False
            elif tag == "source":
                watch_end = in_methods
    if root is None or not closed or text_from >= 0 or data.find(b"<", pos) >= 0:
        raise Unusual  # no root, unclosed elements, or <line> elements after the root
    files = [_file_from_spans(data, path, runs, lines=lines) for path, runs in spans.items()]
    return Counted(root, sources, files)


def _run_end(data: bytes, pos: int) -> int:
    """Where the white space and canonical ``<line>`` elements from ``pos`` end."""
    run = _LINES_ONLY.match(data, pos)
    return pos if run is None else run.end()


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
    """Where markup starts, after a UTF-8 BOM and the XML declaration; :class:`Unusual`
    unless the document is non-empty UTF-8 (or ASCII) without a character XML forbids."""
    pos = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if _SPACE.fullmatch(data, pos) is not None:
        raise Unusual  # empty: expat's reading says so
    if not data.isascii():
        try:
            data.decode()
        except UnicodeDecodeError:
            raise Unusual from None
        if b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data:
            raise Unusual  # U+FFFE, U+FFFF
    if data.translate(None, _ALLOWED):  # what is left are forbidden bytes (C speed, no regex)
        raise Unusual
    if data.startswith(b"<?", pos):
        declaration = _DECLARATION.match(data, pos)
        if declaration is None:
            raise Unusual
        encoding = declaration.group(1)
        if encoding is not None and encoding.lower() not in (b"utf-8", b"us-ascii"):
            raise Unusual
        pos = declaration.end()
    return pos


def _attributes(raw: bytes) -> dict[str, str]:
    """A start tag's attributes as expat reports them (line ends and white space normalised
    to spaces, then references replaced); :class:`Unusual` when one is repeated."""
    found = _ATTR.findall(raw)
    attrs = {
        key.decode(): _value(double if double or not single else single)
        for key, double, single in found
    }
    if len(attrs) != len(found):
        raise Unusual  # an attribute twice: not well-formed, expat says so
    return attrs


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

"""dotenv files (``.env``, ``.env.production``, ``.env.example``) → :class:`EnvFile`.

The syntax is python-dotenv 1.x's (``dotenv/parser.py``), which is also what the npm ``dotenv``
package accepts for everything but backtick quotes:

- ``KEY=value``, optional ``export `` before the key, spaces around ``=``;
- ``'single quoted'`` values are literal except ``\\'`` and ``\\\\``;
- ``"double quoted"`` values decode ``\\n \\t \\" \\\\`` and friends;
- quoted values may span several lines;
- ``# comment`` lines, and ``  # inline comments`` after an unquoted value (a ``#`` needs a space
  before it to start a comment, so ``a#b`` stays a value);
- a bare ``KEY`` (no ``=``) has the value ``None``;
- ``${VAR}`` and ``${VAR:-default}`` expansion (:func:`expand`), like python-dotenv's
  ``interpolate=True`` (and npm ``dotenv-expand``).

A line that cannot be parsed is kept in :attr:`EnvFile.errors` with its line number (python-dotenv
warns and skips it the same way). Tested against python-dotenv on every
``tests/corpus/config/*.env.example`` (CRLF, quoted empties, inline comments, no final newline).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gates.errors import InputError
from gates.io.safe import read_text

MAX_BYTES = 4 * 1024 * 1024
"""An env file larger than 4 MiB is not a config file; refuse it."""

_MULTILINE_WS = re.compile(r"\s*", re.MULTILINE)
_WS = re.compile(r"[^\S\r\n]*")
_EXPORT = re.compile(r"(?:export[^\S\r\n]+)?")
_SINGLE_QUOTED_KEY = re.compile(r"'([^']+)'")
_UNQUOTED_KEY = re.compile(r"([^=\#\s]+)")
_EQUAL = re.compile(r"(=[^\S\r\n]*)")
_SINGLE_QUOTED_VALUE = re.compile(r"'((?:\\.|[^'\\])*)'", re.DOTALL)
_DOUBLE_QUOTED_VALUE = re.compile(r'"((?:\\.|[^"\\])*)"', re.DOTALL)
_UNQUOTED_VALUE = re.compile(r"([^\r\n]*)")
_COMMENT = re.compile(r"(?:[^\S\r\n]*#[^\r\n]*)?")
_END_OF_LINE = re.compile(r"[^\S\r\n]*(?:\r\n|\n|\r|$)")
_REST_OF_LINE = re.compile(r"[^\r\n]*(?:\r|\n|\r\n)?")
_DOUBLE_ESCAPES = re.compile(r"\\[\\'\"abfnrtv]")
_SINGLE_ESCAPES = re.compile(r"\\[\\']")
_INLINE_COMMENT = re.compile(r"\s+#.*")
_VARIABLE = re.compile(r"\$\{(?P<name>[^}:]*)(?::-(?P<default>[^}]*))?\}")
_NEWLINE = re.compile(r"\r\n|\n|\r")


@dataclass(frozen=True)
class EnvEntry:
    """One ``KEY=value`` binding."""

    key: str
    value: str | None
    """Decoded value; ``None`` for a bare ``KEY`` without ``=``."""
    line: int
    """1-based line of the key."""
    quote: str = ""
    """``'``, ``"`` or empty for an unquoted value."""
    exported: bool = False


@dataclass(frozen=True)
class EnvFile:
    """A parsed dotenv file: bindings in file order and the lines that could not be parsed."""

    name: str
    entries: tuple[EnvEntry, ...]
    errors: tuple[tuple[int, str], ...] = ()
    """``(line, message)`` for each statement that was skipped."""

    def values(self) -> dict[str, str | None]:
        """``{key: value}``; a key bound twice keeps its last value (as dotenv does)."""
        return {entry.key: entry.value for entry in self.entries}

    def line_of(self, key: str) -> int | None:
        """Line of the binding that wins for ``key`` (the last one), or ``None``."""
        line = None
        for entry in self.entries:
            if entry.key == key:
                line = entry.line
        return line


class _ParseError(Exception):
    pass


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        # line() is asked once per statement: count newlines from the last answer, not from the
        # start, or a file of many lines parses in quadratic time (20,000 lines took minutes).
        self._counted_to = 0
        self._lines_before = 0

    def has_next(self) -> bool:
        return self.pos < len(self.text)

    def peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def read(self, pattern: re.Pattern[str]) -> str:
        match = pattern.match(self.text, self.pos)
        if match is None:
            raise _ParseError(pattern.pattern)
        self.pos = match.end()
        return match.group(1) if match.groups() else match.group(0)

    def line(self) -> int:
        if self.pos < self._counted_to:
            self._counted_to, self._lines_before = 0, 0
        self._lines_before += len(_NEWLINE.findall(self.text, self._counted_to, self.pos))
        self._counted_to = self.pos
        return self._lines_before + 1


def _decode(pattern: re.Pattern[str], value: str) -> str:
    return pattern.sub(lambda m: codecs.decode(m.group(0), "unicode-escape"), value)


def _value(reader: _Reader) -> tuple[str, str]:
    char = reader.peek()
    if char == "'":
        return _decode(_SINGLE_ESCAPES, reader.read(_SINGLE_QUOTED_VALUE)), "'"
    if char == '"':
        return _decode(_DOUBLE_ESCAPES, reader.read(_DOUBLE_QUOTED_VALUE)), '"'
    if char in ("", "\n", "\r"):
        return "", ""
    raw = reader.read(_UNQUOTED_VALUE)
    return _INLINE_COMMENT.sub("", raw).rstrip(), ""


def _binding(reader: _Reader) -> EnvEntry | None:
    """One statement; ``None`` for a blank/comment line. Raises _ParseError."""
    reader.read(_MULTILINE_WS)
    if not reader.has_next():
        return None
    exported = bool(reader.read(_EXPORT))
    line = reader.line()
    key: str | None
    if reader.peek() == "#":
        key = None
    elif reader.peek() == "'":
        key = reader.read(_SINGLE_QUOTED_KEY)
    else:
        key = reader.read(_UNQUOTED_KEY)
    reader.read(_WS)
    value: str | None = None
    quote = ""
    if reader.peek() == "=":
        equal_sign = reader.read(_EQUAL)
        if len(equal_sign) > 1 and reader.peek() == "#":
            value = ""  # `KEY= # comment`: empty value (python-dotenv 1.2); `KEY=#x` is a value
        else:
            value, quote = _value(reader)
    reader.read(_COMMENT)
    reader.read(_END_OF_LINE)
    if key is None:
        return None
    return EnvEntry(key=key, value=value, line=line, quote=quote, exported=exported)


def parse(text: str, name: str = "<env>") -> EnvFile:
    """Parse dotenv text. Never raises for bad lines: they land in ``errors``."""
    if "\x00" in text:
        raise InputError(f"{name}: contains NUL bytes; not a dotenv file")
    reader = _Reader(text)
    entries: list[EnvEntry] = []
    errors: list[tuple[int, str]] = []
    while reader.has_next():
        start = reader.pos
        try:
            entry = _binding(reader)
        except _ParseError:
            # python-dotenv skips from where the statement broke to the end of that line.
            failed_at = reader.pos
            reader.pos = start
            reader.read(_MULTILINE_WS)
            line = reader.line()
            reader.pos = max(failed_at, reader.pos)
            reader.read(_REST_OF_LINE)
            errors.append((line, "could not parse this statement (skipped, as dotenv does)"))
            continue
        if entry is not None:
            entries.append(entry)
    return EnvFile(name=name, entries=tuple(entries), errors=tuple(errors))


# npm `dotenv` 17 (lib/main.js `LINE`), translated from JavaScript regex semantics: JS `\s` is
# this set (with U+FEFF and the line terminators), `\w` is ASCII, `^`/`$` under the m flag match
# at U+2028/U+2029 too, and `.` stops at every line terminator.
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_JS_S = f"[{_JS_SPACE}]"
_JS_LT = "[\n\r\u2028\u2029]"
_JS_BOL = f"(?:\\A|(?<={_JS_LT}))"
_JS_EOL = f"(?:\\Z|(?={_JS_LT}))"
_JS_DOT = "[^\n\r\u2028\u2029]"
_NPM_LINE = re.compile(
    f"{_JS_BOL}{_JS_S}*(?:export{_JS_S}+)?([A-Za-z0-9_.-]+)(?:{_JS_S}*={_JS_S}*?|:{_JS_S}+?)"
    f"({_JS_S}*'(?:\\\\'|[^'])*'|{_JS_S}*\"(?:\\\\\"|[^\"])*\"|{_JS_S}*`(?:\\\\`|[^`])*`|[^#\r\n]+)?"
    f"{_JS_S}*(?:#{_JS_DOT}*)?{_JS_EOL}"
)
_NPM_UNQUOTE = re.compile(f"{_JS_BOL}(['\"`])([\\s\\S]*)\\1{_JS_EOL}")
_JS_TRIM = _JS_SPACE.replace("\u2000-\u200a", "".join(chr(c) for c in range(0x2000, 0x200B)))

SYNTAXES = ("python", "npm")
"""``python``: python-dotenv 1.x (:func:`parse`); ``npm``: the npm ``dotenv`` package that Vite and
SvelteKit use to read ``.env*`` (:func:`parse_npm`)."""


def parse_npm(text: str, name: str = "<env>") -> EnvFile:
    """Parse dotenv text exactly as npm ``dotenv`` 17's ``parse()`` does (what Vite 7 bundles).

    Unlike python-dotenv it accepts ``KEY: value`` and backtick quotes, keeps ``\\`` escapes
    but ``\\n``/``\\r`` in double quotes, and silently ignores every line its one regex does not
    match: those non-blank, non-comment lines land in ``errors`` so a lost key is not silent.
    """
    if "\x00" in text:
        raise InputError(f"{name}: contains NUL bytes; not a dotenv file")
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    entries: list[EnvEntry] = []
    covered = [False] * (lines.count("\n") + 1)
    for match in _NPM_LINE.finditer(lines):
        key = match.group(1)
        value = (match.group(2) or "").strip(_JS_TRIM)
        quote = value[:1]
        value = _NPM_UNQUOTE.sub(lambda m: m.group(2), value)
        if quote == '"':
            value = value.replace("\\n", "\n").replace("\\r", "\r")
        first = lines.count("\n", 0, match.start(1))
        last = lines.count("\n", 0, match.end())
        for i in range(first, last + 1):
            covered[i] = True
        if key == "__proto__":
            continue  # a JavaScript object ignores a string assigned to __proto__
        entries.append(
            EnvEntry(key, value, first + 1, quote if quote in ("'", '"', "`") else "", False)
        )
    errors = tuple(
        (number, "npm dotenv ignores this line: the key is not set")
        for number, line in enumerate(lines.split("\n"), 1)
        if not covered[number - 1] and line.strip(_JS_TRIM) and not line.lstrip().startswith("#")
    )
    return EnvFile(name=name, entries=tuple(entries), errors=errors)


def load(path: Path, syntax: str = "python") -> EnvFile:
    """Read and parse a dotenv file (an empty file is a valid, empty env file).

    ``syntax`` names the consumer whose rules apply (:data:`SYNTAXES`). A UTF-8 BOM is dropped;
    a file that is not UTF-8 (UTF-16, binary) is refused (``InputError``), never half-read.
    """
    text = read_text(path, max_bytes=MAX_BYTES, allow_empty=True)
    if syntax == "npm":
        return parse_npm(text, str(path))
    return parse(text, str(path))


def expand(
    env: EnvFile, environ: Mapping[str, str], *, override: bool = True
) -> dict[str, str | None]:
    """Values with ``${VAR}`` / ``${VAR:-default}`` expanded, exactly as python-dotenv does.

    A name resolves to an earlier binding of the file or to ``environ`` (the file wins when
    ``override``, the default of ``dotenv_values``); the default applies only when the name is
    unset (set-but-empty stays empty). Like python-dotenv, quotes do not stop expansion. A bare
    ``KEY`` stays ``None``.
    """
    resolved: dict[str, str | None] = {}
    for entry in env.entries:
        if entry.value is None:
            resolved[entry.key] = None
            continue
        scope: dict[str, str | None] = {}
        if override:
            scope.update(environ)
            scope.update(resolved)
        else:
            scope.update(resolved)
            scope.update(environ)

        def lookup(match: re.Match[str], scope: dict[str, str | None] = scope) -> str:
            found = scope.get(match.group("name"), match.group("default") or "")
            return found if found is not None else ""

        resolved[entry.key] = _VARIABLE.sub(lookup, entry.value)
    return resolved

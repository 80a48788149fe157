"""One migration file parsed by PostgreSQL's own parser (pglast / libpg_query).

Offsets: libpg_query reports byte offsets; pglast converts them to *character* offsets into the
Python string (checked with non-ASCII comments before statements, see
tests/checks/test_migrations_lint.py::test_line_numbers_after_non_ascii), so line numbers are
counted over the text, not the UTF-8 bytes.

Ignore comments (on the line(s) right before a statement, between it and the previous one)::

    -- gates:ignore ban-drop-column, renaming-column   (reason...)
    ALTER TABLE t DROP COLUMN c;

and ``-- gates:ignore-file rule-id`` anywhere in the file for the whole file.
"""

from __future__ import annotations

import bisect
import keyword
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from gates.errors import InputError

IGNORE = re.compile(r"gates:ignore(-file)?\b([^\n]*)")
_RULE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ALL = "*"
MAX_IDENTIFIER_BYTES = 63
"""PostgreSQL's ``NAMEDATALEN - 1``: a longer identifier is silently truncated."""
NUL_MESSAGE = "the file contains a NUL byte; PostgreSQL's parser stops there, the rest is unchecked"


def refuse_nul(text: str, name: str) -> None:
    """InputError when ``text`` holds a NUL byte (the parser would silently stop at it)."""
    at = text.find("\x00")
    if at >= 0:
        line = text.count("\n", 0, at) + 1
        raise InputError(f"{name}: line {line}: {NUL_MESSAGE}")


@dataclass(frozen=True)
class Statement:
    """One top-level statement: its pglast node, where it starts and its text."""

    node: Any
    """A ``pglast.ast`` node (``RawStmt.stmt``)."""
    start: int
    """Character offset of its first token."""
    line: int
    text: str
    ignores: frozenset[str] = frozenset()
    """Rule ids ignored for this statement (named ids only; there is no blanket ignore)."""
    long_identifiers: tuple[str, ...] = ()
    """Its identifiers longer than PostgreSQL's 63 bytes, as written (unquoted), in order: from
    the scanner's tokens, because the parse tree holds them already truncated."""


@dataclass(frozen=True)
class SyntaxProblem:
    """The parser's message and where it points."""

    message: str
    line: int


@dataclass(frozen=True)
class SqlFile:
    """A parsed migration file (or the syntax error that stopped it)."""

    text: str
    statements: tuple[Statement, ...] = ()
    syntax_error: SyntaxProblem | None = None
    file_ignores: frozenset[str] = field(default_factory=frozenset)


class LineIndex:
    """Character offset -> 1-based line number."""

    def __init__(self, text: str) -> None:
        newlines: list[int] = []
        at = text.find("\n")
        while at >= 0:
            newlines.append(at)
            at = text.find("\n", at + 1)
        self._newlines = newlines

    def line(self, offset: int) -> int:
        """The line holding character ``offset``."""
        return bisect.bisect_left(self._newlines, offset) + 1


def _identifier(token: str) -> str:
    """An ``IDENT`` token's name: a quoted one without its quotes, doubled quotes undone."""
    if token.startswith('"'):
        return token[1:-1].replace('""', '"')
    return token


def _rule_ids(rest: str) -> set[str]:
    words = re.split(r"[\s,]+", rest.strip())
    ids: set[str] = set()
    for word in words:
        if not _RULE_ID.fullmatch(word):
            break  # the reason starts here
        ids.add(word)
    return ids  # no rule id: ignores nothing (a bare `gates:ignore` is no blanket pass)


_TREE_LOCK = threading.RLock()
_building_depth = 0
_CONVERSIONS: dict[type, dict[str, Callable[[Any], Any]]] = {}
_FAST_INITS: dict[type, Callable[..., None]] = {}
# C types whose check converts a value. Lists, nodes and CreateStmt are only rebuilt from the
# dicts of a hand-built tree: the parser passes tuples and nodes, which they return unchanged.
_KNOWN_ADAPTED = frozenset(
    {"bool", "char", "Bitmapset*", "char*", "List*", "Expr*", "Node*", "CreateStmt"}
)


def parse_tree(text: str) -> Sequence[Any]:
    """``pglast.parse_sql(text)`` (its ``RawStmt`` nodes), built faster (see :func:`_building`)."""
    from pglast import parse_sql

    with _building():
        return parse_sql(text)


@contextmanager
def _building() -> Iterator[None]:
    """While this is entered, pglast's parser builds its trees without pglast's per-attribute
    check, to the same tree.

    pglast builds the tree in Python: each node's ``__init__`` sets every attribute through
    ``Node.__setattr__``, which checks the value against the attribute's C type and converts
    it, for trees built by hand from dicts and names. Of the values pglast's own parser passes
    (``ast.pyx``: enum members, tuples, sets, nodes, str, int), the check converts one kind: a
    C ``bool`` may arrive as an int and is stored as a bool. Here ``Node.__setattr__`` is set
    aside (attributes are stored by the C slot setter) and every node class gets an
    ``__init__`` generated from its slots that stores its arguments as the checked one would:
    with that bool conversion inline, and the check's other converters that could change a
    value of the parser's types (char, ``Bitmapset``, ``Float``: they leave this pglast's
    values as they are). A pglast whose slots or ``__init__`` are not what this reads keeps its
    check. ``tests/checks/migrations/test_parse_tree.py`` compares both trees, value and type of
    every attribute, over every SQL file of the corpus.

    Installing and restoring costs about 0.25 ms (hundreds of class attributes), as much as
    parsing a small file, so :func:`parse_all` enters this once for a whole migration folder.
    Re-entrant, and under a lock: no other thread parses meanwhile, and none sees the check
    restored while a parse is still building. Only pglast's parser may build nodes inside.
    """
    global _building_depth
    from pglast import ast

    inits = _fast_inits()
    if not inits:  # a pglast unlike the one this was written for
        yield
        return
    with _TREE_LOCK:  # first: inside another thread's window the check is missing
        _building_depth += 1
        checked = None
        originals: dict[type, Any] = {}
        try:
            if _building_depth == 1:
                checked = ast.Node.__dict__.get("__setattr__")
                if checked is not None:  # else a pglast without the check: nothing to set aside
                    for cls, init in inits.items():
                        originals[cls] = cls.__dict__["__init__"]
                        type.__setattr__(cls, "__init__", init)
                    del ast.Node.__setattr__
            yield
        finally:
            _building_depth -= 1
            if checked is not None:
                ast.Node.__setattr__ = checked  # type: ignore[method-assign]
                for cls, init in originals.items():
                    type.__setattr__(cls, "__init__", init)


def warm() -> None:
    """Import pglast and generate the node ``__init__``s now (the forkserver does, see
    :mod:`gates.checks.migrations.warm`), not in the first parse of a worker."""
    import pglast.enums.parsenodes
    import pglast.parser  # noqa: F401

    _fast_inits()


def _fast_inits() -> dict[type, Callable[..., None]]:
    """Per node class, an ``__init__`` storing its arguments as the checked one does (see
    :func:`_building`); empty when this pglast's node classes are not what it expects."""
    if _FAST_INITS:
        return _FAST_INITS
    conversions = _conversions()
    if not conversions:
        return {}
    inits: dict[type, Callable[..., None]] = {}
    for cls, converts in conversions.items():
        slots = cls.__dict__.get("__slots__")
        init = cls.__dict__.get("__init__")
        names = tuple(slots) if isinstance(slots, dict) else ()
        code = getattr(init, "__code__", None)
        if (
            not names
            or code is None
            or code.co_varnames[1 : code.co_argcount] != names
            or getattr(init, "__defaults__", None) != (None,) * len(names)
            or not all(name.isidentifier() and not keyword.iskeyword(name) for name in names)
        ):
            if converts:  # its own __init__ would store unconverted values without the check
                return {}
            continue  # stores as they come with or without the check (e.g. ValUnion)
        inits[cls] = _generated_init(cls.__name__, names, converts)
    _FAST_INITS.update(inits)
    return _FAST_INITS


def _generated_init(
    class_name: str, names: tuple[str, ...], converts: dict[str, Callable[[Any], Any]]
) -> Callable[..., None]:
    lines = []
    scope: dict[str, Any] = {}
    for name in names:
        convert = converts.get(name)
        if convert is bool:  # inline: no call per attribute
            lines.append(
                f"    self.{name} = {name} if {name} is None else True if {name} else False"
            )
        elif convert is not None:
            scope[f"_convert_{name}"] = convert
            lines.append(f"    self.{name} = {name} if {name} is None else _convert_{name}({name})")
        else:
            lines.append(f"    self.{name} = {name}")
    arguments = ", ".join(f"{name}=None" for name in names)
    exec(f"def __init__(self, {arguments}):\n" + "\n".join(lines), scope)  # noqa: S102
    init: Callable[..., None] = scope["__init__"]
    init.__qualname__ = f"{class_name}.__init__"
    return init


def _char(value: Any) -> Any:
    return chr(value) if isinstance(value, int) else value


def _bitmapset(value: Any) -> Any:
    return set(value) if isinstance(value, list | tuple) else value


def _conversions() -> dict[type, dict[str, Callable[[Any], Any]]]:
    """Per node class, the attributes whose parsed value the check would convert; empty (the
    check stays) when pglast's slots are not the ``SlotTypeInfo`` this reads, or one has a
    converter for a C type this does not know."""
    if _CONVERSIONS:
        return _CONVERSIONS
    from pglast import ast

    found: dict[type, dict[str, Callable[[Any], Any]]] = {}
    pending: list[type] = [ast.Node]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        slots = cls.__dict__.get("__slots__")
        conversions: dict[str, Callable[[Any], Any]] = {}
        if isinstance(slots, dict):
            for attr, info in slots.items():
                c_type = getattr(info, "c_type", None)
                if not isinstance(c_type, str):
                    return {}
                if getattr(info, "adaptor", None) is not None and c_type not in _KNOWN_ADAPTED:
                    return {}
                if c_type == "bool":
                    conversions[attr] = bool
                elif c_type == "char":
                    conversions[attr] = _char
                elif c_type == "Bitmapset*":
                    conversions[attr] = _bitmapset
                elif c_type == "char*" and cls.__name__ == "Float":
                    conversions[attr] = str
        found[cls] = conversions
    _CONVERSIONS.update(found)
    return _CONVERSIONS


def parse_all(texts: Iterable[str]) -> list[SqlFile]:
    """:func:`parse` of each text, the trees built in one :func:`_building` window."""
    with _building():
        return [parse(text) for text in texts]


def parse(text: str) -> SqlFile:
    """Parse ``text``; a syntax error is returned (with its line), never raised."""
    from pglast.parser import ParseError, scan

    lines = LineIndex(text)
    nul = text.find("\x00")
    if nul >= 0:
        # libpg_query reads a C string: everything after the first NUL would go unchecked.
        return SqlFile(text, syntax_error=SyntaxProblem(NUL_MESSAGE, lines.line(nul)))
    try:
        raws = parse_tree(text)  # inside parse_all's window: the cheap nested entry
        tokens = scan(text)
    except ParseError as exc:
        message = str(exc.args[0]) if exc.args else str(exc)
        offset = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
        return SqlFile(text, syntax_error=SyntaxProblem(message, lines.line(max(offset, 0))))
    comments: list[tuple[int, str]] = []
    code_starts: list[int] = []
    long_names: list[tuple[int, str]] = []
    for token in tokens:
        if token.name in ("SQL_COMMENT", "C_COMMENT"):
            comments.append((token.start, text[token.start : token.end + 1]))
            continue
        code_starts.append(token.start)
        # 63 bytes need at least 16 characters (4 bytes each at most): shorter ones are skipped
        if token.name == "IDENT" and token.end - token.start >= MAX_IDENTIFIER_BYTES // 4:
            name = _identifier(text[token.start : token.end + 1])
            if len(name.encode()) > MAX_IDENTIFIER_BYTES:
                long_names.append((token.start, name))
    long_starts = [offset for offset, _ in long_names]
    comment_starts = [offset for offset, _ in comments]
    file_ignores: set[str] = set()
    for _, comment in comments:
        for match in IGNORE.finditer(comment):
            if match.group(1):
                file_ignores |= _rule_ids(match.group(2))
    statements: list[Statement] = []
    previous_end = 0
    for raw in raws:
        loc = raw.stmt_location or 0
        end = loc + raw.stmt_len if raw.stmt_len else len(text)
        at = bisect.bisect_left(code_starts, loc)
        start = code_starts[at] if at < len(code_starts) else loc
        ignores: set[str] = set()
        first = bisect.bisect_left(comment_starts, previous_end)
        last = bisect.bisect_left(comment_starts, start)
        for _, comment in comments[first:last]:
            for match in IGNORE.finditer(comment):
                if not match.group(1):
                    ignores |= _rule_ids(match.group(2))
        first_long = bisect.bisect_left(long_starts, start)
        longs = long_names[first_long : bisect.bisect_left(long_starts, end)]
        statements.append(
            Statement(
                raw.stmt,
                start,
                lines.line(start),
                text[start:end].strip(),
                frozenset(ignores),
                tuple(name for _, name in longs),
            )
        )
        previous_end = end
    return SqlFile(text, tuple(statements), None, frozenset(file_ignores))

"""The one glob dialect of every checklist key (gitignore-style), documented in docs/checklist.md.

Paths are project-relative with ``/`` separators.

- ``*`` matches any run of characters inside one path segment, ``?`` one character, ``[a-z]`` /
  ``[!.]`` one character of (not of) a class; none of them crosses a ``/``.
- ``**`` as a whole segment matches zero or more segments: ``**/x`` matches ``x`` at any depth,
  the root included; ``a/**`` everything under ``a``; ``a/**/b`` ``a/b``, ``a/x/b``, ``a/x/y/b``.
- A pattern without a ``/`` (other than a trailing one) matches a file or folder name at any depth,
  as in ``.gitignore``: ``*.map`` is ``**/*.map``. A pattern with a ``/`` is anchored at the
  project root (a leading ``./`` or ``/`` anchors too, as in ``.gitignore``).
- A pattern that matches a folder matches everything inside it: ``dist`` and ``dist/`` match
  ``dist/app.js``.
- ``\\`` escapes the next character. Negation (a leading ``!``) and ``..`` are refused
  (:func:`check`).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

_MAX_PATTERN = 1000


class GlobError(ValueError):
    """A pattern this dialect refuses; the message says why."""


def check(pattern: str) -> str:
    """``pattern`` if it is a valid glob of this dialect, else :class:`GlobError`."""
    if not isinstance(pattern, str):
        raise GlobError(f"a glob must be a string, got {type(pattern).__name__}")
    if not pattern.strip():
        raise GlobError("a glob must not be empty")
    if len(pattern) > _MAX_PATTERN:
        raise GlobError(f"a glob is at most {_MAX_PATTERN} characters")
    if pattern.startswith("!"):
        raise GlobError(f"{pattern!r}: negation (!) is not supported; use the key's exclude list")
    if ".." in _normalise(pattern).split("/"):
        raise GlobError(f"{pattern!r}: globs must stay inside the project (no '..')")
    _compile(_normalise(pattern))
    return pattern


def _normalise(pattern: str) -> str:
    text = pattern.strip()
    while text.startswith("./"):
        text = text[2:]
    anchored = "/" in text.rstrip("/")
    text = text.lstrip("/").rstrip("/")
    if not anchored and not text.startswith("**"):
        text = "**/" + text
    return text


def matches(pattern: str, path: str) -> bool:
    """True when the project-relative ``path`` (or one of its folders) matches ``pattern``."""
    rel = path.replace("\\", "/").removeprefix("./").strip("/")
    regex = _compile(_normalise(pattern))
    if regex.fullmatch(rel):
        return True
    parts = rel.split("/")
    return any(regex.fullmatch("/".join(parts[:i])) for i in range(1, len(parts)))


def any_match(patterns: Iterable[str], path: str) -> bool:
    """True when any of ``patterns`` matches ``path``."""
    return any(matches(p, path) for p in patterns)


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    segments = pattern.split("/")
    out: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            out.append(".*" if last else "(?:[^/]*/)*")
            continue
        out.append(_segment(segment, pattern))
        if not last:
            out.append("/")
    return re.compile("".join(out), re.DOTALL)


def _segment(segment: str, pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(segment):
        ch = segment[i]
        if ch == "\\" and i + 1 < len(segment):
            out.append(re.escape(segment[i + 1]))
            i += 2
        elif ch == "*":
            while i < len(segment) and segment[i] == "*":
                i += 1  # '**' inside a segment is '*' (gitignore)
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "[":
            end = segment.find("]", i + 2 if segment[i + 1 : i + 2] in ("!", "^", "]") else i + 1)
            if end == -1:
                raise GlobError(f"{pattern!r}: unclosed '['")
            body = segment[i + 1 : end]
            negate = body[:1] in ("!", "^")
            body = body[1:] if negate else body
            escaped = body.replace("\\", "\\\\").replace("^", "\\^").replace("[", "\\[")
            out.append(f"[{'^/' if negate else ''}{escaped}]")
            i = end + 1
        else:
            out.append(re.escape(ch))
            i += 1
    return "".join(out)


def expand(root: Path, pattern: str) -> list[str]:
    """Files under ``root`` that ``pattern`` matches, project-relative, sorted.

    Walks only below the pattern's literal leading folders; folder symlinks are not followed
    (a link loop cannot hang a run), and ``.git`` is never entered.
    """
    norm = _normalise(pattern)
    segments = norm.split("/")
    literal: list[str] = []
    for segment in segments:
        if any(ch in segment for ch in "*?[\\"):
            break
        literal.append(segment)
    start = root.joinpath(*literal) if literal else root
    if start.is_file() and not start.is_symlink() and literal:
        rel = "/".join(literal)
        return [rel] if matches(pattern, rel) else []
    if not start.is_dir():
        return []
    found = [rel for rel in _walk(root, start) if matches(pattern, rel)]
    return sorted(found)


def _walk(root: Path, start: Path) -> Iterator[str]:
    base = len(str(root).rstrip("/")) + 1
    for folder, dirs, files in os.walk(start, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in sorted(files):
            yield os.path.join(folder, name)[base:].replace(os.sep, "/")  # noqa: PTH118 - str speed

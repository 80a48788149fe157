"""``git diff --unified=0`` text → the added or changed line numbers of each new-side file.

Read by the coverage gate's ``changed_lines``. Only the ``+++`` file names and the ``@@ -a,b
+c,d @@`` hunk headers matter: a hunk adds lines ``c .. c+d-1`` (``d`` defaults to 1, ``d = 0``
is a pure deletion). Deleted files (``+++ /dev/null``) have no new lines. Quoted names
(``"a/caf\\303\\251.py"``, git's ``core.quotepath``) are unquoted.
"""

from __future__ import annotations

import re

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_OCTAL = re.compile(rb"\\([0-7]{3})")
_ESCAPES = {b"\\n": b"\n", b"\\t": b"\t", b'\\"': b'"', b"\\\\": b"\\"}


def parse(text: str) -> dict[str, set[int]]:
    """``{path: {line, ...}}`` for every file with added lines (paths as git prints them)."""
    changed: dict[str, set[int]] = {}
    current: str | None = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            name = _unquote(line[4:].rstrip("\t"))
            current = None if name == "/dev/null" else _strip_prefix(name)
            continue
        if current is None:
            continue
        match = _HUNK.match(line)
        if match:
            start = int(match.group(1))
            count = int(match.group(2)) if match.group(2) is not None else 1
            if count:
                changed.setdefault(current, set()).update(range(start, start + count))
    return changed


def _strip_prefix(name: str) -> str:
    return name[2:] if name.startswith(("b/", "w/", "i/")) else name


def _unquote(name: str) -> str:
    if not (len(name) >= 2 and name.startswith('"') and name.endswith('"')):
        return name
    raw = name[1:-1].encode("utf-8")
    for escaped, plain in _ESCAPES.items():
        raw = raw.replace(escaped, plain)
    raw = _OCTAL.sub(lambda m: bytes([int(m.group(1), 8)]), raw)
    return raw.decode("utf-8", "replace")

"""Netlify / Cloudflare Pages ``_headers`` files → header rules per path pattern.

Format (Netlify docs "Custom headers", Cloudflare Pages "Headers"): an unindented line is a URL
pattern (``/*``, ``/blog/:slug``, ``https://:project.pages.dev/*``); the indented ``Name: value``
lines under it apply to matching requests; ``! Name`` (Cloudflare) detaches a header; ``#`` starts
a comment. Tested on ``tests/corpus/config/cloudflare-pages-_headers-csp-permissions-detach.txt``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from gates.errors import InputError
from gates.io.safe import read_text

MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class PathRule:
    """Headers for one URL pattern."""

    pattern: str
    line: int
    headers: tuple[tuple[str, str], ...]
    detached: tuple[str, ...] = ()


@dataclass(frozen=True)
class HeadersFile:
    """All rules of a ``_headers`` file, in order."""

    name: str
    rules: tuple[PathRule, ...]

    def headers_for(self, path: str) -> dict[str, list[str]]:
        """Lower-case name → values for a request path (host-qualified patterns are skipped)."""
        merged: dict[str, list[str]] = {}
        for rule in self.rules:
            if "://" in rule.pattern or not _match(rule.pattern, path):
                continue
            for name in rule.detached:
                merged.pop(name.lower(), None)
            for name, value in rule.headers:
                merged.setdefault(name.lower(), []).append(value)
        return merged


def _match(pattern: str, path: str) -> bool:
    regex = ""
    for token in re.findall(r"\*|:[A-Za-z_]\w*|[^*:]+|:", pattern):
        if token == "*":  # noqa: S105 - a glob token, not a password
            regex += ".*"
        elif token.startswith(":") and len(token) > 1:
            regex += "[^/]+"
        else:
            regex += re.escape(token)
    return re.fullmatch(regex, path) is not None


def parse(text: str, name: str = "_headers") -> HeadersFile:
    """Parse ``_headers`` text; a header line before any path is an InputError."""
    rules: list[PathRule] = []
    current: tuple[str, int] | None = None
    headers: list[tuple[str, str]] = []
    detached: list[str] = []

    def close() -> None:
        if current is not None:
            rules.append(PathRule(current[0], current[1], tuple(headers), tuple(detached)))

    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not raw[0].isspace():
            close()
            current, headers, detached = (stripped, number), [], []
            continue
        if current is None:
            raise InputError(f"{name}:{number}: header line before any path pattern")
        if stripped.startswith("!"):
            detached.append(stripped[1:].strip())
            continue
        key, colon, value = stripped.partition(":")
        if not colon or not key.strip():
            raise InputError(f"{name}:{number}: expected 'Name: value'")
        headers.append((key.strip(), value.strip()))
    close()
    return HeadersFile(name=name, rules=tuple(rules))


def load(path: Path) -> HeadersFile:
    """Read and parse a ``_headers`` file."""
    return parse(read_text(path, max_bytes=MAX_BYTES), str(path))

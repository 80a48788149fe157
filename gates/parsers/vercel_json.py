"""``vercel.json`` → the response headers it configures, per route pattern.

Two layouts are read (Vercel docs, "Project configuration"):

- ``headers: [{source, headers: [{key, value}], has?, missing?}]`` (current);
- legacy ``version: 2`` ``routes: [{src, headers: {name: value}, dest?}]``.

``source`` patterns use path-to-regexp syntax (``/(.*)``, ``/:path*``, ``/:file*.woff2``); ``src``
is a regular expression. :func:`headers_for` returns what applies to one request path: every
matching rule in file order, a later rule overriding an earlier one for the same header.
Tested on ``tests/corpus/config/vercel-json-*.json`` (excalidraw's headers block, a legacy v2
routes file) and ``examples/shop-web/vercel.json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gates.errors import InputError
from gates.io.safe import parse_json_text, read_text

MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class HeaderRule:
    """Headers configured for requests whose path matches ``pattern``."""

    pattern: str
    """The ``source`` (path-to-regexp) or legacy ``src`` (regex) as written."""
    regex: str
    """The pattern compiled to a Python regular expression (anchored)."""
    headers: tuple[tuple[str, str], ...]
    """``(name as written, value)`` in file order."""
    conditional: bool = False
    """The rule has ``has``/``missing`` conditions: it may not apply to every request."""


@dataclass(frozen=True)
class VercelConfig:
    """The header rules of a vercel.json file."""

    name: str
    rules: tuple[HeaderRule, ...]

    def headers_for(self, path: str) -> dict[str, list[str]]:
        """Lower-case header name → values for a request to ``path``."""
        merged: dict[str, list[str]] = {}
        for rule in self.rules:
            if rule.conditional or not re.fullmatch(rule.regex, path):
                continue
            for key, value in rule.headers:
                merged[key.lower()] = [value]
        return merged


_TOKEN = re.compile(r"\((?:[^()\\]|\\.)*\)|:[A-Za-z_]\w*(?:\([^)]*\))?[*+?]?|[^(:]+|.", re.S)


def path_to_regex(pattern: str) -> str:
    """path-to-regexp (v6, as Vercel uses) → Python regex: ``:name`` one segment, ``:name*`` any
    number of segments, ``(re)`` kept, the rest literal."""
    out: list[str] = []
    for token in _TOKEN.findall(pattern):
        if token.startswith("(") and token.endswith(")"):
            out.append(token)
        elif token.startswith(":") and len(token) > 1:
            group = re.search(r"\(([^)]*)\)", token)
            body = group.group(1) if group else "[^/]+"
            suffix = token[-1] if token[-1] in "*+?" else ""
            if suffix == "*":
                out.append(f"(?:{body}(?:/{body})*)?")
            elif suffix == "+":
                out.append(f"{body}(?:/{body})*")
            elif suffix == "?":
                out.append(f"(?:{body})?")
            else:
                out.append(body)
        else:
            out.append(re.escape(token))
    regex = "".join(out)
    try:
        re.compile(regex)
    except re.error as exc:
        raise InputError(f"route pattern {pattern!r} is not valid: {exc}") from None
    return regex


def _string(value: Any, where: str, name: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"{name}: {where} must be a string")
    return value


def _current(item: Any, index: int, name: str) -> HeaderRule:
    if not isinstance(item, dict):
        raise InputError(f"{name}: headers[{index}] must be an object")
    source = _string(item.get("source"), f"headers[{index}].source", name)
    pairs = item.get("headers")
    if not isinstance(pairs, list):
        raise InputError(f"{name}: headers[{index}].headers must be a list")
    headers = []
    for j, pair in enumerate(pairs):
        if not isinstance(pair, dict):
            raise InputError(f"{name}: headers[{index}].headers[{j}] must be an object")
        headers.append(
            (
                _string(pair.get("key"), f"headers[{index}].headers[{j}].key", name),
                _string(pair.get("value"), f"headers[{index}].headers[{j}].value", name),
            )
        )
    return HeaderRule(
        pattern=source,
        regex=path_to_regex(source),
        headers=tuple(headers),
        conditional=bool(item.get("has") or item.get("missing")),
    )


def _legacy(item: Any, index: int, name: str) -> HeaderRule | None:
    if not isinstance(item, dict) or not isinstance(item.get("headers"), dict):
        return None
    src = _string(item.get("src"), f"routes[{index}].src", name)
    try:
        re.compile(src)
    except re.error as exc:
        raise InputError(f"{name}: routes[{index}].src is not a valid regex: {exc}") from None
    headers = tuple(
        (k, _string(v, f"routes[{index}].headers.{k}", name)) for k, v in item["headers"].items()
    )
    return HeaderRule(pattern=src, regex=src, headers=headers)


def parse(text: str, name: str = "vercel.json") -> VercelConfig:
    """Parse vercel.json text (InputError on malformed JSON or wrongly typed keys)."""
    data = parse_json_text(text, name)
    if not isinstance(data, dict):
        raise InputError(f"{name}: top level must be an object")
    rules: list[HeaderRule] = []
    headers = data.get("headers", [])
    if not isinstance(headers, list):
        raise InputError(f"{name}: headers must be a list")
    rules.extend(_current(item, i, name) for i, item in enumerate(headers))
    routes = data.get("routes", [])
    if not isinstance(routes, list):
        raise InputError(f"{name}: routes must be a list")
    rules.extend(r for i, item in enumerate(routes) if (r := _legacy(item, i, name)))
    return VercelConfig(name=name, rules=tuple(rules))


def load(path: Path) -> VercelConfig:
    """Read and parse a vercel.json file."""
    return parse(read_text(path, max_bytes=MAX_BYTES), str(path))

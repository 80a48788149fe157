"""``svelte.config.js`` → the ``kit.csp`` policy, read as TEXT (the file is never executed).

SvelteKit (``kit.csp``, docs "Configuration › csp") takes ``mode`` (``auto``/``hash``/``nonce``),
``directives`` and ``reportOnly``: objects of ``'directive-name': ['source', ...]`` whose keyword
sources are written without inner quotes (``'self'`` in JS is the keyword ``self``; SvelteKit
adds the quotes). In ``auto``/``nonce``/``hash`` mode SvelteKit adds a nonce or hash to
``script-src``/``style-src`` when those (or ``default-src``) are set and do not allow
``unsafe-inline``; :func:`to_header` does the same with a placeholder so the policy is judged as
served.

Reading without executing means expressions cannot be evaluated: every string literal inside a
directive's array counts, including those behind a condition (``...(dev ? ['unsafe-eval'] : [])``)
— the worst case is judged, never the best.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from gates.errors import InputError
from gates.io.safe import read_text

MAX_BYTES = 1024 * 1024
KEYWORDS = frozenset(
    {
        "self",
        "none",
        "unsafe-inline",
        "unsafe-eval",
        "strict-dynamic",
        "unsafe-hashes",
        "report-sample",
        "wasm-unsafe-eval",
        "unsafe-allow-redirects",
        "inline-speculation-rules",
    }
)
_STRING = re.compile(r"""'((?:\\.|[^'\\])*)'|"((?:\\.|[^"\\])*)"|`((?:\\.|[^`\\])*)`""")
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_KEY = re.compile(r"""(?:'([\w-]+)'|"([\w-]+)"|([A-Za-z_$][\w$]*))\s*:""")


@dataclass(frozen=True)
class SvelteCsp:
    """``kit.csp`` as configured."""

    name: str
    mode: str = "auto"
    directives: dict[str, list[str]] = field(default_factory=dict)
    report_only: dict[str, list[str]] = field(default_factory=dict)
    line: int | None = None
    """Line of the ``csp`` key, for findings."""

    def to_header(self) -> str:
        """The policy as the header SvelteKit would send (keywords quoted, nonce added)."""
        return _render(self.directives, add_nonce=True)


def _strip_comments(text: str) -> str:
    # Keep string literals intact (a URL holds //); blank comments with same-length spaces so
    # offsets (and line numbers) survive.
    out = []
    pos = 0
    for match in re.finditer(_STRING.pattern + r"|" + _COMMENT.pattern, text, re.S):
        out.append(text[pos : match.start()])
        piece = match.group(0)
        out.append(piece if piece[0] in "'\"`" else re.sub(r"[^\n]", " ", piece))
        pos = match.end()
    out.append(text[pos:])
    return "".join(out)


def _block(text: str, start: int) -> tuple[str, int]:
    """The balanced ``{...}`` or ``[...]`` starting at ``start`` (string-aware)."""
    opening = text[start]
    closing = {"{": "}", "[": "]"}[opening]
    depth = 0
    i = start
    while i < len(text):
        char = text[i]
        if char in "'\"`":
            match = _STRING.match(text, i)
            i = match.end() if match else i + 1
            continue
        if char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                if char != closing:
                    break
                return text[start + 1 : i], i + 1
        i += 1
    raise InputError("unbalanced brackets in svelte.config.js")


def _object_after(text: str, key: str) -> tuple[str, int] | None:
    for match in _KEY.finditer(text):
        if key in match.groups():
            rest = match.end()
            brace = re.match(r"\s*\{", text[rest:])
            if brace:
                return _block(text, rest + brace.end() - 1)[0], match.start()
    return None


def _directives(body: str) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    depth_zero = [m for m in _KEY.finditer(body) if _depth(body, m.start()) == 0]
    for match in depth_zero:
        name = next(g for g in match.groups() if g)
        rest = body[match.end() :]
        bracket = re.match(r"\s*\[", rest)
        if not bracket:
            continue
        inner, _ = _block(body, match.end() + bracket.end() - 1)
        result[name.lower()] = [
            next(g for g in s.groups() if g is not None) for s in _STRING.finditer(inner)
        ]
    return result


def _depth(text: str, pos: int) -> int:
    depth = 0
    for match in re.finditer(r"[{}\[\]]|" + _STRING.pattern, text[:pos]):
        token = match.group(0)
        if token in ("{", "["):
            depth += 1
        elif token in ("}", "]"):
            depth -= 1
    return depth


def _render(directives: dict[str, list[str]], *, add_nonce: bool) -> str:
    parts = []
    inline_ok = {n: "unsafe-inline" in v for n, v in directives.items()}
    for name, sources in directives.items():
        words = [
            f"'{s}'"
            if s in KEYWORDS or s.startswith(("nonce-", "sha256-", "sha384-", "sha512-"))
            else s
            for s in sources
        ]
        if add_nonce and name in ("script-src", "style-src") and not inline_ok[name]:
            words.append("'nonce-sveltekit'")
        parts.append(" ".join([name, *words]))
    if add_nonce and "default-src" in directives and not inline_ok["default-src"]:
        for name in ("script-src", "style-src"):
            if name not in directives:
                parts.append(
                    f"{name} "
                    + " ".join(
                        [
                            *(f"'{s}'" if s in KEYWORDS else s for s in directives["default-src"]),
                            "'nonce-sveltekit'",
                        ]
                    )
                )
    return "; ".join(parts)


def parse(text: str, name: str = "svelte.config.js") -> SvelteCsp | None:
    """The ``kit.csp`` of a svelte.config.js, or ``None`` when it configures no CSP."""
    clean = _strip_comments(text)
    found = _object_after(clean, "csp")
    if found is None:
        return None
    body, offset = found
    mode_match = re.search(r"""\bmode\s*:\s*['"](\w+)['"]""", body)
    directives = _object_after(body, "directives")
    report = _object_after(body, "reportOnly")
    return SvelteCsp(
        name=name,
        mode=mode_match.group(1) if mode_match else "auto",
        directives=_directives(directives[0]) if directives else {},
        report_only=_directives(report[0]) if report else {},
        line=clean.count("\n", 0, offset) + 1,
    )


def load(path: Path) -> SvelteCsp | None:
    """Read svelte.config.js as text and extract ``kit.csp``."""
    return parse(read_text(path, max_bytes=MAX_BYTES), str(path))

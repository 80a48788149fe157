"""Scanning one file for the ``secrets`` gate: what was scanned, skipped or could not be."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from gates.checks.secrets.options import SecretsOptions
from gates.checks.secrets.patterns import Hit, scan_bytes
from gates.checks.secrets.reading import BROKEN_ARCHIVE, windows


@dataclass
class Scan:
    hits: list[tuple[str, str, int, Hit]] = field(default_factory=list)
    """(relative path, context, line, hit)."""
    files: int = 0
    bytes: int = 0
    anon_keys: int = 0
    skipped_binary: int = 0
    skipped_large: list[str] = field(default_factory=list)
    skipped_outside: list[str] = field(default_factory=list)
    unscanned: list[str] = field(default_factory=list)
    """Bundle files and tracked env files that could not be scanned: the gate errors."""
    decoded_utf16: list[str] = field(default_factory=list)
    precompressed: int = 0
    excluded_bundle: int = 0
    empty_paths: list[str] = field(default_factory=list)
    """``paths`` entries that selected no file."""


def _context(rel: str, in_bundle: bool, hit: Hit) -> str:
    if in_bundle:
        return "bundle"
    if rel.rsplit("/", 1)[-1].startswith(".env"):
        return "env-file"
    if hit.line_has_public_var:
        return "public-variable"
    return "source"


_TEMPLATE_NAME = re.compile(
    r"(?:^|/)(?:[^/]*\.(?:example|sample|template|dist|defaults?)(?:\.[^/]*)?|[^/]*[._-](?:test|spec)"
    r"\.[^/]+|test_[^/]*\.py|[^/]*_test\.[^/]+)$"
)
_TEMPLATE_DIRS = frozenset(
    [
        "test",
        "tests",
        "__tests__",
        "spec",
        "specs",
        "fixtures",
        "__fixtures__",
        "__mocks__",
        "mocks",
        "e2e",
        "testdata",
    ]
)


def template_file(rel: str) -> bool:
    """A template or test file (``.env.example``, ``tests/…``, ``x.test.ts``): placeholders there
    are not secrets (a real-looking key still is)."""
    return bool(_TEMPLATE_NAME.search(rel)) or any(
        part in _TEMPLATE_DIRS for part in rel.split("/")[:-1]
    )


def _env_file(rel: str) -> bool:
    return rel.rsplit("/", 1)[-1].startswith(".env")


def _not_scanned(scan: Scan, rel: str, why: str, must: bool) -> None:
    (scan.unscanned if must else scan.skipped_large).append(f"{rel} ({why})")


def scan_file(rel: str, root: Path, in_bundle: bool, options: SecretsOptions, scan: Scan) -> None:
    """Scan one file. A bundle file or a tracked env file is always scanned (any size, any
    encoding, raw bytes when it is binary); when it cannot be, it lands in ``unscanned``."""
    path = root / rel
    must = in_bundle or _env_file(rel)
    try:
        if path.is_symlink():
            target = path.resolve()
            if target != root and root not in target.parents:
                scan.skipped_outside.append(rel)
                if must:
                    scan.unscanned.append(f"{rel} (a symlink out of the project)")
                return
        if not path.is_file():
            return
        size = path.stat().st_size
        if size > options.max_file_size and not must:
            scan.skipped_large.append(f"{rel} ({size} bytes)")
            return
        if rel.endswith(".br"):
            if (root / rel[:-3]).is_file():
                scan.precompressed += 1  # the uncompressed sibling is the same content
            else:
                _not_scanned(scan, rel, "brotli-compressed, no uncompressed copy", must)
            return
        _scan_windows(rel, path, in_bundle, must, options, scan)
    except OSError as exc:
        _not_scanned(scan, rel, f"unreadable: {exc.strerror or exc}", must)
    except BROKEN_ARCHIVE:
        _not_scanned(scan, rel, "a broken gzip file", must)


def _scan_windows(
    rel: str, path: Path, in_bundle: bool, must: bool, options: SecretsOptions, scan: Scan
) -> None:
    template = not in_bundle and template_file(rel)
    seen: set[tuple[str, int]] = set()
    found: list[tuple[str, str, int, Hit]] = []
    total = 0
    for offset, newlines, window, encoding in windows(path):
        if offset == 0:
            if encoding is None and b"\0" in window[:8192] and not must:
                scan.skipped_binary += 1
                return
            if encoding and encoding.startswith("utf-16"):
                scan.decoded_utf16.append(rel)
        total = offset + len(window)
        hits, public = scan_bytes(window, options.entropy_threshold, template=template)
        scan.anon_keys += public
        for hit in hits:
            key = (hit.value, offset + hit.start)
            if key in seen:
                continue
            seen.add(key)
            line = newlines + window.count(b"\n", 0, hit.start) + 1
            found.append((rel, _context(rel, in_bundle, hit), line, hit))
    scan.files += 1
    scan.bytes += total
    scan.hits.extend(found)

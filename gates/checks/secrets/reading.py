"""How the ``secrets`` gate reads a file: as the consumer would decode it, in bounded windows.

- A UTF-8 BOM is dropped; UTF-16 (LE/BE, with a BOM, or without one when every other byte is NUL
  as Windows editors and PowerShell's ``>`` write it) is transcoded to UTF-8, so a key in a
  UTF-16 ``.env.production`` is seen, not skipped as "binary".
- ``.gz`` files (a bundle's precompressed copies) are decompressed.
- Files are read in windows of :data:`WINDOW` bytes that overlap by :data:`OVERLAP`, so a big
  bundle chunk costs bounded memory and a key on a window border is still whole in one window.
"""

from __future__ import annotations

import codecs
import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

WINDOW = 4 * 1024 * 1024
OVERLAP = 64 * 1024
"""Longer than any key, joined literal run or base64 blob the patterns look for."""

TEXT_EXTENSIONS = frozenset(
    [
        ".js",
        ".mjs",
        ".cjs",
        ".css",
        ".html",
        ".htm",
        ".json",
        ".map",
        ".txt",
        ".xml",
        ".svg",
        ".webmanifest",
        ".env",
        ".ts",
        ".md",
    ]
)


def encoding_of(head: bytes) -> str | None:
    """``utf-8-sig``, ``utf-16-le``/``-be``, or ``None`` (bytes as they are) for ``head``."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 8 and b"\0" in sample:
        odd, even = sample[1::2], sample[0::2]
        if odd.count(0) >= 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if even.count(0) >= 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
    return None


def _chunks(stream: BinaryIO, encoding: str | None) -> Iterator[bytes]:
    decoder = codecs.getincrementaldecoder(encoding)("replace") if encoding else None
    while True:
        block = stream.read(WINDOW)
        if decoder is not None:
            text = decoder.decode(block, final=not block)
            if text:
                yield text.encode("utf-8", "surrogatepass")
        elif block:
            yield block
        if not block:
            return


def windows(path: Path) -> Iterator[tuple[int, int, bytes, str | None]]:
    """``(offset, newlines before it, window, encoding)`` over the decoded content of ``path``.

    Offsets are in the decoded (UTF-8) stream; consecutive windows overlap by :data:`OVERLAP`.
    Raises ``OSError`` (unreadable) and ``EOFError``/``zlib.error`` (a broken ``.gz``).
    """
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as raw:
        stream: BinaryIO = raw  # type: ignore[assignment]
        head = stream.read(8192)
        encoding = encoding_of(head)
        stream.seek(0)
        carry = b""
        offset = newlines = 0
        for chunk in _chunks(stream, encoding):
            window = carry + chunk
            yield offset, newlines, window, encoding
            cut = len(window) - min(OVERLAP, len(window))
            carry = window[cut:]
            offset += cut
            newlines += window.count(b"\n", 0, cut)


BROKEN_ARCHIVE = (EOFError, zlib.error, gzip.BadGzipFile)

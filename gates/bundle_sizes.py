"""Sizes of built files as bundle tools report them, and a bar chart of the largest ones.

Compression levels are those of size-limit (``@size-limit/file``: ``createGzip({level: 9})`` and
``BROTLI_PARAM_QUALITY: 11``) and bundlewatch (``gzip-size``, default level 9, and
``brotli-size``, default quality 11): gzip level 9 with a 10-byte gzip header and no file name,
brotli quality 11. Node's zlib (Chromium's fork) and CPython's zlib produce deflate streams that
differ by a few bytes (measured on the example's 73,243-byte route chunk: 17,881 B from
``zlib.gzipSync`` vs 17,896 B here, 0.08 %); brotli is byte-identical (15,089 B both).
"""

from __future__ import annotations

import base64
import fnmatch
import html
import zlib
from dataclasses import dataclass
from pathlib import Path

from gates.errors import InputError
from gates.parsers.safe import read_bytes
from gates.units import format_size

GZIP_LEVEL = 9
BROTLI_QUALITY = 11
SKIPPED_SUFFIXES = (".gz", ".br", ".map")
"""Precompressed copies (adapter-node writes ``.gz``/``.br`` beside each file) and source maps."""
KINDS = {
    "js": (".js", ".mjs", ".cjs"),
    "css": (".css",),
    "html": (".html", ".htm"),
    "image": (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg", ".ico"),
    "font": (".woff", ".woff2", ".ttf", ".otf", ".eot"),
    "json": (".json", ".webmanifest"),
}
METRICS = ("raw", "gzip", "brotli")


@dataclass(frozen=True)
class FileSize:
    """One output file, its path relative to the output dir and its three sizes in bytes."""

    path: str
    raw: int
    gzip: int
    brotli: int

    @property
    def kind(self) -> str:
        """``js``, ``css``, ``html``, ``image``, ``font``, ``json`` or ``other``."""
        return kind_of(self.path)

    def size(self, metric: str) -> int:
        """``raw``, ``gzip`` or ``brotli`` bytes."""
        return {"raw": self.raw, "gzip": self.gzip, "brotli": self.brotli}[metric]


def kind_of(path: str) -> str:
    """The file type of an output path, by extension."""
    lower = path.lower()
    for kind, suffixes in KINDS.items():
        if lower.endswith(suffixes):
            return kind
    return "other"


def gzip_size(data: bytes) -> int:
    """Bytes of ``data`` gzipped at level 9 (header without a file name, as Node's zlib.gzip)."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    return len(compressor.compress(data) + compressor.flush())


def brotli_size(data: bytes) -> int:
    """Bytes of ``data`` compressed with brotli quality 11."""
    import brotli  # heavy C extension: loaded only when a bundle is measured

    return len(brotli.compress(data, quality=BROTLI_QUALITY))


def measure_file(path: Path, relative: str) -> FileSize:
    """Raw, gzip and brotli sizes of one file."""
    data = read_bytes(path, allow_empty=True)
    return FileSize(path=relative, raw=len(data), gzip=gzip_size(data), brotli=brotli_size(data))


def measure_dir(directory: Path) -> list[FileSize]:
    """Every shipped file under ``directory`` (not ``.vite/``, ``.gz``/``.br`` copies or maps)."""
    if not directory.is_dir():
        raise InputError(f"{directory}: build output directory not found (did the build run?)")
    sizes = []
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory).as_posix()
        if (
            not path.is_file()
            or relative.startswith(".vite/")
            or relative.endswith(SKIPPED_SUFFIXES)
        ):
            continue
        sizes.append(measure_file(path, relative))
    if not sizes:
        raise InputError(f"{directory}: the build output directory holds no files")
    return sizes


def select(sizes: list[FileSize], globs: list[str]) -> list[FileSize]:
    """Files matching any glob (``**`` spans folders; ``*`` alone also does, as in size-limit)."""
    return [item for item in sizes if any(_match(item.path, g) for g in globs)]


def _match(path: str, pattern: str) -> bool:
    pattern = pattern.removeprefix("./")
    if fnmatch.fnmatchcase(path, pattern):
        return True
    # "**/*.js" should also match a file at the top level ("app.js").
    return pattern.startswith("**/") and fnmatch.fnmatchcase(path, pattern[3:])


def bar_chart_svg(rows: list[tuple[str, int, int]], title: str) -> str:
    """A self-contained SVG bar chart, one bar per (label, raw, compressed) row; no assets."""
    bar_area, row_h, left = 420, 22, 330
    width = left + bar_area + 160
    height = 40 + row_h * max(len(rows), 1)
    biggest = max((raw for _, raw, _ in rows), default=1) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{html.escape(title)}</title>",
        f'<text x="4" y="16" font-weight="bold">{html.escape(title)}</text>',
        '<text x="4" y="32" fill="#555">light: raw · dark: compressed</text>',
    ]
    for index, (label, raw, packed) in enumerate(rows):
        y = 40 + index * row_h
        raw_w = max(1, round(bar_area * raw / biggest))
        packed_w = max(1, round(bar_area * packed / biggest))
        shown = label if len(label) <= 48 else "…" + label[-47:]
        parts += [
            f'<text x="4" y="{y + 14}">{html.escape(shown)}</text>',
            f'<rect x="{left}" y="{y + 3}" width="{raw_w}" height="15" fill="#9ecae1"/>',
            f'<rect x="{left}" y="{y + 3}" width="{packed_w}" height="15" fill="#08519c"/>',
            f'<text x="{left + raw_w + 4}" y="{y + 14}">{html.escape(format_size(raw))} / '
            f"{html.escape(format_size(packed))}</text>",
        ]
    parts.append("</svg>")
    return "".join(parts)


def svg_base64(svg: str) -> str:
    """The SVG as base64, for :class:`gates.model.Artifact`."""
    return base64.b64encode(svg.encode("utf-8")).decode("ascii")

"""What the ``bundle`` gate shows: totals, the largest files, per-type and per-entry tables, the
chart and the summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gates.checks.bundle.sizes import (
    BROTLI_QUALITY,
    GZIP_LEVEL,
    METRICS,
    FileSize,
    bar_chart_svg,
    kind_of,
    svg_base64,
)
from gates.model import Artifact, Measurement, Status

if TYPE_CHECKING:  # imported when the gate runs, not by `gates validate`
    from gates.parsers import vite_manifest
from gates.checks.bundle.options import BundleOptions
from gates.checks.bundle.select import sum_if_known
from gates.units import format_size


def size_totals(sizes: list[FileSize]) -> dict[str, int]:
    """Totals of the metrics computed for every file (raw always)."""
    return {
        m: sum(item.size(m) for item in sizes)
        for m in METRICS
        if all(item.has(m) for item in sizes)
    }


def largest_files(sizes: list[FileSize], count: int) -> list[FileSize]:
    return sorted(sizes, key=lambda f: (-f.raw, f.path))[:count]


def details_of(
    options: BundleOptions,
    sizes: list[FileSize],
    manifest: vite_manifest.ViteManifest | None,
    by_path: dict[str, FileSize],
    entry_rows: list[dict[str, object]],
    manifest_note: str,
) -> dict[str, object]:
    largest = largest_files(sizes, options.largest)
    details: dict[str, object] = {
        "compression": f"gzip level {GZIP_LEVEL}, brotli quality {BROTLI_QUALITY}",
        "computed": {
            m: f"{sum(1 for f in sizes if f.has(m))} of {len(sizes)} files" for m in METRICS
        },
        "computed_note": "brotli is computed only for the files a brotli budget or "
        "max_growth needs; a brotli column shown as null was not computed",
        "files": len(sizes),
        "by_type": _by_type(sizes),
        "largest": [
            {"path": f.path, "type": f.kind, "raw": f.raw, "gzip": f.gzip, "brotli": f.brotli}
            for f in largest
        ],
        "budget_entries": entry_rows,
        "manifest": manifest_note,
    }
    if manifest is not None:
        details["entries"] = _all_entries(manifest, by_path)
    return details


def _by_type(sizes: list[FileSize]) -> dict[str, dict[str, int | None]]:
    groups: dict[str, list[FileSize]] = {}
    for item in sizes:
        groups.setdefault(kind_of(item.path), []).append(item)
    return {
        kind: {"files": len(items), **{m: sum_if_known(items, m) for m in METRICS}}
        for kind, items in groups.items()
    }


def _all_entries(
    manifest: vite_manifest.ViteManifest, by_path: dict[str, FileSize]
) -> list[dict[str, object]]:
    rows = []
    for chunk in manifest.entries[:60]:
        closure = manifest.closure(chunk.key)
        known = [by_path[f] for f in closure.files if f in by_path]
        rows.append(
            {
                "entry": chunk.key,
                "file": chunk.file,
                "static_files": len(closure.files),
                "raw": sum(f.raw for f in known),
                "gzip": sum_if_known(known, "gzip"),
                "brotli": sum_if_known(known, "brotli"),
                "dynamic_imports": len(closure.dynamic),
            }
        )
    return sorted(rows, key=lambda r: (-int(str(r["raw"])), str(r["entry"])))


def chart(sizes: list[FileSize], count: int) -> Artifact:
    largest = largest_files(sizes, count)
    svg = bar_chart_svg(
        [(f.path, f.raw, f.size("gzip")) for f in largest],
        f"Largest {len(largest)} files: raw and gzip -{GZIP_LEVEL}",
    )
    return Artifact(
        kind="chart", title="Largest files", media_type="image/svg+xml", data_base64=svg_base64(svg)
    )


def summary(sizes: list[FileSize], totals: dict[str, int], measurements: list[Measurement]) -> str:
    judged = [m for m in measurements if m.op is not None]
    bad = [m for m in judged if m.status in (Status.FAIL, Status.ERROR)]
    metric = "gzip" if "gzip" in totals else "raw"
    head = f"{len(sizes)} files, {format_size(totals[metric])} {metric}"
    if bad:
        return f"{head}; " + "; ".join(m.message for m in bad[:3])
    return f"{head}; {len(judged)} budget checks met"

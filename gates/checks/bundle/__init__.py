"""``bundle``: raw/gzip/brotli budgets on a Vite build, per glob, file type, total and entry.

Example::

    bundle:
      type: bundle
      needs: [build]
      dir: .svelte-kit/output/client   # or dist; manifest: <dir>/.vite/manifest.json
      budgets:
        - {name: all JavaScript, files: "**/*.js", gzip: 250kB}
        - {name: all CSS, type: css, brotli: 20kB}
        - {name: everything, raw: 1MB}                                 # no selector: every file
        - {name: home route, entry: "src/routes/+page.svelte", brotli: 80kB}
        - {name: any chunk, files: "_app/immutable/chunks/*.js", gzip: 50kB, per_file: true}
      max_growth: 5%                       # vs the baseline report (gzip by default)
      growth_metric: gzip

Sizes: gzip level 9 and brotli quality 11, as size-limit and bundlewatch measure
(:mod:`.sizes`). gzip is computed for every file; brotli (about 30x dearer) only for
the files a ``brotli`` budget counts, or for all when ``growth_metric: brotli``; so ``total
brotli`` is reported only then (``details.computed`` lists what was measured).

An ``entry`` budget counts the entry's file plus its static import closure from
``.vite/manifest.json``, CSS included; dynamic imports are listed apart and not counted. An
entry is a manifest key, or a SvelteKit route file (``src/routes/+page.svelte``) found
through the node that imports it in ``.svelte-kit/generated/client-optimized/nodes/``.

Fails closed (``error``): no output dir or no files in it; a manifest missing or invalid while an
entry budget needs it; an entry not in the manifest; a glob or type matching nothing; a manifest
naming a file that is not in the dir; ``max_growth`` without a baseline (unless
``baseline_optional``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gates.checks.base import Check, GateContext, GateOutcome, Rule
from gates.checks.bundle.sizes import (
    BROTLI_QUALITY,
    COMPRESSED,
    GZIP_LEVEL,
    METRICS,
    FileSize,
    bar_chart_svg,
    compress,
    kind_of,
    list_dir,
    select,
    svg_base64,
)
from gates.errors import InputError
from gates.measure import compare, shown
from gates.model import Artifact, Change, Measurement, Severity, Status

if TYPE_CHECKING:  # imported when the gate runs, not by `gates validate`
    from gates.parsers import vite_manifest
from gates.checks.bundle.options import BundleBudget, BundleOptions
from gates.io.safe import read_text
from gates.units import format_size

RULES = (
    Rule(
        id="bundle-budget",
        severity=Severity.HIGH,
        title="Bundle size over budget",
        why="Every kilobyte of JavaScript is downloaded, parsed and executed before a page "
        "becomes interactive, most of all on mid-range phones.",
        fix="Split the route (dynamic import()), drop or replace the heavy dependency, or raise "
        "the budget in checklist.yml with a reason.",
    ),
    Rule(
        id="bundle-growth",
        severity=Severity.MEDIUM,
        title="Bundle grew more than max_growth",
        why="Size creeps up by small steps; comparing with the last release catches it.",
        fix="Find the new import in the per-entry table, or accept the growth by updating the "
        "baseline report.",
    ),
)


def evaluate(options: BundleOptions, ctx: GateContext) -> GateOutcome:
    """Measure the output dir, resolve entries through the manifest, compare budgets and growth.

    Raw sizes are free (``stat``); gzip is computed for every file, brotli (about 30x dearer)
    only for the files a brotli budget or ``max_growth: brotli`` needs (``details.computed``
    says which), both on every core. No size cache: a cache in the output dir could be planted
    by the change under review, and sizes from it would be judged without being measured.
    """
    directory = ctx.path(options.dir)
    sizes = list_dir(directory)
    for item in sizes:
        ctx.record(directory / item.path)
    manifest, manifest_note = _load_manifest(options, ctx)
    by_path = {item.path: item for item in sizes}
    selections = [_select(b, options, ctx, sizes, by_path, manifest) for b in options.budgets]
    wanted = _wanted(options, selections)
    sizes = compress(directory, sizes, wanted)
    by_path = {item.path: item for item in sizes}
    measurements: list[Measurement] = []
    entry_rows: list[dict[str, object]] = []
    for selection in selections:
        values, note = _budget_values(selection, by_path, manifest, entry_rows)
        measurements += _budget_measurements(selection.budget, values, note, ctx)
    totals = _totals(sizes)
    measurements += [
        shown(f"total {m}", value, "B", baseline=_base(ctx, f"total {m}"))
        for m, value in totals.items()
    ]
    if options.max_growth is not None:
        measurements += _growth(options, ctx, measurements)
    details = _details(options, sizes, manifest, by_path, entry_rows, manifest_note)
    return GateOutcome(
        summary=_summary(sizes, totals, measurements),
        measurements=measurements,
        details=details,
        artifacts=[_chart(sizes, options.largest)],
    )


@dataclass(frozen=True)
class _Selection:
    """The files one budget counts (``None`` when its selector matched nothing, see note)."""

    budget: BundleBudget
    paths: list[str] | None
    note: str
    entry: tuple[str, vite_manifest.Closure] | None = None


def _wanted(
    options: BundleOptions, selections: list[_Selection]
) -> dict[str, Iterable[str] | None]:
    """Which files need which compression: gzip for every file (the report's headline), brotli
    for the files of budgets with a brotli limit, or every file when max_growth compares it."""
    wanted: dict[str, set[str] | None] = {m: set() for m in COMPRESSED}

    def add(metric: str, paths: Iterable[str] | None) -> None:
        if metric == "raw":
            return
        current = wanted[metric]
        if paths is None or current is None:
            wanted[metric] = None
        else:
            current.update(paths)

    for selection in selections:
        for metric, _ in selection.budget.limits():
            add(metric, selection.paths or [])
    if options.max_growth is not None:
        add(options.growth_metric, None)
    # gzip of every file: the report's headline (summary, chart, "total gzip", which a later
    # run's max_growth compares with); at ~30 MB/s per core it is cheap next to brotli -q 11.
    add("gzip", None)
    return {m: paths for m, paths in wanted.items() if paths is None or paths}


def _totals(sizes: list[FileSize]) -> dict[str, int]:
    """Totals of the metrics computed for every file (raw always)."""
    return {
        m: sum(item.size(m) for item in sizes)
        for m in METRICS
        if all(item.has(m) for item in sizes)
    }


def _largest_files(sizes: list[FileSize], count: int) -> list[FileSize]:
    return sorted(sizes, key=lambda f: (-f.raw, f.path))[:count]


def _load_manifest(
    options: BundleOptions, ctx: GateContext
) -> tuple[vite_manifest.ViteManifest | None, str]:
    from gates.parsers import vite_manifest

    relative = options.manifest or f"{options.dir.rstrip('/')}/.vite/manifest.json"
    path = ctx.path(relative)
    needs = any(b.entry is not None for b in options.budgets)
    try:
        manifest = vite_manifest.load(path)
    except InputError as exc:
        if needs:
            raise InputError(f"entry budgets need the Vite manifest: {exc}") from None
        return None, f"manifest not used: {exc}"
    ctx.record(path)
    return manifest, relative


def _select(
    budget: BundleBudget,
    options: BundleOptions,
    ctx: GateContext,
    sizes: list[FileSize],
    by_path: dict[str, FileSize],
    manifest: vite_manifest.ViteManifest | None,
) -> _Selection:
    if budget.entry is not None:
        assert manifest is not None  # _load_manifest raised otherwise
        key = resolve_entry(budget.entry, manifest, ctx, options.sveltekit_nodes)
        if key is None:
            return _Selection(budget, None, f"entry '{budget.entry}' is not in the Vite manifest")
        closure = manifest.closure(key)
        missing = [f for f in closure.files if f not in by_path]
        if missing:
            raise InputError(f"the manifest names {missing[0]}, which is not in {options.dir}")
        return _Selection(budget, list(closure.files), "", (key, closure))
    if budget.files is not None:
        chosen = select(sizes, budget.files)
        if not chosen:
            return _Selection(
                budget, None, f"no file in {options.dir} matches {', '.join(budget.files)}"
            )
    elif budget.type is not None:
        chosen = [item for item in sizes if item.kind == budget.type]
        if not chosen:
            return _Selection(budget, None, f"no {budget.type} file in {options.dir}")
    else:
        chosen = sizes
    return _Selection(budget, [item.path for item in chosen], "")


def _budget_values(
    selection: _Selection,
    by_path: dict[str, FileSize],
    manifest: vite_manifest.ViteManifest | None,
    entry_rows: list[dict[str, object]],
) -> tuple[dict[str, int] | None, str]:
    if selection.paths is None:
        return None, selection.note
    chosen = [by_path[p] for p in selection.paths]
    if selection.entry is not None:
        assert manifest is not None
        key, closure = selection.entry
        entry_rows.append(_entry_row(selection.budget.name, key, closure, chosen, manifest))
    metrics = [m for m, _ in selection.budget.limits()]
    if selection.budget.per_file:
        return {m: max(item.size(m) for item in chosen) for m in metrics}, _largest(chosen)
    return {m: sum(item.size(m) for item in chosen) for m in metrics}, f"{len(chosen)} files"


def _largest(chosen: list[FileSize]) -> str:
    top = max(chosen, key=lambda f: f.raw)
    return f"largest of {len(chosen)} files: {top.path}"


def resolve_entry(
    entry: str, manifest: vite_manifest.ViteManifest, ctx: GateContext, nodes_dir: str
) -> str | None:
    """The manifest key of ``entry``: itself, the chunk with that ``src``, or its SvelteKit node."""
    entry = entry.removeprefix("./")
    if entry in manifest.chunks:
        return entry
    for chunk in manifest.chunks.values():
        if chunk.src == entry:
            return chunk.key
    target = ctx.path(entry)
    prefix = nodes_dir.rstrip("/") + "/"
    for key in manifest.chunks:
        if not key.startswith(prefix):
            continue
        node = ctx.path(key)
        if not node.is_file():
            continue
        for ref in _IMPORT_FROM.findall(read_text(node, allow_empty=True)):
            if (node.parent / ref).resolve() == target:
                return key
    return None


_IMPORT_FROM = re.compile(r"""from\s+["']([^"']+)["']""")


def _entry_row(
    name: str,
    key: str,
    closure: vite_manifest.Closure,
    chosen: list[FileSize],
    manifest: vite_manifest.ViteManifest,
) -> dict[str, object]:
    return {
        "budget": name,
        "manifest_key": key,
        "files": [
            {"path": f.path, "raw": f.raw, "gzip": f.gzip, "brotli": f.brotli} for f in chosen
        ],
        "raw": sum(f.raw for f in chosen),
        "gzip": _sum_if_known(chosen, "gzip"),
        "brotli": _sum_if_known(chosen, "brotli"),
        "dynamic_imports": [manifest.chunks[d].file for d in closure.dynamic],
    }


def _sum_if_known(files: list[FileSize], metric: str) -> int | None:
    """The sum of ``metric`` over ``files``, or ``None`` when some file has it not computed."""
    if not all(f.has(metric) for f in files):
        return None
    return sum(f.size(metric) for f in files)


def _budget_measurements(
    budget: BundleBudget, values: dict[str, int] | None, note: str, ctx: GateContext
) -> list[Measurement]:
    out = []
    for metric, limit in budget.limits():
        name = f"{budget.name} {metric}"
        value = None if values is None else values[metric]
        message = (
            f"{name}: {note}"
            if values is None
            else (
                f"{name} {format_size(values[metric])} {'≤' if values[metric] <= limit else '>'} "
                f"{format_size(limit)} ({note})"
            )
        )
        out.append(
            compare(name, value, "<=", limit, unit="B", baseline=_base(ctx, name), message=message)
        )
    return out


def _base(ctx: GateContext, name: str) -> float | None:
    if ctx.baseline is None:
        return None
    for item in ctx.baseline.measurements:
        if item.name == name:
            return item.value
    return None


def _growth(
    options: BundleOptions, ctx: GateContext, current: list[Measurement]
) -> list[Measurement]:
    assert options.max_growth is not None
    metric = options.growth_metric
    name = f"total {metric}"
    if not ctx.baseline_given or ctx.baseline is None:
        why = (
            "no --baseline report given"
            if not ctx.baseline_given
            else "gate not in the baseline report"
        )
        if options.baseline_optional:
            return [shown(f"{name} growth", None, "%", message=f"growth not checked: {why}")]
        return [
            compare(
                f"{name} growth",
                None,
                "<=",
                options.max_growth,
                unit="%",
                message=f"max_growth needs a baseline: {why} (or set baseline_optional)",
            )
        ]
    out = []
    for item in current:
        if not item.name.endswith(f" {metric}") or item.value is None:
            continue
        base = _base(ctx, item.name)
        if base is None:
            if item.name == name:
                out.append(
                    compare(
                        f"{name} growth",
                        None,
                        "<=",
                        options.max_growth,
                        unit="%",
                        message=f"the baseline report has no '{name}' measurement",
                    )
                )
            continue
        growth = (
            0.0
            if base == 0 and item.value == 0
            else (100.0 * (item.value - base) / base if base else 100.0)
        )
        out.append(
            compare(
                f"{item.name} growth",
                round(growth, 3),
                "<=",
                options.max_growth,
                unit="%",
                change_of=Change(quantity=item.name, unit="B", baseline=base, current=item.value),
                message=f"{item.name}: {format_size(base)} → {format_size(item.value)} "
                f"({growth:+.2f}%, max +{options.max_growth:g}%)",
            )
        )
    return out


def _details(
    options: BundleOptions,
    sizes: list[FileSize],
    manifest: vite_manifest.ViteManifest | None,
    by_path: dict[str, FileSize],
    entry_rows: list[dict[str, object]],
    manifest_note: str,
) -> dict[str, object]:
    largest = _largest_files(sizes, options.largest)
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
        kind: {"files": len(items), **{m: _sum_if_known(items, m) for m in METRICS}}
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
                "gzip": _sum_if_known(known, "gzip"),
                "brotli": _sum_if_known(known, "brotli"),
                "dynamic_imports": len(closure.dynamic),
            }
        )
    return sorted(rows, key=lambda r: (-int(str(r["raw"])), str(r["entry"])))


def _chart(sizes: list[FileSize], count: int) -> Artifact:
    largest = _largest_files(sizes, count)
    svg = bar_chart_svg(
        [(f.path, f.raw, f.size("gzip")) for f in largest],
        f"Largest {len(largest)} files: raw and gzip -{GZIP_LEVEL}",
    )
    return Artifact(
        kind="chart", title="Largest files", media_type="image/svg+xml", data_base64=svg_base64(svg)
    )


def _summary(sizes: list[FileSize], totals: dict[str, int], measurements: list[Measurement]) -> str:
    judged = [m for m in measurements if m.op is not None]
    bad = [m for m in judged if m.status in (Status.FAIL, Status.ERROR)]
    metric = "gzip" if "gzip" in totals else "raw"
    head = f"{len(sizes)} files, {format_size(totals[metric])} {metric}"
    if bad:
        return f"{head}; " + "; ".join(m.message for m in bad[:3])
    return f"{head}; {len(judged)} budget checks met"


CHECK = Check(
    type="bundle",
    options=BundleOptions,
    evaluate=evaluate,
    rules=RULES,
    summary="Raw/gzip/brotli budgets on a Vite build, per glob, type, total and entry closure",
)

"""Which files each ``bundle`` budget counts: globs, types, manifest entries and their import
closure."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gates.checks.base import GateContext
from gates.checks.bundle.sizes import (
    COMPRESSED,
    FileSize,
    select,
)
from gates.errors import InputError

if TYPE_CHECKING:  # imported when the gate runs, not by `gates validate`
    from gates.parsers import vite_manifest
from gates.checks.bundle.options import BundleBudget, BundleOptions
from gates.io.safe import read_text


@dataclass(frozen=True)
class Selection:
    """The files one budget counts (``None`` when its selector matched nothing, see note)."""

    budget: BundleBudget
    paths: list[str] | None
    note: str
    entry: tuple[str, vite_manifest.Closure] | None = None


def wanted_metrics(
    options: BundleOptions, selections: list[Selection]
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


def load_manifest(
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


def select_budget(
    budget: BundleBudget,
    options: BundleOptions,
    ctx: GateContext,
    sizes: list[FileSize],
    by_path: dict[str, FileSize],
    manifest: vite_manifest.ViteManifest | None,
) -> Selection:
    if budget.entry is not None:
        assert manifest is not None  # load_manifest raised otherwise
        key = resolve_entry(budget.entry, manifest, ctx, options.sveltekit_nodes)
        if key is None:
            return Selection(budget, None, f"entry '{budget.entry}' is not in the Vite manifest")
        closure = manifest.closure(key)
        missing = [f for f in closure.files if f not in by_path]
        if missing:
            raise InputError(f"the manifest names {missing[0]}, which is not in {options.dir}")
        return Selection(budget, list(closure.files), "", (key, closure))
    if budget.files is not None:
        chosen = select(sizes, budget.files)
        if not chosen:
            return Selection(
                budget, None, f"no file in {options.dir} matches {', '.join(budget.files)}"
            )
    elif budget.type is not None:
        chosen = [item for item in sizes if item.kind == budget.type]
        if not chosen:
            return Selection(budget, None, f"no {budget.type} file in {options.dir}")
    else:
        chosen = sizes
    return Selection(budget, [item.path for item in chosen], "")


def budget_values(
    selection: Selection,
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
        "gzip": sum_if_known(chosen, "gzip"),
        "brotli": sum_if_known(chosen, "brotli"),
        "dynamic_imports": [manifest.chunks[d].file for d in closure.dynamic],
    }


def sum_if_known(files: list[FileSize], metric: str) -> int | None:
    """The sum of ``metric`` over ``files``, or ``None`` when some file has it not computed."""
    if not all(f.has(metric) for f in files):
        return None
    return sum(f.size(metric) for f in files)

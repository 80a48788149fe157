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

from gates.checks.base import Check, GateContext, GateOutcome, Rule
from gates.checks.bundle.options import BundleOptions
from gates.measure import shown
from gates.model import Measurement, Severity

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
    # The measuring, selecting and judging modules are imported by the gate's run: loading a
    # checklist (`gates validate`, the run's own process) needs only the options.
    from gates.checks.bundle.judge import baseline_of, budget_measurements, growth
    from gates.checks.bundle.report import chart, details_of, size_totals, summary
    from gates.checks.bundle.select import (
        budget_values,
        load_manifest,
        select_budget,
        wanted_metrics,
    )
    from gates.checks.bundle.sizes import compress, list_dir

    directory = ctx.path(options.dir)
    sizes = list_dir(directory, ctx.root)
    for item in sizes:
        ctx.record(directory / item.path)
    manifest, manifest_note = load_manifest(options, ctx)
    by_path = {item.path: item for item in sizes}
    selections = [select_budget(b, options, ctx, sizes, by_path, manifest) for b in options.budgets]
    wanted = wanted_metrics(options, selections)
    sizes = compress(directory, sizes, wanted)
    by_path = {item.path: item for item in sizes}
    measurements: list[Measurement] = []
    entry_rows: list[dict[str, object]] = []
    for selection in selections:
        values, note = budget_values(selection, by_path, manifest, entry_rows)
        measurements += budget_measurements(selection.budget, values, note, ctx)
    totals = size_totals(sizes)
    measurements += [
        shown(f"total {m}", value, "B", baseline=baseline_of(ctx, f"total {m}"))
        for m, value in totals.items()
    ]
    if options.max_growth is not None:
        measurements += growth(options, ctx, measurements)
    details = details_of(options, sizes, manifest, by_path, entry_rows, manifest_note)
    return GateOutcome(
        summary=summary(sizes, totals, measurements),
        measurements=measurements,
        details=details,
        artifacts=[chart(sizes, options.largest)],
    )


CHECK = Check(
    type="bundle",
    options=BundleOptions,
    evaluate=evaluate,
    rules=RULES,
    summary="Raw/gzip/brotli budgets on a Vite build, per glob, type, total and entry closure",
)

__all__ = ["CHECK", "BundleOptions", "evaluate"]

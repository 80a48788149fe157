"""bundle gate on real Vite builds of examples/shop-web (clean and seeded)."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from gates.checks.base import GateContext
from gates.checks.bundle import BundleOptions, evaluate
from gates.checks.bundle.sizes import brotli_size, gzip_size
from gates.errors import InputError
from gates.model import Status
from tests.conftest import gate
from tests.support.gates import gate_context, run_one_gate
from tests.support.shop_web import EXAMPLE, build

pytestmark = pytest.mark.node
CLIENT = ".svelte-kit/output/client"


def _example_bundle_gate() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((EXAMPLE / "checklist.yml").read_text())["gates"][
        "bundle"
    ]
    return spec


def _run(root: Path, gate_spec: dict[str, Any], out: Path, *extra: str) -> dict[str, Any]:
    spec = gate_spec | {"type": "bundle", "needs": []}
    return run_one_gate(root, "bundle", spec, out, *extra, project="shop-web", history=True)[1]


def _ctx(root: Path, tmp_path: Path) -> GateContext:
    return gate_context("bundle", root, out_dir=tmp_path / "reports")


def _measure(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(m for m in result["measurements"] if m["name"] == name)


def test_clean_example_passes_its_own_checklist(tmp_path: Path) -> None:
    spec = _example_bundle_gate()
    result = gate(_run(build("clean"), spec, tmp_path / "clean"), "bundle")
    assert result["status"] == "pass", result["summary"]
    home = _measure(result, "home route brotli")
    assert 5_000 < home["value"] < home["threshold"]
    assert result["details"]["largest"][0]["path"].startswith("_app/immutable/nodes/")
    chart = result["artifacts"][0]
    svg = base64.b64decode(chart["data_base64"]).decode()
    assert chart["kind"] == "chart" and svg.startswith("<svg")
    assert "href" not in svg and "<script" not in svg  # no external assets, nothing active


def test_seeded_oversize_route_and_chunk_fail(tmp_path: Path) -> None:
    spec = _example_bundle_gate()
    spec["budgets"].append(
        {"name": "heavy route", "entry": "src/routes/heavy/+page.svelte", "brotli": "25kB"}
    )
    spec["budgets"].append(
        {
            "name": "any lazy chunk",
            "files": "_app/immutable/**/*.js",
            "gzip": "60kB",
            "per_file": True,
        }
    )
    result = gate(_run(build("seeded"), spec, tmp_path / "seeded"), "bundle")
    assert result["status"] == "fail"
    heavy = _measure(result, "heavy route brotli")
    assert heavy["status"] == "fail" and heavy["value"] > 25_000
    lazy = _measure(result, "any lazy chunk gzip")
    assert lazy["status"] == "fail" and lazy["value"] > 60_000
    assert _measure(result, "home route brotli")["status"] == "pass"
    row = next(r for r in result["details"]["budget_entries"] if r["budget"] == "heavy route")
    # the lazily imported blob is listed apart, not counted in the route's closure
    assert len(row["dynamic_imports"]) == 1
    assert row["dynamic_imports"][0] not in [f["path"] for f in row["files"]]
    assert heavy["value"] < lazy["value"] + 60_000


def test_growth_against_a_baseline_report(tmp_path: Path) -> None:
    spec = {
        "dir": CLIENT,
        "needs": [],
        "max_growth": "5%",
        "budgets": [{"name": "all JavaScript", "files": "**/*.js", "gzip": "1MB"}],
    }
    base = tmp_path / "base"
    assert (
        gate(_run(build("clean"), spec | {"baseline_optional": True}, base), "bundle")["status"]
        == "pass"
    )
    grown = gate(
        _run(
            build("seeded"), spec, tmp_path / "grown", "--baseline", str(base / "gate-report.json")
        ),
        "bundle",
    )
    growth = _measure(grown, "total gzip growth")
    assert grown["status"] == "fail" and growth["value"] > 5 and growth["baseline"] is None
    assert growth["change_of"]["unit"] == "B" and growth["change_of"]["baseline"] > 0
    same = gate(
        _run(build("clean"), spec, tmp_path / "same", "--baseline", str(base / "gate-report.json")),
        "bundle",
    )
    assert same["status"] == "pass" and _measure(same, "total gzip growth")["value"] == 0
    missing = gate(_run(build("clean"), spec, tmp_path / "nobase"), "bundle")
    assert missing["status"] == "error"


def test_sizes_match_node_zlib_within_a_few_percent(tmp_path: Path) -> None:
    root = build("clean")
    largest = max((root / CLIENT).rglob("*.js"), key=lambda p: p.stat().st_size)
    script = (
        "const z=require('zlib'),d=require('fs').readFileSync(process.argv[1]);"
        "console.log(JSON.stringify([z.gzipSync(d,{level:9}).length,"
        "z.brotliCompressSync(d,{params:{[z.constants.BROTLI_PARAM_QUALITY]:11}}).length]))"
    )
    node_gzip, node_brotli = json.loads(
        subprocess.run(
            ["node", "-e", script, str(largest)], capture_output=True, text=True, check=True
        ).stdout
    )
    data = largest.read_bytes()
    assert abs(gzip_size(data) - node_gzip) / node_gzip < 0.01
    assert abs(brotli_size(data) - node_brotli) / node_brotli < 0.01


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "copy"
    shutil.copytree(build("clean") / ".svelte-kit", root / ".svelte-kit", symlinks=True)
    return root


def test_fail_closed_paths(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    ctx = _ctx(root, tmp_path)
    entry = {"name": "home", "entry": "src/routes/+page.svelte", "gzip": "1MB"}
    with pytest.raises(InputError, match="not found"):
        evaluate(BundleOptions(dir="dist", budgets=[entry]), ctx)
    nothing = evaluate(
        BundleOptions(dir=CLIENT, budgets=[{"name": "wasm", "files": "**/*.wasm", "raw": 1}]), ctx
    )
    assert nothing.measurements[0].status is Status.ERROR
    assert "matches **/*.wasm" in nothing.measurements[0].message
    unknown = evaluate(
        BundleOptions(dir=CLIENT, budgets=[{"name": "x", "entry": "src/nope.svelte", "gzip": 1}]),
        ctx,
    )
    assert unknown.measurements[0].status is Status.ERROR
    manifest = root / CLIENT / ".vite" / "manifest.json"
    manifest.write_text('{"broken": ')
    with pytest.raises(InputError, match="entry budgets need the Vite manifest"):
        evaluate(BundleOptions(dir=CLIENT, budgets=[entry]), ctx)
    manifest.unlink()
    with pytest.raises(InputError, match="entry budgets need the Vite manifest"):
        evaluate(BundleOptions(dir=CLIENT, budgets=[entry]), ctx)
    # without entry budgets the manifest is not needed
    ok = evaluate(
        BundleOptions(dir=CLIENT, budgets=[{"name": "js", "type": "js", "gzip": "1MB"}]), ctx
    )
    assert ok.measurements[0].status is Status.PASS


def test_options_refuse_meaningless_budgets() -> None:
    with pytest.raises(ValueError, match="only one of"):
        BundleOptions(dir="d", budgets=[{"name": "x", "files": "*.js", "type": "js", "gzip": 1}])
    with pytest.raises(ValueError, match="at least one of"):
        BundleOptions(dir="d", budgets=[{"name": "x", "files": "*.js"}])
    with pytest.raises(ValueError, match="budgets or max_growth"):
        BundleOptions(dir="d")


def test_brotli_only_where_a_budget_asks_and_threads_agree(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    for index in range(40):
        body = "".join(f"export const v{index}_{n} = {n * index};\n" for n in range(50 * index))
        (dist / "assets" / f"c{index}.js").write_text(body)
    (dist / "app.css").write_text("body { color: red }\n" * 300)
    ctx = _ctx(tmp_path, tmp_path)
    options = BundleOptions(
        dir="dist",
        budgets=[
            {"name": "js", "type": "js", "gzip": "1MB"},
            {"name": "css", "files": "*.css", "brotli": "1MB"},
        ],
    )
    outcome = evaluate(options, ctx)
    names = {m.name: m.value for m in outcome.measurements}
    css = (dist / "app.css").read_bytes()
    assert names["css brotli"] == brotli_size(css)
    assert names["total gzip"] == sum(gzip_size(p.read_bytes()) for p in dist.rglob("*.*"))
    assert "total brotli" not in names  # only one file was brotli-compressed
    assert outcome.details["computed"]["brotli"] == "1 of 41 files"
    assert outcome.details["by_type"]["js"]["brotli"] is None
    from gates.checks.bundle.sizes import compress, list_dir, measure_file

    listed = list_dir(dist)
    wanted: dict[str, Iterable[str] | None] = {"gzip": None, "brotli": None}
    one = compress(dist, listed, wanted, workers=1)
    two = compress(dist, listed, wanted, workers=2)
    assert one == two == [measure_file(dist / f.path, f.path) for f in listed]


@pytest.mark.parametrize("kind", ["file", "folder", "sibling prefix"])
def test_symlink_out_of_the_project_is_refused(tmp_path: Path, kind: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "big.js").write_bytes(b"x" * 5000)
    root = tmp_path / "proj"
    (root / "dist").mkdir(parents=True)
    (root / "dist" / "app.js").write_text("console.log(1)")
    if kind == "file":
        (root / "dist" / "leak.js").symlink_to(outside / "big.js")
    elif kind == "folder":
        (root / "dist" / "vendor").symlink_to(outside, target_is_directory=True)
    else:  # "proj-other" starts with the text of "proj" and is not inside it
        (tmp_path / "proj-other").mkdir()
        (tmp_path / "proj-other" / "big.js").write_bytes(b"x" * 5000)
        (root / "dist" / "leak.js").symlink_to(tmp_path / "proj-other" / "big.js")
    ctx = GateContext(gate_id="bundle", root=root, out_dir=root / "reports", timeout=60)
    with pytest.raises(InputError, match="symlink out of the project"):
        evaluate(
            BundleOptions.model_validate(
                {"dir": "dist", "budgets": [{"name": "all", "raw": "10MB"}]}
            ),
            ctx,
        )


def test_symlink_inside_the_project_is_measured(tmp_path: Path) -> None:
    (tmp_path / "dist").mkdir()
    (tmp_path / "shared.js").write_text("console.log(2)")
    (tmp_path / "dist" / "app.js").symlink_to(tmp_path / "shared.js")
    (tmp_path / "dist" / "lib").mkdir()
    (tmp_path / "dist" / "lib" / "chunk.js").write_text("console.log(3)")
    ctx = GateContext(gate_id="bundle", root=tmp_path, out_dir=tmp_path / "reports", timeout=60)
    out = evaluate(
        BundleOptions.model_validate({"dir": "dist", "budgets": [{"name": "all", "raw": "10MB"}]}),
        ctx,
    )
    assert out.status is not Status.ERROR
    # the evidence names each file read where it is (a link: its target)
    assert sorted(e.path for e in ctx.evidence) == ["dist/lib/chunk.js", "shared.js"]

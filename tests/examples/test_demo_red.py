"""The red demo: each defect make_red.py plants is caught by its gate, with real Vite and Vitest."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from tests.conftest import REPO, gate, load_report, require_component, run_gates

SHOP = REPO / "examples" / "shop-web"


@pytest.mark.slow
@pytest.mark.node
def test_red_copy_fails_for_each_planted_defect(tmp_path: Path) -> None:
    require_component(
        "shop-web node_modules", (SHOP / "node_modules" / ".bin" / "vite").exists(), "npm ci"
    )
    make_red = runpy.run_path(str(REPO / "examples" / "shop-web-red" / "make_red.py"))["make_red"]
    copy = tmp_path / "shop-web"
    make_red(SHOP, copy)
    out = tmp_path / "reports"
    rc, _, _ = run_gates(
        [
            "run",
            "--checklist",
            str(copy / "checklist.yml"),
            "--out",
            str(out),
            "--no-history",
            "--env",
            "staging",
            "--skip",
            "lighthouse,migrations,headers,smoke",
        ]
    )
    report = load_report(out)
    assert rc == 1 and report["verdict"] == "fail"
    tests = gate(report, "tests")
    assert tests["status"] == "fail" and "expired waiver" in tests["summary"]
    assert all(f["waived"] is None for f in tests["findings"])  # the expired waiver hides nothing
    assert any("cart.test.js" in f["location"]["path"] for f in tests["findings"])
    bundle = gate(report, "bundle")
    assert bundle["status"] == "fail" and "all JavaScript gzip" in bundle["summary"]
    config = gate(report, "config")
    assert config["status"] == "fail"
    assert [f["rule"] for f in config["findings"]] == ["config-public-secret"]
    secrets = gate(report, "secrets")
    assert [f["rule"] for f in secrets["findings"]] == ["supabase-service-role-public"]
    # the rest of the example stays green: the defects are the only failures
    assert gate(report, "sast")["status"] == "pass"
    assert gate(report, "build")["status"] == "pass"

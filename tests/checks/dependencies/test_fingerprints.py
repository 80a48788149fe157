"""One advisory in two installed versions of a package is two findings, two SARIF fingerprints."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import TESTS, gate, load_report, run_gates

OSV_DIR = TESTS / "fixtures" / "osv"
ADVISORY = "GHSA-p6mc-m468-83gw"  # lodash < 4.17.20 in the offline fixture database


def _lock(versions: dict[str, str]) -> dict[str, object]:
    packages: dict[str, object] = {"": {"name": "app", "dependencies": {"lodash": "*"}}}
    for where, version in versions.items():
        packages[where] = {
            "version": version,
            "resolved": f"https://registry.npmjs.org/lodash/-/lodash-{version}.tgz",
        }
    return {"name": "app", "lockfileVersion": 3, "packages": packages}


def _run(root: Path, versions: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    shutil.copytree(OSV_DIR, root / "advisories", dirs_exist_ok=True)
    (root / "package-lock.json").write_text(json.dumps(_lock(versions)))
    (root / "checklist.yml").write_text(
        "version: 1\nproject: t\ngates:\n  dependencies:\n    type: dependencies\n    sources:\n"
        "      - {tool: osv, lockfile: package-lock.json, db: advisories}\n"
    )
    out = root / "reports"
    run_gates(
        ["run", "--checklist", str(root / "checklist.yml"), "--out", str(out), "--no-history"]
    )
    sarif = json.loads((out / "gate-report.sarif").read_text())
    return gate(load_report(out), "dependencies"), sarif


def _of(result: dict[str, Any]) -> dict[str, str]:
    findings = result["findings"]
    assert isinstance(findings, list)
    return {f["data"]["version"]: f["fingerprint"] for f in findings if f["rule"] == ADVISORY}


def test_two_versions_of_one_package_have_distinct_fingerprints(tmp_path: Path) -> None:
    result, sarif = _run(
        tmp_path,
        {"node_modules/lodash": "4.17.15", "node_modules/tool/node_modules/lodash": "4.17.19"},
    )
    prints = _of(result)
    assert set(prints) == {"4.17.15", "4.17.19"}
    assert len(set(prints.values())) == 2
    sarif_prints = [
        r["partialFingerprints"]
        for r in sarif["runs"][0]["results"]
        if r["ruleId"] == f"dependencies/{ADVISORY}"
    ]
    assert len(sarif_prints) == 2 and sarif_prints[0] != sarif_prints[1]


def test_fingerprint_is_stable_for_the_same_version(tmp_path: Path) -> None:
    first, _ = _run(tmp_path / "a", {"node_modules/lodash": "4.17.15"})
    # the same version at another place in the tree is the same problem
    second, _ = _run(tmp_path / "b", {"node_modules/other/node_modules/lodash": "4.17.15"})
    assert _of(first) == _of(second) and len(_of(first)) == 1

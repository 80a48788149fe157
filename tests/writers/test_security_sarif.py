"""The three security gates together through ``gates run``: the SARIF report holds their
findings with rule metadata and validates against the SARIF 2.1.0 schema."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.checks.secrets.test_secrets import CANARY, GITHUB, assert_no_canary, repo
from tests.conftest import CORPUS, TESTS, load_report, run_gates
from tests.writers.test_ci_writers import validate_sarif

OSV_DIR = TESTS / "fixtures" / "osv"


def test_security_gates_sarif_is_valid_and_redacted(tmp_path: Path) -> None:
    repo(
        tmp_path,
        {
            "src/app.py": "import subprocess\n\n\ndef go(c):\n    subprocess.run(c, shell=True)\n",
            "src/keys.py": f"ADMIN = '{CANARY}'\nGH = '{GITHUB}'\n",
            "requirements.txt": "requests==2.19.1\n",
        },
    )
    shutil.copytree(OSV_DIR, tmp_path / "advisories")
    shutil.copy(CORPUS / "audit" / "npm-audit-v2-cra-critical.json", tmp_path / "npm-audit.json")
    shutil.copy(
        CORPUS / "sarif" / "trivy-0.15-container-vulns-error-warning-note.sarif",
        tmp_path / "t.sarif",
    )
    (tmp_path / "checklist.yml").write_text("""\
version: 1
project: t
gates:
  sast:
    type: sast
    sources:
      - {tool: bandit, paths: [src]}
      - {tool: sarif, file: t.sarif}
  dependencies:
    type: dependencies
    sources:
      - {tool: osv, lockfile: requirements.txt, db: advisories}
      - {tool: npm-audit, file: npm-audit.json}
  secrets:
    type: secrets
""")
    out = tmp_path / "reports"
    rc, _, _ = run_gates(
        ["run", "--checklist", str(tmp_path / "checklist.yml"), "--out", str(out), "--no-history"]
    )
    assert rc == 1
    report = load_report(out)
    assert {g["id"]: g["status"] for g in report["gates"]} == {
        "sast": "fail",
        "dependencies": "fail",
        "secrets": "fail",
    }
    sarif_text = (out / "gate-report.sarif").read_text()
    log = validate_sarif(sarif_text)
    rule_ids = {r["id"] for run in log["runs"] for r in run["tool"]["driver"].get("rules", [])}
    result_rules = {r["ruleId"] for run in log["runs"] for r in run["results"]}
    # The writer namespaces rule ids by gate type: "sast/B602".
    assert {
        "sast/B602",
        "dependencies/GHSA-x84v-xcm2-53pg",
        "secrets/supabase-service-role",
        "secrets/github-token",
    } <= result_rules
    assert result_rules <= rule_ids
    total = sum(len(g["findings"]) for g in report["gates"])
    assert sum(len(run["results"]) for run in log["runs"]) == total
    assert_no_canary(sarif_text)
    for path in out.rglob("*"):
        if path.is_file():
            assert_no_canary(path.read_text(errors="replace"))
    assert json.loads((out / "gate-report.json").read_text())["verdict"] == "fail"

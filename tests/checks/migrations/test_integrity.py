"""Integrity findings of the migrations gate block whatever fail_on says and cannot be disabled."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from gates.checks.migrations.options import MigrationsOptions
from tests.conftest import gate, load_report, run_gates


def test_syntax_error_blocks_even_with_fail_on_critical(tmp_path: Path) -> None:
    folder = tmp_path / "supabase" / "migrations"
    folder.mkdir(parents=True)
    (folder / "20240101000000_broken.sql").write_text("create tabel oops (id int);\n")
    (tmp_path / "checklist.yml").write_text(
        "version: 1\ngates:\n  migrations:\n    type: migrations\n    fail_on: critical\n"
    )
    out = tmp_path / "r"
    code, _, _ = run_gates(
        ["run", "--checklist", str(tmp_path / "checklist.yml"), "--out", str(out), "--no-history"]
    )
    entry = gate(load_report(out), "migrations")
    assert code == 1 and entry["status"] == "fail"
    assert any(f["rule"] == "syntax-error" and f["blocks"] for f in entry["findings"])


@pytest.mark.parametrize("key", ["disable", "warn"])
def test_integrity_rules_cannot_be_disabled_or_downgraded(key: str) -> None:
    with pytest.raises(ValidationError, match="cannot be disabled"):
        MigrationsOptions.model_validate(
            {"type": "migrations", "lint": {key: ["migration-changed"]}}
        )

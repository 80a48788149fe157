"""Shared test helpers: the corpus, the CLI, and real components that must not be skipped in CI."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
CORPUS = TESTS / "corpus"
"""Recorded real tool outputs (sources in tests/corpus/MANIFEST.md): a fresh clone has it."""
IN_CI = bool(os.environ.get("CI"))

# Property tests are seeded (derandomize: the examples derive from each test's source), so a
# failure reproduces on the next run and on another machine; no deadline, because a busy 2-core
# machine makes any per-example time limit a coin toss. HYPOTHESIS_PROFILE=explore searches
# fresh random examples instead.
settings.register_profile(
    "seeded",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("explore", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "seeded"))


def require_component(name: str, available: bool, how: str = "") -> None:
    """Skip locally when a real component is missing; in CI (``CI`` set) fail instead.

    Tests that need Chromium, PostgreSQL, Lighthouse or the example's node_modules call this, so
    CI can never go green by silently skipping them.
    """
    if available:
        return
    message = f"real component missing: {name}" + (f" ({how})" if how else "")
    if IN_CI:
        pytest.fail(message + " — CI must install it (.ci/run)")
    pytest.skip(message)


def have_executable(name: str) -> bool:
    """True when ``name`` is on PATH (or is an existing absolute path)."""
    return Path(name).is_file() if os.path.isabs(name) else shutil.which(name) is not None


@pytest.fixture
def corpus() -> Path:
    """tests/corpus: recorded real outputs of real tools."""
    return CORPUS


def run_gates(
    argv: list[str], capsys: pytest.CaptureFixture[str] | None = None
) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    from gates.cli import main

    code = main(argv)
    if capsys is None:
        return code, "", ""
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def load_report(out_dir: Path) -> dict[str, Any]:
    """The ``gate-report.json`` written into ``out_dir``."""
    report: dict[str, Any] = json.loads((out_dir / "gate-report.json").read_text())
    return report


def gate(report: dict[str, Any], gate_id: str) -> dict[str, Any]:
    """One gate's entry from a loaded report."""
    for item in report["gates"]:
        if item["id"] == gate_id:
            found: dict[str, Any] = item
            return found
    raise AssertionError(f"gate {gate_id!r} not in report: {[g['id'] for g in report['gates']]}")

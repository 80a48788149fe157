"""Coverage totals equal the producer's own summary (issue 14), measured by running the producer.

vitest 3.2.7 with ``@vitest/coverage-v8`` and ``@vitest/coverage-istanbul`` runs on the fixture
project ``tests/fixtures/coverage-producers/js`` (versions pinned, lock committed, installed by
``.ci/install-system-deps``) and writes its ``text-summary`` next to Cobertura, LCOV and
json-summary; every count gates reads from each file must be the count istanbul printed. The
coverage.py side (``coverage report``'s TOTAL against XML, JSON, LCOV and ``.coverage``) is
``tests/parsers/test_coverage_formats.py::test_totals_equal_coverage_report_total``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from gates.parsers.coverage_model import totals
from gates.parsers.coverage_report import load
from tests.conftest import have_executable, require_component

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "coverage-producers" / "js"
VITEST = FIXTURE / "node_modules" / ".bin" / "vitest"
_SUMMARY = re.compile(r"^(Statements|Branches|Functions|Lines)\s*:\s*([\d.]+)% \( (\d+)/(\d+) \)")
REPORTS = {
    "cobertura-coverage.xml": "cobertura",
    "lcov.info": "lcov",
    "coverage-summary.json": "istanbul-summary",
}
# what each format carries: Cobertura has no statements/functions, LCOV no statements
CARRIES = {
    "cobertura-coverage.xml": ("lines", "branches"),
    "lcov.info": ("lines", "branches", "functions"),
    "coverage-summary.json": ("lines", "branches", "functions", "statements"),
}


def _vitest(provider: str, out: Path) -> dict[str, tuple[float, int, int]]:
    require_component("node", have_executable("node"))
    require_component(
        "vitest coverage fixture",
        VITEST.exists() and (FIXTURE / "node_modules" / "@vitest" / "coverage-istanbul").is_dir(),
        "npm ci in tests/fixtures/coverage-producers/js (.ci/install-system-deps)",
    )
    project = out / "project"
    shutil.copytree(FIXTURE, project, ignore=shutil.ignore_patterns("node_modules"))
    (project / "node_modules").symlink_to(FIXTURE / "node_modules")
    run = subprocess.run(
        [
            str(VITEST),
            "run",
            "--coverage.enabled",
            f"--coverage.provider={provider}",
            "--coverage.include=src/**",
            *(
                f"--coverage.reporter={r}"
                for r in ("text-summary", "cobertura", "lcov", "json-summary")
            ),
            f"--coverage.reportsDirectory={out / 'coverage'}",
        ],
        cwd=project,
        env={**os.environ, "CI": "1", "NO_COLOR": "1", "FORCE_COLOR": "0"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    printed = {}
    for line in run.stdout.splitlines():
        match = _SUMMARY.match(line.strip())
        if match:
            printed[match.group(1).lower()] = (
                float(match.group(2)),
                int(match.group(3)),
                int(match.group(4)),
            )
    assert set(printed) == {"statements", "branches", "functions", "lines"}, run.stdout[-2000:]
    return printed


@pytest.mark.parametrize("provider", ["v8", "istanbul"])
def test_every_format_equals_istanbuls_text_summary(provider: str, tmp_path: Path) -> None:
    printed = _vitest(provider, tmp_path)
    for name, fmt in REPORTS.items():
        data = load(tmp_path / "coverage" / name)
        assert data.format == fmt
        sums = totals(data)
        for metric in CARRIES[name]:
            pct, covered, total = printed[metric]
            assert sums.counts(metric) == (covered, total), (provider, name, metric)
            value = sums.percent(metric)
            assert value is not None
            # istanbul prints pct truncated to 2 decimals; the summary file carries that pct,
            # the other formats the exact ratio, which truncates to what was printed
            assert int(value * 100) / 100 == pytest.approx(pct), (provider, name, metric)


def test_istanbul_cobertura_branches_are_its_stated_total_not_a_recount(tmp_path: Path) -> None:
    """istanbul's Cobertura writer drops branches of lines without a statement: the per-line
    ``condition-coverage`` add up to fewer branches than the root states (and than istanbul
    prints). Recounting them would print a third number; the root's total is the summary's."""
    printed = _vitest("istanbul", tmp_path)
    data = load(tmp_path / "coverage" / "cobertura-coverage.xml")
    per_line = (
        sum(f.branches_covered for f in data.files),
        sum(f.branches_valid for f in data.files),
    )
    assert per_line != printed["branches"][1:]  # the fixture shows the loss (26 of 29 here)
    assert data.stated_branches == printed["branches"][1:]
    assert totals(data).counts("branches") == printed["branches"][1:]

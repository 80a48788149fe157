"""The ``coverage`` gate: thresholds, per-path globs, changed lines in a real git repo, max_drop."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gates.checks.base import GateContext
from gates.checks.coverage import evaluate
from gates.checks.coverage.options import CoverageOptions
from gates.checks.coverage.paths import glob_match, map_path
from gates.errors import InputError, ToolError
from gates.measure import EXACT
from gates.model import GateResult, Measurement, Status
from tests.conftest import CORPUS, gate
from tests.support.gates import gate_context, run_checklist
from tests.support.git import git as _git

COV = CORPUS / "coverage"
ENV = {k: v for k, v in os.environ.items() if not k.startswith(("COV", "PYTEST_", "GIT_"))}


def _ctx(root: Path, **kwargs: Any) -> GateContext:
    return gate_context("coverage", root, environ=ENV, **kwargs)


def _row(rows: list[Measurement], name: str) -> Measurement:
    return next(r for r in rows if r.name == name)


def _copy(root: Path, name: str, as_name: str | None = None) -> str:
    shutil.copy(COV / name, root / (as_name or name))
    if (root / (as_name or name)).stat().st_size:
        _sources(root, as_name or name)
    return as_name or name


def _sources(root: Path, report: str) -> None:
    """Create the files a report names (relative as named, absolute by base name): a report
    naming no file of the project is refused, so the corpus reports need their sources."""
    from gates.parsers.coverage_report import load

    for item in load(root / report, "auto", root).files:
        rel = item.path if not item.path.startswith("/") and ":" not in item.path else ""
        target = root / (rel or item.path.rsplit("/", 1)[-1])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch()


def _opts(**kwargs: Any) -> CoverageOptions:
    return CoverageOptions.model_validate(kwargs)


def _cobertura(covered: int, valid: int) -> str:
    lines = "".join(
        f'<line number="{n}" hits="{1 if n <= covered else 0}"/>' for n in range(1, valid + 1)
    )
    return (
        f'<?xml version="1.0" ?><coverage lines-valid="{valid}" lines-covered="{covered}">'
        f'<packages><package name="p"><classes><class name="a.py" filename="a.py">'
        f"<lines>{lines}</lines></class></classes></package></packages></coverage>"
    )


# --- totals ------------------------------------------------------------------------------


def test_thresholds_state_operator_and_full_precision(tmp_path: Path) -> None:
    report = _copy(tmp_path, "coveragepy-7.7-cobertura-branch-low-coverage.xml")
    outcome = evaluate(
        _opts(report=report, thresholds={"lines": 20, "branches": "15%", "total": 19}),
        _ctx(tmp_path),
    )
    lines = _row(outcome.measurements, "lines")
    assert (lines.op, lines.threshold, lines.status) == (">=", 20, Status.PASS)
    assert lines.value == pytest.approx(100 * 56 / 248)
    assert lines.rounding == EXACT and "(56/248)" in lines.message
    branches = _row(outcome.measurements, "branches")
    assert branches.status is Status.FAIL and branches.value == pytest.approx(100 * 18 / 126)
    total = _row(outcome.measurements, "total")
    assert total.value == pytest.approx(100 * 74 / 374) and total.status is Status.PASS
    assert "branches" in outcome.summary


def test_79_95_against_80_fails_and_80_passes(tmp_path: Path) -> None:
    (tmp_path / "low.xml").write_text(_cobertura(1599, 2000))
    (tmp_path / "even.xml").write_text(_cobertura(80, 100))
    (tmp_path / "a.py").touch()
    low = _row(
        evaluate(_opts(report="low.xml", thresholds={"lines": 80}), _ctx(tmp_path)).measurements,
        "lines",
    )
    assert low.status is Status.FAIL and low.value == pytest.approx(79.95)
    assert "79.95%" in low.message and low.rounding == EXACT
    (tmp_path / "near.xml").write_text(_cobertura(79999, 100000))
    near = _row(
        evaluate(_opts(report="near.xml", thresholds={"lines": 80}), _ctx(tmp_path)).measurements,
        "lines",
    )
    assert near.status is Status.FAIL and "79.999%" in near.message  # never printed as "80%"
    even = _row(
        evaluate(_opts(report="even.xml", thresholds={"lines": 80}), _ctx(tmp_path)).measurements,
        "lines",
    )
    assert (even.value, even.status) == (80.0, Status.PASS)


def test_branch_threshold_without_branch_data_is_error(tmp_path: Path) -> None:
    report = _copy(tmp_path, "coveragepy-7.11-cobertura-lines-only.xml")
    outcome = evaluate(_opts(report=report, thresholds={"branches": 50}), _ctx(tmp_path))
    row = _row(outcome.measurements, "branches")
    assert row.status is Status.ERROR and row.value is None
    assert "--branch" in row.message


def test_istanbul_summary_pct_as_istanbul_computes_it(tmp_path: Path) -> None:
    report = _copy(tmp_path, "istanbul-summary-partial-branches.json")
    outcome = evaluate(
        _opts(report=report, thresholds={"functions": 97.3, "statements": 96}), _ctx(tmp_path)
    )
    functions = _row(outcome.measurements, "functions")
    assert (functions.value, functions.status) == (97.29, Status.FAIL)  # 36/37 floors to 97.29
    assert _row(outcome.measurements, "statements").value == 96.87
    assert _row(outcome.measurements, "lines").value == 97.52


def test_empty_lcov_and_empty_report_are_errors(tmp_path: Path) -> None:
    report = _copy(tmp_path, "lcov-empty-zero-bytes.info", "lcov.info")
    with pytest.raises(InputError, match="empty"):
        evaluate(_opts(report=report), _ctx(tmp_path))
    (tmp_path / "none.xml").write_text('<coverage lines-valid="0"><packages/></coverage>')
    outcome = evaluate(_opts(report="none.xml", thresholds={"lines": 10}), _ctx(tmp_path))
    assert outcome.status is Status.ERROR and "no coverable lines" in (outcome.error or "")


def test_report_outside_the_project_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="outside the project"):
        evaluate(_opts(report="../../etc/passwd"), _ctx(tmp_path))
    with pytest.raises(InputError, match="no coverage report matched"):
        evaluate(_opts(report="cov/*.xml"), _ctx(tmp_path))


def test_two_reports_merge_and_the_same_file_twice_is_an_error(tmp_path: Path) -> None:
    xml = _copy(tmp_path, "istanbul-cobertura-jest-branches.xml")
    info = _copy(tmp_path, "lcov-istanbul-cra-windows-backslash-paths.info")
    outcome = evaluate(_opts(report=[xml, info]), _ctx(tmp_path))
    assert _row(outcome.measurements, "lines").message.endswith("(28/41)")  # 27/29 + 1/12
    shutil.copy(tmp_path / xml, tmp_path / "again.xml")
    with pytest.raises(InputError, match="count twice"):
        evaluate(_opts(report=[xml, "again.xml"]), _ctx(tmp_path))


# --- paths -------------------------------------------------------------------------------


def test_map_path_variants(tmp_path: Path) -> None:
    (tmp_path / "src" / "lib").mkdir(parents=True)
    (tmp_path / "src" / "lib" / "a.ts").write_text("")
    root = tmp_path
    assert map_path(str(tmp_path / "src/lib/a.ts"), (), root) == "src/lib/a.ts"
    assert map_path("lib/a.ts", (str(tmp_path / "src"),), root) == "src/lib/a.ts"
    assert map_path("/home/runner/work/x/x/src/lib/a.ts", (), root) == "src/lib/a.ts"
    assert map_path("D:/A R A S H/med/src/lib/a.ts", (), root) == "src/lib/a.ts"
    assert map_path("src\\lib\\a.ts", (), root) == "src/lib/a.ts"
    assert map_path("gone/b.ts", (), root) == "gone/b.ts"


def test_glob_match() -> None:
    assert glob_match("src/lib/server/**", "src/lib/server/db/x.ts")
    assert glob_match("src/**/*.py", "src/a.py") and glob_match("src/**/*.py", "src/a/b/c.py")
    assert not glob_match("src/*.py", "src/a/b.py")
    assert not glob_match("src/lib/server/**", "src/lib/client/x.ts")


def test_per_path_thresholds_aggregate_matched_files(tmp_path: Path) -> None:
    report = _copy(tmp_path, "istanbul-summary-partial-branches.json")
    for rel in ("src/decorators/Inject.ts", "src/decorators/Register.ts"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    outcome = evaluate(
        _opts(
            report=report,
            paths={"src/decorators/Inj*.ts": {"lines": 97}, "src/nothing/**": {"lines": 50}},
        ),
        _ctx(tmp_path),
    )
    row = _row(outcome.measurements, "lines [src/decorators/Inj*.ts]")
    assert (row.value, row.status) == (96.55, Status.FAIL)  # Inject.ts alone: 28/29
    missing = _row(outcome.measurements, "lines [src/nothing/**]")
    assert missing.status is Status.ERROR and "matched no file" in missing.message


# --- changed lines in a real git repository ----------------------------------------------

CALC_V1 = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
CALC_V2 = (
    "def add(a, b):\n    return b + a\n\n\ndef sub(a, b):\n    return a - b\n\n\n"
    "def mul(a, b):\n    if a == 0:\n        return 0\n    return a * b\n"
)
TEST = "from pkg.calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"


def _coverage(root: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "coverage", *args],
        cwd=root,
        env=ENV,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str]:
    """A git repo: commit 1 (base), then calc.py changed and committed, then measured."""
    require_git()
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "calc.py").write_text(CALC_V1)
    (root / "tests" / "test_calc.py").write_text(TEST)
    (root / "README.md").write_text("# demo\n")
    (root / ".gitignore").write_text(".coverage\ncoverage.*\nreports/\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "base")
    base = _git(root, "rev-parse", "HEAD")
    (root / "pkg" / "calc.py").write_text(CALC_V2)
    _git(root, "commit", "-q", "-am", "mul")
    _coverage(
        root,
        "run",
        "--branch",
        "--source=pkg",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests",
    )
    _coverage(root, "json", "-o", "coverage.json")
    _coverage(root, "xml", "-o", "coverage.xml")
    return root, base


def require_git() -> None:
    from tests.conftest import have_executable, require_component

    require_component("git", have_executable("git"))


@pytest.mark.parametrize("report", ["coverage.json", "coverage.xml", ".coverage"])
def test_changed_lines_against_the_first_commit(repo: tuple[Path, str], report: str) -> None:
    root, base = repo
    (root / "README.md").write_text("# demo\n\nmore words\n")  # uncommitted, not coverable
    outcome = evaluate(_opts(report=report, changed_lines={"base": base, "min": 50}), _ctx(root))
    row = _row(outcome.measurements, "changed lines")
    # changed: line 2 (covered), 9 `def mul` (covered at import), 10-12 (never run); the
    # blank lines 7-8 and README.md are not coverable.
    assert (row.value, row.op, row.threshold, row.status) == (40.0, ">=", 50, Status.FAIL)
    assert row.rounding == EXACT and "(2/5 vs" in row.message
    table = outcome.details["changed_lines"]
    assert table["files"] == [
        {
            "path": "pkg/calc.py",
            "covered": 2,
            "coverable": 5,
            "percent": 40.0,
            "missed_lines": "10-12",
        }
    ]
    assert "README.md" in table["not_in_report"]


def test_changed_lines_base_from_base_ref(repo: tuple[Path, str]) -> None:
    root, base = repo
    outcome = evaluate(
        _opts(report="coverage.json", changed_lines={"min": 40}), _ctx(root, base_ref=base)
    )
    assert _row(outcome.measurements, "changed lines").status is Status.PASS


def test_no_coverable_changed_lines_is_an_explicit_pass_not_100(repo: tuple[Path, str]) -> None:
    root, _ = repo
    (root / "README.md").write_text("# demo, edited\n")
    outcome = evaluate(
        _opts(report="coverage.json", changed_lines={"base": "HEAD", "min": 90}), _ctx(root)
    )
    row = _row(outcome.measurements, "changed lines")
    assert row.status is Status.PASS and row.value is None
    assert row.message.startswith("no coverable changed lines")


def test_changed_lines_fail_closed(repo: tuple[Path, str], tmp_path: Path) -> None:
    root, _ = repo
    no_base = evaluate(_opts(report="coverage.json", changed_lines={"min": 90}), _ctx(root))
    row = _row(no_base.measurements, "changed lines")
    assert row.status is Status.ERROR and "--base-ref" in row.message
    with pytest.raises(ToolError, match="merge-base no-such-ref"):
        evaluate(
            _opts(report="coverage.json", changed_lines={"base": "no-such-ref", "min": 1}),
            _ctx(root),
        )
    _copy(root, "istanbul-summary-partial-branches.json", "summary.json")
    totals_only = evaluate(
        _opts(report="summary.json", changed_lines={"base": "HEAD", "min": 1}), _ctx(root)
    )
    assert _row(totals_only.measurements, "changed lines").status is Status.ERROR


# --- max_drop ----------------------------------------------------------------------------


def _baseline(lines: float) -> GateResult:
    return GateResult(
        id="coverage",
        type="coverage",
        status=Status.PASS,
        blocking=True,
        summary="",
        measurements=(Measurement(name="lines", value=lines),),
    )


def test_max_drop(tmp_path: Path) -> None:
    (tmp_path / "c.xml").write_text(_cobertura(795, 1000))
    (tmp_path / "a.py").touch()
    opts = _opts(report="c.xml", max_drop=0.5)
    ok = evaluate(opts, _ctx(tmp_path, baseline=_baseline(80.0), baseline_given=True))
    row = _row(ok.measurements, "lines drop")
    assert (row.op, row.status) == ("<=", Status.PASS) and row.value == pytest.approx(0.5)
    # the drop's baseline is the lines percentage of the baseline, never set beside the drop
    assert row.baseline is None and row.change_of is not None
    assert (row.change_of.quantity, row.change_of.unit, row.change_of.baseline) == (
        "lines",
        "%",
        80.0,
    )
    bad = evaluate(opts, _ctx(tmp_path, baseline=_baseline(80.01), baseline_given=True))
    assert _row(bad.measurements, "lines drop").status is Status.FAIL
    none = evaluate(opts, _ctx(tmp_path))
    row = _row(none.measurements, "lines drop")
    assert row.status is Status.ERROR and "no --baseline" in row.message
    optional = evaluate(_opts(report="c.xml", max_drop=0.5, baseline_optional=True), _ctx(tmp_path))
    assert _row(optional.measurements, "lines drop").status is Status.PASS
    other = evaluate(opts, _ctx(tmp_path, baseline=None, baseline_given=True))
    assert "has no 'lines' measurement" in _row(other.measurements, "lines drop").message


# --- through the CLI ---------------------------------------------------------------------


def _run(root: Path, body: str, *extra: str) -> tuple[int, dict[str, Any]]:
    (root / "checklist.yml").write_text(f"version: 1\nproject: t\ngates:\n{body}")
    return run_checklist(root / "checklist.yml", root / "reports", *extra)


def test_cli_coverage_data_pass_then_drop_against_baseline(repo: tuple[Path, str]) -> None:
    root, base = repo
    code, report = _run(
        root, "  coverage: {type: coverage, report: .coverage, thresholds: {lines: 50}}\n"
    )
    result = gate(report, "coverage")
    assert code == 0 and result["status"] == "pass", result
    assert result["evidence"][0]["path"] == ".coverage"
    saved = root / "baseline.json"
    saved.write_text(json.dumps(report))
    # the new run loses coverage: drop tests, measure again
    (root / "tests" / "test_calc.py").write_text("def test_nothing():\n    pass\n")
    _coverage(
        root,
        "run",
        "--branch",
        "--source=pkg",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests",
    )
    code, report = _run(
        root,
        "  coverage: {type: coverage, report: .coverage, max_drop: 1}\n",
        "--baseline",
        str(saved),
        "--base-ref",
        base,
    )
    result = gate(report, "coverage")
    assert code == 1 and result["status"] == "fail"
    drop = next(m for m in result["measurements"] if m["name"] == "lines drop")
    assert drop["status"] == "fail" and drop["op"] == "<=" and drop["baseline"] is None
    assert drop["change_of"]["quantity"] == "lines" and drop["change_of"]["baseline"] > 0


def test_cli_max_drop_without_baseline_is_error(tmp_path: Path) -> None:
    (tmp_path / "c.xml").write_text(_cobertura(8, 10))
    (tmp_path / "a.py").touch()
    code, report = _run(tmp_path, "  coverage: {type: coverage, report: c.xml, max_drop: 1}\n")
    assert code == 1 and gate(report, "coverage")["status"] == "error"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "file is empty"),
        (b"<coverage><packages><package", "not well-formed"),
        (b'<!DOCTYPE c [<!ENTITY a "x"><!ENTITY b "&a;&a;">]><coverage>&b;</coverage>', "entities"),
        ("<coverage>\xe9</coverage>".encode("latin-1"), "not well-formed"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "not a coverage report"),
    ],
)
def test_cli_bad_coverage_report_is_error(tmp_path: Path, payload: bytes, reason: str) -> None:
    (tmp_path / "coverage.xml").write_bytes(payload)
    code, report = _run(tmp_path, "  coverage: {type: coverage, report: coverage.xml}\n")
    result = gate(report, "coverage")
    assert code == 1 and result["status"] == "error"
    assert reason in result["error"] and "\n" not in result["error"]


def test_run_that_does_not_rewrite_the_report_is_error(tmp_path: Path) -> None:
    """A report left by an earlier run is not evidence of this one (fail closed)."""
    from gates.checks.base import GateContext
    from gates.checks.coverage import evaluate
    from gates.checks.coverage.options import CoverageOptions
    from gates.model import Status

    report = tmp_path / "lcov.info"
    report.write_text("SF:src/a.py\nDA:1,1\nDA:2,1\nLF:2\nLH:2\nend_of_record\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("a = 1\nb = 2\n")
    options = CoverageOptions.model_validate(
        {"type": "coverage", "run": "true", "report": "lcov.info", "thresholds": {"lines": 50}}
    )
    ctx = GateContext(gate_id="coverage", root=tmp_path, out_dir=tmp_path / "reports", timeout=30)
    outcome = evaluate(options, ctx)
    assert outcome.status is Status.ERROR
    assert "did not rewrite lcov.info" in (outcome.error or "")
    fresh = CoverageOptions.model_validate(
        {
            "type": "coverage",
            "run": ["touch", "lcov.info"],
            "report": "lcov.info",
            "thresholds": {"lines": 50},
        }
    )
    assert evaluate(fresh, ctx).error is None


def test_new_source_file_no_test_imports_counts_as_missed(repo: tuple[Path, str]) -> None:
    """A module the report never saw (nothing imported it) is not "no coverable lines"."""
    root, base = repo
    (root / "pkg" / "extra.py").write_text("def unused():\n    return 1\n\nVALUE = 2\n")
    _git(root, "add", "pkg/extra.py")
    spec = {"base": base, "min": 50, "source": ["pkg/**/*.py"], "exclude": ["pkg/__init__.py"]}
    outcome = evaluate(_opts(report="coverage.json", changed_lines=spec), _ctx(root))
    row = _row(outcome.measurements, "changed lines")
    # calc.py: 2 of 5 covered; extra.py: its 3 non-blank added lines, never run
    assert row.status is Status.FAIL and row.value == pytest.approx(100 * 2 / 8)
    table = outcome.details["changed_lines"]
    assert table["source_files_not_in_report"] == ["pkg/extra.py"]
    without = evaluate(
        _opts(report="coverage.json", changed_lines={"base": base, "min": 50}), _ctx(root)
    )
    assert _row(without.measurements, "changed lines").value == 40.0


def test_per_file_min_catches_an_untested_file_the_average_hides(repo: tuple[Path, str]) -> None:
    """diff-cover #619: well-covered edits in one file must not hide a new untested file."""
    root, base = repo
    (root / "pkg" / "big.py").write_text("".join(f"V{n} = {n}\n" for n in range(40)))
    (root / "pkg" / "extra.py").write_text("def unused():\n    return 1\n")
    _git(root, "add", "pkg/big.py", "pkg/extra.py")
    (root / "tests" / "test_big.py").write_text("import pkg.big\n\n\ndef test_big():\n    pass\n")
    _coverage(
        root,
        "run",
        "--branch",
        "--source=pkg",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests",
    )
    _coverage(root, "json", "-o", "coverage.json")
    spec = {"base": base, "min": 80, "per_file_min": 50, "source": ["pkg/**/*.py"]}
    outcome = evaluate(_opts(report="coverage.json", changed_lines=spec), _ctx(root))
    overall = _row(outcome.measurements, "changed lines")
    assert overall.status is Status.PASS  # (40 + 2) of (40 + 5 + 2) = 89 %
    per_file = _row(outcome.measurements, "changed lines per file")
    assert (per_file.value, per_file.threshold, per_file.status) == (0.0, 50, Status.FAIL)
    assert "2 changed file(s) under per_file_min 50%" in per_file.message
    assert "pkg/extra.py 0/2" in per_file.message and "pkg/calc.py 2/5" in per_file.message
    table = {row["path"]: row for row in outcome.details["changed_lines"]["files"]}
    assert table["pkg/big.py"]["status"] == "pass" and table["pkg/big.py"]["percent"] == 100.0
    assert table["pkg/extra.py"]["status"] == "fail"  # --source lists it at 0 %
    lenient = {**spec, "per_file_min": 0}
    relaxed = evaluate(_opts(report="coverage.json", changed_lines=lenient), _ctx(root))
    assert _row(relaxed.measurements, "changed lines per file").status is Status.PASS


def test_report_of_another_source_tree_is_error_and_unmentioned_sources_are_counted(
    repo: tuple[Path, str], tmp_path: Path
) -> None:
    root, _ = repo
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "c.xml").write_text(_cobertura(10, 10).replace('"a.py"', '"lib/other.py"'))
    outcome = evaluate(_opts(report="c.xml"), _ctx(other))
    assert outcome.status is Status.ERROR
    assert "names no file of this project" in (outcome.error or "")
    # a tracked module in the report's folder that no test imported is counted, not hidden
    (root / "pkg" / "orphan.py").write_text("X = 1\n")
    _git(root, "add", "pkg/orphan.py")
    counted = evaluate(_opts(report="coverage.json"), _ctx(root))
    row = _row(counted.measurements, "tracked source files not in the report")
    assert row.value == 1 and counted.details["tracked_sources_not_in_report"] == ["pkg/orphan.py"]

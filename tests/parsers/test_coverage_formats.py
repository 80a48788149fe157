"""Coverage parsers: every real corpus file, real coverage.py output in every format, bad input."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest

from gates.errors import InputError
from gates.parsers import cobertura, coverage_data, coverage_json, lcov
from gates.parsers.coverage_model import CoverageData, istanbul_pct, totals
from gates.parsers.coverage_report import detect
from gates.parsers.coverage_report import load as load_one
from tests.conftest import CORPUS

COV = CORPUS / "coverage"


def test_every_corpus_file_is_tested() -> None:
    tested = {
        *COBERTURA,
        *COVERAGE_PY_JSON,
        *ISTANBUL_SUMMARY,
        *LCOV,
        "lcov-empty-zero-bytes.info",
        "lcov-foundry-solidity-duplicate-DA-lines.info",
    }
    assert {p.name for p in COV.iterdir()} == tested


# --- Cobertura ---------------------------------------------------------------------------

COBERTURA = [
    "coveragepy-7.11-cobertura-lines-only.xml",
    "coveragepy-7.6.1-cobertura-68pct.xml",
    "coveragepy-7.7-cobertura-branch-low-coverage.xml",
    "istanbul-cobertura-jest-branches.xml",
]


@pytest.mark.parametrize("name", COBERTURA)
def test_cobertura_totals_equal_the_root_attributes(name: str) -> None:
    root = ElementTree.parse(COV / name).getroot()  # stdlib read of what the producer stated
    data = cobertura.load(COV / name)
    sums = totals(data)
    assert sums.lines_valid == int(root.get("lines-valid", "-1"))
    assert sums.lines_covered == int(root.get("lines-covered", "-1"))
    assert sums.branches_valid == int(root.get("branches-valid", "-1"))
    assert sums.branches_covered == int(root.get("branches-covered", "-1"))
    # the producer's line-rate is the same ratio, rounded to 4 decimals (coverage.py) or not
    assert sums.percent("lines") == pytest.approx(100 * float(root.get("line-rate", "0")), abs=0.01)
    assert data.warnings == ()
    assert data.has_lines


def test_coverage_py_branch_cobertura_total_is_combined() -> None:
    data = cobertura.load(COV / "coveragepy-7.7-cobertura-branch-low-coverage.xml")
    assert data.producer == "coverage.py 7.7.0" and data.branch_measured
    sums = totals(data)
    assert sums.percent("total") == pytest.approx(100 * (56 + 18) / (248 + 126))
    assert sums.percent("branches") == pytest.approx(100 * 18 / 126)


def test_lines_only_cobertura_has_no_branch_percentage() -> None:
    data = cobertura.load(COV / "coveragepy-7.11-cobertura-lines-only.xml")
    assert not data.branch_measured
    assert totals(data).percent("branches") is None  # not 0%, not 100%
    assert data.sources == ("/home/shudipto/projects/textxtract/textxtract",)


# --- coverage.py JSON --------------------------------------------------------------------

COVERAGE_PY_JSON = [
    "coveragepy-7.12-json-format3-no-branch.json",
    "coveragepy-7.3.2-json-legacy-no-format-key.json",
]


@pytest.mark.parametrize("name", COVERAGE_PY_JSON)
def test_coverage_py_json_totals_equal_its_totals_block(name: str) -> None:
    stated = json.loads((COV / name).read_text())["totals"]
    data = coverage_json.load(COV / name)
    sums = totals(data)
    assert sums.lines_valid == stated["num_statements"]
    assert sums.lines_covered == stated["covered_lines"]
    assert sums.percent("total") == stated["percent_covered"]  # exactly, not approximately
    assert data.warnings == ()
    assert sum(len(f.missed_lines or ()) for f in data.files) == stated["missing_lines"]


# --- istanbul json-summary ---------------------------------------------------------------

ISTANBUL_SUMMARY = [
    "istanbul-summary-partial-branches.json",
    "istanbul-summary-windows-paths-pct-Unknown.json",
]


@pytest.mark.parametrize("name", ISTANBUL_SUMMARY)
def test_istanbul_pct_equals_istanbul_total(name: str) -> None:
    stated = json.loads((COV / name).read_text())["total"]
    data = coverage_json.load(COV / name)
    sums = totals(data)
    for metric in ("lines", "statements", "functions", "branches"):
        assert sums.counts(metric) == (stated[metric]["covered"], stated[metric]["total"])
        assert sums.percent(metric) == stated[metric]["pct"], metric


def test_istanbul_pct_truncates_and_unknown_is_none() -> None:
    assert istanbul_pct(36, 37) == 97.29  # istanbul floors: 97.297 → 97.29
    assert istanbul_pct(0, 0) is None  # istanbul's "Unknown"
    data = coverage_json.load(COV / "istanbul-summary-windows-paths-pct-Unknown.json")
    assert data.files[0].path.startswith("D:/A R A S H/")  # backslashes normalised


# --- LCOV --------------------------------------------------------------------------------

LCOV = [
    "lcov-istanbul-cra-windows-backslash-paths.info",
    "lcov-istanbul-jest-functions-branches.info",
]


def _lcov_stated(path: Path) -> dict[str, int]:
    sums: dict[str, int] = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("LF", "LH", "BRF", "BRH", "FNF", "FNH"):
            sums[key] = sums.get(key, 0) + int(value)
    return sums


@pytest.mark.parametrize("name", LCOV)
def test_lcov_counts_equal_lf_lh_brf_brh(name: str) -> None:
    stated = _lcov_stated(COV / name)
    sums = totals(lcov.load(COV / name))
    assert (sums.lines_valid, sums.lines_covered) == (stated["LF"], stated["LH"])
    assert (sums.functions_valid, sums.functions_covered) == (stated["FNF"], stated["FNH"])
    assert (sums.branches_valid, sums.branches_covered) == (stated["BRF"], stated["BRH"])


def test_lcov_whose_records_disagree_with_its_brf_is_inconsistent_not_a_third_number() -> None:
    # Two BRDA records of YardFactory.sol are garbled in this real file ("BRDA:46,Wrote LCOV
    # report." then "81"): BRF:12 stated, 10 records left. Neither number is the producer's.
    with pytest.raises(
        InputError,
        match=r"inconsistent report: BRF of .*YardFactory.sol is stated "
        r"as 12 but its records add up to 10",
    ):
        lcov.load(COV / "lcov-foundry-solidity-duplicate-DA-lines.info")


def test_lcov_duplicate_da_lines_merge_like_lcov() -> None:
    text = (COV / "lcov-foundry-solidity-duplicate-DA-lines.info").read_bytes()
    repaired = text.replace(b"BRDA:46,Wrote LCOV report.\n81\n", b"").replace(
        b"BRF:12\nBRH:12\n", b"BRF:10\nBRH:10\n"
    )
    data = lcov.parse(repaired, "foundry.info")
    factory = next(f for f in data.files if f.path.endswith("YardFactory.sol"))
    assert factory.lines_valid == 25  # LF:25 although DA:46 appears four times


def test_lcov_windows_paths_are_normalised() -> None:
    data = lcov.load(COV / "lcov-istanbul-cra-windows-backslash-paths.info")
    assert [f.path for f in data.files] == [
        "src/App.tsx",
        "src/index.tsx",
        "src/reportWebVitals.ts",
    ]
    assert totals(data).percent("lines") == pytest.approx(100 / 12)


def test_empty_lcov_is_an_error_never_100_percent() -> None:
    with pytest.raises(InputError, match="empty"):
        lcov.load(COV / "lcov-empty-zero-bytes.info")


# --- detection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [(n, "cobertura") for n in COBERTURA]
    + [(n, "coverage-json") for n in (*COVERAGE_PY_JSON, *ISTANBUL_SUMMARY)]
    + [(n, "lcov") for n in LCOV],
)
def test_format_is_detected_by_content(name: str, fmt: str) -> None:
    assert detect((COV / name).read_bytes(), name) == fmt
    assert load_one(COV / name, "auto", COV).files


# --- real coverage.py --------------------------------------------------------------------

PACKAGE = {
    "pkg/__init__.py": "",
    "pkg/shapes.py": """
def classify(n):
    if n < 0:
        return "negative"
    elif n == 0:
        return "zero"
    for i in range(3):
        if i == n:
            return "small"
    return "big"


def never_called(x):
    if x:
        return 1
    return 2


def excluded():  # pragma: no cover
    return 3
""",
    "tests/test_shapes.py": """
from pkg.shapes import classify

def test_classify():
    assert classify(-1) == "negative"
    assert classify(1) == "small"
""",
}


@pytest.fixture(scope="module")
def real_coverage(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, dict[str, float]]]:
    """A package measured by real coverage.py with --branch, in every output format."""
    root = tmp_path_factory.mktemp("covproj")
    for rel, text in PACKAGE.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COV", "PYTEST_"))}

    def coverage(*args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "coverage", *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    coverage(
        "run", "--branch", "--source=pkg", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"
    )
    report = coverage("report", "--precision=6")
    coverage("xml", "-o", "coverage.xml")
    coverage("json", "-o", "coverage.json")
    coverage("lcov", "-o", "coverage.lcov")
    # TOTAL <stmts> <miss> <branch> <brpart> <cover>%
    total = next(ln for ln in report.splitlines() if ln.startswith("TOTAL")).split()
    yield (
        root,
        {
            "stmts": int(total[1]),
            "miss": int(total[2]),
            "branch": int(total[3]),
            "cover": float(total[-1].rstrip("%")),
        },
    )


FORMATS = {
    "coverage.xml": cobertura.load,
    "coverage.json": coverage_json.load,
    "coverage.lcov": lcov.load,
}


@pytest.mark.parametrize("report", [*FORMATS, ".coverage"])
def test_totals_equal_coverage_report_total(
    real_coverage: tuple[Path, dict[str, float]], report: str
) -> None:
    root, total = real_coverage
    data: CoverageData
    if report == ".coverage":
        data = coverage_data.load(root / ".coverage", config_dir=root)
    else:
        data = FORMATS[report](root / report)
    assert (
        detect((root / report).read_bytes(), report)
        in {
            "coverage.xml": "cobertura",
            "coverage.json": "coverage-json",
            "coverage.lcov": "lcov",
            ".coverage": "coverage-data",
        }[report]
    )
    sums = totals(data)
    assert sums.lines_valid == total["stmts"]
    assert sums.lines_covered == total["stmts"] - total["miss"]
    assert sums.branches_valid == total["branch"]
    assert data.branch_measured
    combined = sums.percent("total")
    assert combined is not None
    assert round(combined, 6) == total["cover"]  # coverage report --precision=6 TOTAL
    assert math.isclose(
        total["cover"],
        100
        * (sums.lines_covered + sums.branches_covered)
        / (sums.lines_valid + sums.branches_valid),
        abs_tol=1e-6,
    )
    assert 0 < combined < 100
    never = next(f for f in data.files if f.path.endswith("shapes.py"))
    assert never.missed_lines is not None and 15 in never.missed_lines  # `if x:` never ran


def test_coverage_data_without_sources_is_a_clean_error(
    real_coverage: tuple[Path, dict[str, float]], tmp_path: Path
) -> None:
    root, _ = real_coverage
    data = (root / ".coverage").read_bytes()
    (tmp_path / ".coverage").write_bytes(data)
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    # the data names the sources by absolute path; they still exist, so this works...
    assert coverage_data.load(tmp_path / ".coverage", config_dir=moved).files
    # ...but a truncated data file does not
    (tmp_path / "broken.coverage").write_bytes(data[: len(data) // 3])
    with pytest.raises(InputError) as info:
        coverage_data.load(tmp_path / "broken.coverage", config_dir=moved)
    assert "\n" not in str(info.value)


# --- hostile input -----------------------------------------------------------------------

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE coverage [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><coverage lines-valid="&c;"/>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE coverage [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<coverage><sources><source>&x;</source></sources></coverage>"""

HOSTILE: dict[str, tuple[str, bytes]] = {
    "xml-empty": ("cobertura", b""),
    "xml-truncated": (
        "cobertura",
        b'<?xml version="1.0"?><coverage lines-valid="3"><packages><pack',
    ),
    "xml-binary": ("cobertura", b"<" + bytes(range(256))),
    "xml-latin1": (
        "cobertura",
        "<coverage><sources><source>\xe9</source></sources></coverage>".encode("latin-1"),
    ),
    "xml-bomb": ("cobertura", BOMB),
    "xml-external": ("cobertura", EXTERNAL),
    "xml-not-cobertura": ("cobertura", b"<testsuite/>"),
    "lcov-truncated": ("lcov", b"TN:\nSF:src/a.py\nDA:1,1\nDA:2,"),
    "lcov-binary": ("lcov", b"SF:\x00\x01\x02"),
    "lcov-latin1": ("lcov", "SF:caf\xe9.py\nDA:1,1\nend_of_record\n".encode("latin-1")),
    "lcov-no-records": ("lcov", b"hello world\n"),
    "json-truncated": ("coverage-json", b'{"meta": {"version": "7.1"}, "files": {'),
    "json-latin1": ("coverage-json", '{"total": "\xe9"}'.encode("latin-1")),
    "json-wrong-shape": ("coverage-json", b'{"hello": 1}'),
    "json-bad-counts": (
        "coverage-json",
        b'{"total": {"lines": {}}, "a.js": {"lines": {"total": "x"}}}',
    ),
    "data-not-sqlite": ("coverage-data", b"not sqlite at all"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_coverage_input_is_one_clean_input_error(kind: str, tmp_path: Path) -> None:
    fmt, payload = HOSTILE[kind]
    path = tmp_path / f"{kind}.dat"
    path.write_bytes(payload)
    with pytest.raises(InputError) as info:
        load_one(path, fmt, tmp_path)
    assert "\n" not in str(info.value)
    assert "root:" not in str(info.value)


def test_unknown_content_is_not_detected(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a coverage report"):
        detect(b"\x00\x01binary junk", "junk.bin")


def test_the_sqlite_magic_both_readers_use_is_sqlite_s_header(tmp_path: Path) -> None:
    """coverage_report detects ``.coverage`` files without importing sqlite3 (start-up) and the
    data reader checks them: both by the one ``coverage_model.SQLITE_MAGIC``, which must be the
    header the real sqlite3 writes."""
    import sqlite3

    from gates.parsers.coverage_model import SQLITE_MAGIC

    path = tmp_path / "db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table t (x)")
    conn.close()
    assert path.read_bytes().startswith(SQLITE_MAGIC)

"""Impossible coverage evidence is refused in every format (issue 13): a negative, non-finite or
absurdly large count, more covered than there is, records that disagree with the file's own
stated totals. Each case is an ``InputError`` (the gate's ``error``), never a percentage and never
an ``OverflowError``."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from gates.errors import InputError
from gates.parsers import cobertura, coverage_json, lcov
from gates.parsers.coverage_model import totals


def _cobertura(lines: str, root: str = "") -> bytes:
    return (
        f'<?xml version="1.0" ?><coverage {root}><packages><package name="p"><classes>'
        f'<class name="a.py" filename="a.py"><lines>{lines}</lines></class></classes>'
        "</package></packages></coverage>"
    ).encode()


def _coverage_py(
    summary: Mapping[str, object], missing: list[int], totals_: Mapping[str, object]
) -> bytes:
    return json.dumps(
        {
            "meta": {"format": 3, "version": "7.12.0", "branch_coverage": True},
            "files": {
                "a.py": {"executed_lines": [1, 2], "missing_lines": missing, "summary": summary}
            },
            "totals": totals_,
        }
    ).encode()


def _istanbul(file_lines: dict[str, object], total_lines: dict[str, object]) -> bytes:
    def block(lines: dict[str, object]) -> dict[str, object]:
        ok = {"total": 1, "covered": 1, "pct": 100}
        return {"lines": lines, "statements": ok, "functions": ok, "branches": ok}

    return json.dumps({"total": block(total_lines), "src/a.ts": block(file_lines)}).encode()


GOOD_SUMMARY = {"num_statements": 2, "covered_lines": 2, "num_branches": 2, "covered_branches": 1}

CASES = [
    (
        "cobertura hits=inf",
        lambda: cobertura.parse(_cobertura('<line number="1" hits="inf"/>'), "c.xml"),
        "non-numeric",
    ),
    (
        "cobertura hits=nan",
        lambda: cobertura.parse(_cobertura('<line number="1" hits="nan"/>'), "c.xml"),
        "non-numeric",
    ),
    (
        "cobertura negative hits",
        lambda: cobertura.parse(_cobertura('<line number="1" hits="-1"/>'), "c.xml"),
        "negative",
    ),
    (
        "cobertura lines-valid=inf",
        lambda: cobertura.parse(
            _cobertura('<line number="1" hits="1"/>', 'lines-valid="inf"'), "c.xml"
        ),
        "impossible total",
    ),
    (
        "cobertura stated lines disagree",
        lambda: cobertura.parse(
            _cobertura('<line number="1" hits="1"/>', 'lines-valid="9" lines-covered="1"'), "c.xml"
        ),
        "inconsistent",
    ),
    (
        "cobertura branches over total",
        lambda: cobertura.parse(
            _cobertura('<line number="1" hits="1" branch="true" condition-coverage="500% (5/1)"/>'),
            "c.xml",
        ),
        "impossible",
    ),
    (
        "lcov DA inf",
        lambda: lcov.parse(b"SF:a.py\nDA:1,inf\nend_of_record\n", "a.info"),
        "non-finite",
    ),
    (
        "lcov DA negative",
        lambda: lcov.parse(b"SF:a.py\nDA:1,-3\nend_of_record\n", "a.info"),
        "negative",
    ),
    (
        "lcov BRDA 1e999",
        lambda: lcov.parse(b"SF:a.py\nDA:1,1\nBRDA:1,0,0,1e999\nend_of_record\n", "a.info"),
        "non-finite",
    ),
    (
        "lcov LH over records",
        lambda: lcov.parse(b"SF:a.py\nDA:1,1\nDA:2,0\nLF:2\nLH:5\nend_of_record\n", "a.info"),
        "inconsistent",
    ),
    (
        "lcov BRF disagrees",
        lambda: lcov.parse(
            b"SF:a.py\nDA:1,1\nBRDA:1,0,0,1\nBRF:3\nBRH:1\nend_of_record\n", "a.info"
        ),
        "inconsistent",
    ),
    (
        "coverage.py covered 48 of 2",
        lambda: coverage_json.parse(
            _coverage_py({**GOOD_SUMMARY, "covered_lines": 48}, [], {}), "c.json"
        ),
        "inconsistent|impossible",
    ),
    (
        "coverage.py negative",
        lambda: coverage_json.parse(
            _coverage_py({**GOOD_SUMMARY, "num_branches": -2}, [], {}), "c.json"
        ),
        "expected a count",
    ),
    (
        "coverage.py branches over total",
        lambda: coverage_json.parse(
            _coverage_py({**GOOD_SUMMARY, "covered_branches": 7}, [], {}), "c.json"
        ),
        "impossible",
    ),
    (
        "coverage.py missing lines disagree",
        lambda: coverage_json.parse(_coverage_py(GOOD_SUMMARY, [3, 4], {}), "c.json"),
        "inconsistent",
    ),
    (
        "coverage.py totals disagree",
        lambda: coverage_json.parse(
            _coverage_py(GOOD_SUMMARY, [], {"num_statements": 20}), "c.json"
        ),
        "inconsistent",
    ),
    (
        "coverage.py totals infinite",
        lambda: coverage_json.parse(
            _coverage_py(GOOD_SUMMARY, [], {"covered_lines": float("inf")}), "c.json"
        ),
        "inconsistent",
    ),
    (
        "coverage.py 5000-digit count",
        lambda: coverage_json.parse(
            b'{"meta": {"format": 3}, "files": {"a.py": {"summary": {"num_statements": '
            + b"9" * 5000
            + b', "covered_lines": 1}}}}',
            "c.json",
        ),
        "impossible|inconsistent|digits|number",
    ),
    (
        "istanbul covered 95 of 10",
        lambda: coverage_json.parse(
            _istanbul({"total": 10, "covered": 95}, {"total": 10, "covered": 95}), "s.json"
        ),
        "impossible",
    ),
    (
        "istanbul total disagrees with files",
        lambda: coverage_json.parse(
            _istanbul({"total": 10, "covered": 5}, {"total": 100, "covered": 95}), "s.json"
        ),
        "inconsistent",
    ),
    (
        "istanbul negative",
        lambda: coverage_json.parse(
            _istanbul({"total": 10, "covered": -5}, {"total": 10, "covered": -5}), "s.json"
        ),
        "expected a count",
    ),
]


@pytest.mark.parametrize(("case", "parse", "reason"), CASES, ids=[c[0] for c in CASES])
def test_impossible_coverage_is_refused(case: str, parse: object, reason: str) -> None:
    assert callable(parse)
    with pytest.raises(InputError, match=reason):
        parse()


def test_consistent_twins_of_the_refused_cases_parse() -> None:
    """The same shapes with possible numbers are read, so the refusals above are not blanket."""
    good = [
        cobertura.parse(
            _cobertura(
                '<line number="1" hits="1.0"/><line number="2" hits="0"/>',
                'lines-valid="2" lines-covered="1"',
            ),
            "c.xml",
        ),
        lcov.parse(
            b"SF:a.py\nDA:1,1\nDA:2,0\nBRDA:1,0,0,1\nBRDA:1,0,1,-\nLF:2\nLH:1\nBRF:2\nBRH:1\nend_of_record\n",
            "a.info",
        ),
        coverage_json.parse(
            _coverage_py(GOOD_SUMMARY, [], {"num_statements": 2, "covered_lines": 2}), "c.json"
        ),
        coverage_json.parse(
            _istanbul({"total": 10, "covered": 5}, {"total": 10, "covered": 5, "pct": 50}), "s.json"
        ),
    ]
    assert [totals(d).percent("lines") for d in good] == [50.0, 50.0, 100.0, 50.0]

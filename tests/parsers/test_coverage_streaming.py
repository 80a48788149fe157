"""Streamed Cobertura (expat, no tree) and LCOV fast paths give the counts a tree walk gives."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest

from gates.errors import InputError
from gates.parsers import cobertura, lcov
from gates.parsers.coverage_model import totals
from tests.conftest import CORPUS

COV = CORPUS / "coverage"


def _tree_counts(path: Path) -> dict[str, tuple[int, int, int, int]]:
    """Reference: ElementTree over <class>/<lines>/<line>, lines merged per file by max hits."""
    hits: dict[str, dict[int, int]] = {}
    branches: dict[str, dict[int, tuple[int, int]]] = {}
    for cls in ElementTree.parse(path).getroot().iter("class"):
        name = (cls.get("filename") or "").replace("\\", "/")
        file_hits = hits.setdefault(name, {})
        file_branches = branches.setdefault(name, {})
        for line in cls.findall("lines/line"):
            number = int(line.get("number", "0"))
            file_hits[number] = max(file_hits.get(number, 0), int(float(line.get("hits", "0"))))
            cond = line.get("condition-coverage", "")
            if line.get("branch") == "true" and "(" in cond:
                covered, valid = (int(x) for x in cond.split("(")[1].rstrip(")").split("/"))
                old = file_branches.get(number, (0, 0))
                file_branches[number] = (max(old[0], covered), max(old[1], valid))
    return {
        name: (
            len(h),
            sum(1 for v in h.values() if v > 0),
            sum(v for _, v in branches[name].values()),
            sum(c for c, _ in branches[name].values()),
        )
        for name, h in hits.items()
    }


@pytest.mark.parametrize("path", sorted(COV.glob("*.xml")), ids=lambda p: p.name)
def test_streamed_cobertura_equals_a_tree_walk(path: Path) -> None:
    data = cobertura.load(path)
    got = {
        f.path: (f.lines_valid, f.lines_covered, f.branches_valid, f.branches_covered)
        for f in data.files
    }
    assert got == _tree_counts(path)
    assert data.has_lines and not data.warnings
    counts_only = cobertura.load(path, lines=False)
    assert totals(counts_only) == totals(data) and not counts_only.has_lines
    assert cobertura.parse(path.read_bytes(), path.name) == data


JAVA = b"""<?xml version="1.0"?>
<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">
<coverage lines-valid="4" lines-covered="3" version="2.1">
  <sources><source>
     /build/src
  </source><source>lib</source></sources>
  <packages><package name="p"><classes>
    <class name="A" filename="p\\A.java">
      <methods><method name="m"><lines>
        <line number="99" hits="5"/>
      </lines></method></methods>
      <lines>
        <line number="1" hits="1"/>
        <line number="2" hits="0" branch="true" condition-coverage="50% (1/2)"/>
      </lines>
    </class>
    <class name="A$Inner" filename="p/A.java">
      <lines>
        <line number="2" hits="3" branch="true" condition-coverage="0% (0/2)"/>
        <line number="3" hits="1"/>
        <line number="4" hits="0"/>
      </lines>
    </class>
  </classes></package></packages>
</coverage>
"""


def test_classes_merge_per_file_and_method_copies_are_not_counted() -> None:
    data = cobertura.parse(JAVA, "java.xml")
    (only,) = data.files
    assert only.path == "p/A.java"
    assert (only.lines_valid, only.lines_covered) == (4, 3)
    assert (only.branches_valid, only.branches_covered) == (2, 1)
    assert only.covered_lines == frozenset({1, 2, 3}) and only.missed_lines == frozenset({4})
    assert data.sources == ("/build/src", "lib")
    assert data.warnings == ()  # the stated totals agree with the counted lines


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b"<report><line number='1' hits='1'/></report>", "not Cobertura XML"),
        (b"<line number='1' hits='1'/>", "not Cobertura XML"),
        (b"<coverage><packages><package", "not well-formed"),
        (b'<!DOCTYPE c [<!ENTITY e "x">]><coverage/>', "entities"),
        (b'<!DOCTYPE c [<!ENTITY e SYSTEM "file:///etc/passwd">]><coverage>&e;</coverage>', "ent"),
        (b'<!DOCTYPE c SYSTEM "x.dtd"><coverage>&undefined;</coverage>', "entities"),
        (
            b"<coverage><packages><package><classes><class filename='a'><lines>"
            b"<line number='x' hits='1'/></lines></class></classes></package></packages>"
            b"</coverage>",
            "non-numeric",
        ),
    ],
)
def test_bad_cobertura_is_a_clean_error(data: bytes, reason: str, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=reason):
        cobertura.parse(data, "bad.xml")
    path = tmp_path / "bad.xml"
    path.write_bytes(data)
    with pytest.raises(InputError, match=reason):
        cobertura.load(path)


def test_lcov_fast_path_and_general_path_agree() -> None:
    plain = b"SF:a.py\nDA:1,2\nDA:2,0\nDA:1,3\nDA:3,0\nend_of_record\n"
    odd = b"SF:a.py\nDA:1,2,abc\n DA:2,0\nDA:1,3.0\nDA:3,0.0\nend_of_record\n"
    a, b = lcov.parse(plain, "a.info"), lcov.parse(odd, "b.info")
    assert a.files[0] == b.files[0]
    assert (a.files[0].lines_valid, a.files[0].lines_covered) == (3, 1)
    assert a.files[0].covered_lines == frozenset({1})
    counts = lcov.parse(plain, "a.info", lines=False).files[0]
    assert counts.covered_lines is None and counts.lines_covered == 1

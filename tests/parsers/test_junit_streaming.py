"""JUnit read through safe.read_xml_tree (C TreeBuilder on expat): namespaces and guards."""

from __future__ import annotations

from pathlib import Path

import pytest

from gates.errors import InputError
from gates.parsers import junit

CASES = (
    '<{p}testcase name="a" classname="m" time="1,000.5"/>'
    '<{p}testcase name="b" classname="m"><{p}failure message="boom">x.py:3</{p}failure>'
    "</{p}testcase>"
)


@pytest.mark.parametrize(
    "doc",
    [
        '<testsuites><testsuite name="s">' + CASES.format(p="") + "</testsuite></testsuites>",
        '<testsuites xmlns="urn:x"><testsuite name="s">'
        + CASES.format(p="")
        + "</testsuite></testsuites>",
        '<j:testsuites xmlns:j="urn:x"><j:testsuite name="s">'
        + CASES.format(p="j:")
        + "</j:testsuite></j:testsuites>",
    ],
    ids=["plain", "default-namespace", "prefixed"],
)
def test_namespaces_do_not_change_the_counts(doc: str, tmp_path: Path) -> None:
    path = tmp_path / "j.xml"
    path.write_text(doc)
    for run in (junit.parse(doc.encode(), "j.xml"), junit.load(path)):
        assert (run.tests, run.passed, run.failures) == (2, 1, 1)
        assert run.time == 1000.5
        assert run.problems[0].message == "boom"


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        (b'<!DOCTYPE t [<!ENTITY a "aaaa">]><testsuite>&a;</testsuite>', "entities"),
        (b'<!DOCTYPE t SYSTEM "t.dtd"><testsuite>&nope;</testsuite>', "entities"),
        (b"<testsuite><testcase name='a'>", "not well-formed"),
        (b"\n\n", "empty"),
        (b"<report/>", "not JUnit XML"),
    ],
)
def test_hostile_or_broken_junit_is_a_clean_error(doc: bytes, reason: str, tmp_path: Path) -> None:
    path = tmp_path / "j.xml"
    path.write_bytes(doc)
    with pytest.raises(InputError, match=reason):
        junit.load(path)


def test_plain_passes_counted_inline_keep_every_time_format() -> None:
    """Plain passing cases are summed without a call per case; odd ``time`` values still read
    the way ``parse_float`` reads them (thousands separators, junk ignored), and a suite of
    pytest-style cases with a failure in the middle keeps its order and counts."""
    data = b"""<testsuites><testsuite name="pytest" tests="5" failures="1" errors="0">
    <testcase classname="t" name="a" file="t.py" time="1,000.5"/>
    <testcase classname="t" name="b" file="t.py" time=" 2 "/>
    <testcase classname="t" name="c" file="t.py" time="n/a"/>
    <testcase classname="t" name="d" file="t.py" time="0.25"><failure message="x"/></testcase>
    <testcase classname="t" name="e" file="t.py"/>
    </testsuite></testsuites>"""
    run = junit.parse(data, "odd-times.xml")
    assert (run.tests, run.passed, run.failures) == (5, 4, 1)
    assert run.time == 1002.75
    assert run.disagreements == ()

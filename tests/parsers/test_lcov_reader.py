"""The LCOV parser's two readers give the same result for the same text.

``lcov.parse`` reads a tracefile whose only line breaks are LF (or CRLF) in runs: whole runs of
plain ``DA:``/``BRDA:`` lines are converted at once. A text holding any other line break that
``str.splitlines`` knows (a lone CR, say) is read line by line, the way every line used to be
read. Writing the same lines with CR instead of LF therefore takes the line reader, and both
must agree exactly: the same files and counts, the same warnings with the same line numbers, or
the same error.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gates.errors import InputError
from gates.parsers import lcov
from gates.parsers.coverage_model import CoverageData

Outcome = tuple[str, CoverageData | str]


def outcome(text: str) -> Outcome:
    try:
        return ("data", lcov.parse(text.encode(), "t.info"))
    except InputError as exc:
        return ("error", str(exc))


def both_readers(text: str) -> tuple[Outcome, Outcome]:
    assert "\r" not in text
    return outcome(text), outcome(text.replace("\n", "\r"))


NUMBER = st.one_of(
    st.integers(0, 12).map(str),
    st.sampled_from(
        ["007", "0", "00", "123456789012345", "1234567890123456", "99999999999999999999"]
    ),
    # Past float's range (a count of inf: impossible) and past int()'s 4,300-digit limit.
    st.sampled_from(["9" * 400, "9" * 5000]),
)
COUNT = st.one_of(
    NUMBER, st.sampled_from(["-1", "1.0", "2.5", " 3", "+4", "1_0", "x", "nan", "inf"])
)
LINE = st.one_of(
    st.builds(lambda n, h: f"DA:{n},{h}", NUMBER, COUNT),
    st.builds(lambda n, h: f"DA:{n},{h}", NUMBER, NUMBER),  # plain lines, to make long runs
    st.builds(lambda n, h: f"DA:{n},{h}", NUMBER, NUMBER),
    st.builds(lambda n, h: f"DA:{n},{h},abc123checksum", NUMBER, NUMBER),
    st.builds(
        lambda n, b, r, t: f"BRDA:{n},{b},{r},{t}",
        NUMBER,
        st.sampled_from(["0", "00", "1"]),
        st.sampled_from(["0", "1", " 1"]),
        st.one_of(NUMBER, st.just("-"), st.just("-2")),
    ),
    st.builds(lambda p: f"SF:{p}", st.sampled_from(["a.ts", "b.ts", "src\\c.ts", " a.ts"])),
    st.sampled_from(["end_of_record", "TN:", "TN:unit", "VER:2", "FN:1,f", "FNDA:2,f", "FNDA:x,g"]),
    st.builds(lambda k, v: f"{k}:{v}", st.sampled_from(["LF", "LH", "BRF", "BRH", "FNF"]), NUMBER),
    st.sampled_from(["", "  ", "hello", "DA:1", "DA:", "BRDA:1,0,0", "  DA:1,1  ", "DA:١,1", ":"]),
)


@given(st.lists(LINE, max_size=60), st.booleans(), st.booleans())
@settings(max_examples=1500, deadline=None, database=None)
def test_the_run_reader_and_the_line_reader_agree(
    lines: list[str], trailing_newline: bool, closed: bool
) -> None:
    if closed:
        lines = ["SF:a.ts", *lines, "end_of_record"]
    text = "\n".join(lines) + ("\n" if trailing_newline else "")
    runs, line_by_line = both_readers(text)
    assert runs == line_by_line


def plain_record(path: str, hits: list[tuple[int, int]]) -> str:
    body = "".join(f"DA:{n},{h}\n" for n, h in hits)
    return f"SF:{path}\n{body}end_of_record\n"


def test_a_long_run_merges_repeated_lines_and_records_like_lcov() -> None:
    text = (
        plain_record("a.ts", [(n, 0) for n in range(1, 1001)])
        + plain_record("a.ts", [(n, 1) for n in range(1, 501)])  # the same SF again: merged
        + "SF:b.ts\nDA:07,1\nDA:7,2\nDA:8,0\nDA:8,0\nend_of_record\n"  # 07 is line 7
    )
    runs, line_by_line = both_readers(text)
    assert runs == line_by_line
    assert runs[0] == "data"
    data = runs[1]
    assert isinstance(data, CoverageData)
    a, b = data.files
    assert (a.path, a.lines_valid, a.lines_covered) == ("a.ts", 1000, 500)
    assert (b.lines_valid, b.lines_covered, b.covered_lines, b.missed_lines) == (
        2,
        1,
        frozenset({7}),
        frozenset({8}),
    )


def test_warnings_and_errors_after_long_runs_name_the_right_line() -> None:
    text = plain_record("a.ts", [(n, 1) for n in range(1, 2001)])  # lines 1-2002
    warned = text + "DA:5,1\n" + "SF:b.ts\nBRDA:1,0,0,1\nBRDA:x\nend_of_record\n"
    runs, line_by_line = both_readers(warned)
    assert runs == line_by_line
    data = runs[1]
    assert isinstance(data, CoverageData)
    assert data.warnings == (
        "line 2003: 'DA:5,1' outside an SF record; ignored",
        "line 2006: malformed BRDA line 'BRDA:x'; ignored",
    )
    negative = text + "SF:b.ts\n" + "DA:1,1\n" * 300 + "DA:2,-1\nend_of_record\n"
    runs, line_by_line = both_readers(negative)
    assert runs == line_by_line
    assert runs == (
        "error",
        "t.info:2304: 'DA:2,-1': a negative or non-finite count is "
        "impossible; the report is malformed",
    )


def test_crlf_files_take_the_run_reader_and_count_the_same() -> None:
    text = (
        plain_record("a.ts", [(1, 1), (2, 0)])
        + "SF:b.ts\nBRDA:1,0,0,-\nBRDA:1,0,1,3\nend_of_record\n"
    )
    assert outcome(text) == outcome(text.replace("\n", "\r\n"))
    data = outcome(text)[1]
    assert isinstance(data, CoverageData)
    assert [(f.branches_valid, f.branches_covered) for f in data.files] == [(0, 0), (2, 1)]

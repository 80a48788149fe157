"""The HTML report's views of a gate's details (gates/writers/html_details.py)."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from gates.writers import html_details


def _raw_json_whole(value: object, limit: int) -> str:
    """The raw-JSON disclosure as the whole value's encoding, cleaned, then cut."""
    text = html_details.clean(
        json.dumps(value, indent=2, default=str, ensure_ascii=False, sort_keys=True)
    )
    return text if len(text) <= limit else text[:limit] + "\n… (truncated)"


def test_the_raw_json_disclosure_stops_encoding_at_its_limit_and_shows_what_the_whole_would() -> (
    None
):
    """It stops encoding once the shown part is complete; what it shows is the start of the
    whole encoding, cleaned (DEL characters, which JSON leaves raw, do not count), and it says
    when it was cut."""
    cases: list[object] = [
        {},
        {"a": 1, "path": Path("x")},
        {"del": "\x7f" * 150_000 + "end"},  # cleaned away: all of it fits once cleaned
        {"rows": [{"n": i, "s": "é\x7f" * (i % 7)} for i in range(20_000)]},
        {"b": "z" * 99_990},
        list(range(30_000)),
    ]
    for value in cases:
        for limit in (10, 1_000, 100_000):
            assert html_details.raw_json(value, limit) == _raw_json_whole(value, limit)
    assert html_details.raw_json({"b": "z" * 200_000}).endswith("\n… (truncated)")
    assert "end" in html_details.raw_json({"del": "\x7f" * 150_000 + "end"})


_CONTROLS = st.sampled_from(["\x00", "\x1b", "\x1b[", "\x1b[31m", "\x01", "\x7f", "\n", "\t"])
_TEXT = st.lists(
    st.one_of(_CONTROLS, st.text(alphabet="[0-9;?m<>&\"'aé ", max_size=4)), max_size=6
).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(_TEXT, max_size=12))
def test_cleaning_and_escaping_many_values_at_once_is_cleaning_each(values: list[str]) -> None:
    """The findings table cleans and escapes all its values in one pass over their join: the
    same text as cleaning and escaping each alone, also across ANSI sequences cut at a
    value's end and values that hold the separator."""
    one_by_one = [str(escape(html_details.clean(v))) for v in values]
    assert html_details.clean_escaped(values) == one_by_one


def test_a_value_holding_the_separator_is_cleaned_alone() -> None:
    values = ["a\x00b", "\x1b[3", "1m<c>"]
    assert html_details.clean_escaped(values) == ["ab", "[3", "1m&lt;c&gt;"]

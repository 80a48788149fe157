"""The HTML report's views of a gate's details (gates/writers/html_details.py)."""

from __future__ import annotations

import json
from pathlib import Path

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

"""Terminal output in CI logs: no hard wrap, durations as a checklist writes them."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.text import Text

from gates.cli.terminal import log_width
from gates.units import duration_spec, parse_duration


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("10m", "10m"),
        ("600s", "10m"),
        ("90s", "90s"),
        ("1h", "1h"),
        ("800ms", "800ms"),
        ("2.5s", "2.5s"),
        ("90m", "90m"),
        ("120m", "2h"),
    ],
)
def test_a_duration_is_shown_the_way_a_checklist_writes_it(written: str, shown: str) -> None:
    assert duration_spec(parse_duration(written)) == shown
    assert parse_duration(duration_spec(parse_duration(written))) == parse_duration(written)


def test_a_ci_log_is_not_hard_wrapped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    buffer = io.StringIO()
    console = Console(file=buffer, width=log_width(), highlight=False)
    line = "tests: [high] test-failed " + "x" * 250
    console.print(Text(line))
    assert buffer.getvalue() == line + "\n"
    monkeypatch.setenv("COLUMNS", "80")  # a shell's own terminal width: not the log's
    assert log_width() == 400

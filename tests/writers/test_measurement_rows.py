"""Every measurement row shows the baseline and change of the *same* quantity (HTML, Markdown)."""

from __future__ import annotations

from gates.measure import compare
from gates.model import Change
from gates.report.diff import against_baseline
from gates.writers.markdown_report import measurement_cell


def test_a_relative_row_shows_the_compared_quantity_not_the_raw_baseline_beside_a_percent() -> None:
    growth = compare(
        "total gzip growth",
        12.5,
        "<=",
        10,
        unit="%",
        change_of=Change(quantity="total gzip", unit="B", baseline=108_000, current=121_500),
    )
    baseline, change = against_baseline(growth)
    assert (baseline, change) == ("108 kB", "+13.50 kB")
    cell = measurement_cell(growth)
    assert "total gzip +13.50 kB vs baseline 108 kB" in cell
    assert "53956" not in cell and "pp" not in cell


def test_a_drop_in_points_is_shown_against_the_baseline_percentage() -> None:
    drop = compare(
        "lines drop",
        1.2,
        "<=",
        0.5,
        unit="pp",
        change_of=Change(quantity="lines", unit="%", baseline=80.3, current=79.1),
    )
    assert against_baseline(drop) == ("80.3%", "\u22121.2 pp")


def test_an_absolute_row_compares_with_its_own_baseline() -> None:
    lines = compare("lines", 79.1, ">=", 80, unit="%", baseline=80.3)
    assert against_baseline(lines) == ("80.3%", "\u22121.2 pp")
    assert against_baseline(compare("lines", 79.1, ">=", 80, unit="%")) == ("", "")

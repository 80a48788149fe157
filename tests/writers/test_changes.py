"""The "what changed since the baseline" summary, on the demo's recorded green and red reports."""

from __future__ import annotations

import dataclasses

from gates.measure import compare
from gates.model import Status
from gates.report.codec import load
from gates.writers.changes import changes
from gates.writers.markdown_report import render
from tests.conftest import TESTS

REPORTS = TESTS / "fixtures" / "reports"


def test_red_against_green_names_new_findings_crossed_thresholds_and_largest_changes() -> None:
    green, red = load(REPORTS / "demo-green.json"), load(REPORTS / "demo-red.json")
    c = changes(red, green)
    assert c.has_baseline and c.baseline_commit == green.commit
    new_rules = {f.rule for _, f in c.new_findings}
    assert {"test-failed", "config-public-secret"} <= new_rules
    assert c.fixed_findings is not None
    crossed = {(i.gate, i.measurement.name) for i in c.crossed}
    assert ("bundle", "all JavaScript gzip") in crossed
    assert all(i.measurement.status is not Status.PASS for i in c.crossed)
    assert c.largest and all(d.change for d in c.largest)
    relatives = [d.relative for d in c.largest]
    assert relatives == sorted(relatives, reverse=True)


def test_fixed_findings_are_those_of_the_baseline_that_are_gone() -> None:
    green, red = load(REPORTS / "demo-green.json"), load(REPORTS / "demo-red.json")
    reverse = changes(green, red)  # judged the other way round, red's findings are fixed
    assert reverse.fixed_findings is not None
    assert {"test-failed", "config-public-secret"} <= {f.rule for _, f in reverse.fixed_findings}


def test_without_a_baseline_nothing_is_claimed_new_or_fixed() -> None:
    green = load(REPORTS / "demo-green.json")
    c = changes(green)
    assert not c.has_baseline and c.fixed_findings is None and c.largest == []
    md = render(green)
    assert "### What changed\n" in md and "no baseline report" in md


def test_a_pass_close_to_its_threshold_is_approaching_and_a_miss_is_crossed() -> None:
    green = load(REPORTS / "demo-green.json")
    gate = green.gates[0]
    close = compare("lines", 80.2, ">=", 80, unit="%")
    far = compare("branches", 95, ">=", 70, unit="%")
    miss = compare("functions", 60, ">=", 70, unit="%")
    edited = dataclasses.replace(
        green, gates=(dataclasses.replace(gate, measurements=(close, far, miss)),)
    )
    c = changes(edited)
    assert [i.measurement.name for i in c.approaching] == ["lines"]
    assert [i.measurement.name for i in c.crossed] == ["functions"]


def test_markdown_summary_has_the_section_and_stays_under_githubs_limits() -> None:
    green, red = load(REPORTS / "demo-green.json"), load(REPORTS / "demo-red.json")
    md = render(red, baseline=green)
    assert "### What changed since the baseline" in md
    section = md.split("### What changed since the baseline", 1)[1].split("###", 1)[0]
    assert f"**{len(changes(red, green).new_findings)}** new" in section
    assert "all JavaScript gzip" in section
    assert len(md.encode()) <= 1024 * 1024
    small = render(red, baseline=green, max_bytes=65_536)
    assert len(small.encode()) <= 65_536


def test_a_waiver_that_matched_too_much_or_nothing_is_shown_in_html_and_markdown() -> None:
    from gates.model import WaiverUse
    from gates.writers.html_report import render as render_html

    green = load(REPORTS / "demo-green.json")
    broad = WaiverUse(
        gate="sast",
        match="B101",
        reason="asserts in tests",
        owner="@web",
        expires="2027-01-01",
        used=True,
        expired=False,
        matched=31,
        problem="matched 31 findings, more than max_matches 20",
    )
    report = dataclasses.replace(green, waivers=(broad,))
    assert "matched 31 findings, more than max\\_matches 20" in render(report)
    html = render_html(report)
    assert "31 matched" in html and "more than max_matches 20" in html

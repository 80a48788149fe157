"""gate-report.html in real Chromium (Python Playwright): no console errors, filters work,
markup in a test name stays text, and a screenshot is kept in test-artifacts/report.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gates.writers import write_all
from tests.conftest import REPO
from tests.support.sample_report import SCRIPT, hostile_report

pytestmark = pytest.mark.chromium


@pytest.fixture
def page(browser: Any, tmp_path: Path) -> Iterator[tuple[Any, list[str]]]:
    history = [
        {"gates": {"coverage": {"status": "pass", "measurements": {"lines": v}}}}
        for v in (81.0, 80.6, 80.3)
    ]
    write_all(hostile_report(), tmp_path, ["html", "json"], history=history)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    problems: list[str] = []
    tab.on(
        "console",
        lambda m: (
            problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None
        ),
    )
    tab.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))

    def on_dialog(d: Any) -> None:
        problems.append(f"dialog: {d.message}")
        d.dismiss()

    tab.on("dialog", on_dialog)
    tab.on(
        "request",
        lambda r: (
            problems.append(f"request: {r.url}")
            if not r.url.startswith(("file:", "data:"))
            else None
        ),
    )
    tab.goto((tmp_path / "gate-report.html").as_uri())
    tab.wait_for_load_state("load")
    yield tab, problems
    context.close()


def _visible_rows(tab: Any) -> int:
    return int(tab.locator("tr.finding:visible").count())


def test_opens_without_console_errors_and_markup_stays_text(page: tuple[Any, list[str]]) -> None:
    tab, problems = page
    assert tab.locator("h1").inner_text().startswith("FAIL")
    assert tab.locator("text=" + SCRIPT).count() >= 1  # shown as text
    assert tab.evaluate("document.querySelectorAll('script').length") == 2
    assert tab.evaluate("window.__pwned === undefined")
    assert tab.locator("#f-count").inner_text() == "5 of 5 findings shown"
    assert problems == []


def test_severity_gate_and_waived_filters_hide_rows(page: tuple[Any, list[str]]) -> None:
    tab, problems = page
    assert _visible_rows(tab) == 5
    tab.locator("#f-sev-critical").click()
    assert _visible_rows(tab) == 4
    assert tab.locator("tr.sev-critical").is_hidden()
    assert tab.locator("#f-count").inner_text() == "4 of 5 findings shown"
    tab.select_option("#f-gate", "tests")
    assert _visible_rows(tab) == 1
    tab.select_option("#f-gate", "")
    tab.select_option("#f-waived", "yes")
    assert _visible_rows(tab) == 1
    tab.select_option("#f-new", "new")
    assert _visible_rows(tab) == 0
    tab.locator("#f-reset").click()
    # expect() polls from Playwright's injected script; wait_for_function would need eval,
    # which the report's own CSP (no 'unsafe-eval') rightly refuses.
    from playwright.sync_api import expect

    expect(tab.locator("#f-count")).to_have_text(re.compile(r"^5 of"))
    assert _visible_rows(tab) == 5
    assert problems == []


def test_filters_work_from_the_keyboard(page: tuple[Any, list[str]]) -> None:
    tab, problems = page
    tab.locator("#f-sev-high").focus()
    tab.keyboard.press("Space")
    assert tab.locator("tr.sev-high").is_hidden()
    assert _visible_rows(tab) == 4
    outline = tab.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    assert problems == []


def test_screenshot_kept_as_artifact(page: tuple[Any, list[str]]) -> None:
    tab, problems = page
    out = REPO / "test-artifacts"
    out.mkdir(exist_ok=True)
    tab.screenshot(path=str(out / "report.png"), full_page=True)
    tab.set_viewport_size({"width": 390, "height": 844})
    tab.screenshot(path=str(out / "report-mobile.png"), full_page=False)
    tab.emulate_media(color_scheme="dark")
    tab.screenshot(path=str(out / "report-dark.png"), full_page=False)
    tab.emulate_media(media="print")
    assert tab.locator("#filters").is_hidden()
    assert (out / "report.png").stat().st_size > 10_000
    wide = tab.evaluate("document.documentElement.scrollWidth")
    assert wide <= 400  # no horizontal scrolling of the whole page on a phone
    assert problems == []

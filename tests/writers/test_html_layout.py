"""The release manager's page in real Chromium, on the demo's recorded green and red reports.

The reports in tests/fixtures/reports/ were written by real `gates run` runs of examples/shop-web
(green) and of a defective copy judged against the green one as its baseline (red); see the
README there. At a phone's and a desktop's width: no sideways page scroll, no JSON dumped in a
table cell, no JavaScript error, no serious or critical axe-core violation, and the first
screen answers the release question. Screenshots are kept in test-artifacts/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gates.report.codec import load
from gates.writers import write_all
from tests.conftest import REPO, TESTS, require_component

REPORTS = TESTS / "fixtures" / "reports"
AXE = TESTS / "browser" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "test-artifacts"
pytestmark = pytest.mark.chromium

WIDTHS = (360, 390, 1400, 1600)
CELLS_WITH_JSON = """() => Array.from(document.querySelectorAll('td, th'))
    .map(c => c.innerText.trim()).filter(t => t.startsWith('{"') || t.startsWith('[{'))"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The green and the red report rendered as HTML (red with the green one as baseline)."""
    green, red = load(REPORTS / "demo-green.json"), load(REPORTS / "demo-red.json")
    out: dict[str, Path] = {}
    for name, report, baseline in (("green", green, None), ("red", red, green)):
        folder = tmp_path_factory.mktemp(name)
        write_all(report, folder, ["html", "md"], baseline=baseline)
        out[name] = folder / "gate-report.html"
    return out


def _open(browser: Any, path: Path, width: int, **options: Any) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 900}, **options)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    tab.goto(path.as_uri())
    tab.wait_for_load_state("load")
    return context, tab, problems


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["green", "red"])
def test_no_sideways_scroll_no_json_cells_no_errors(
    browser: Any, pages: dict[str, Path], name: str, width: int
) -> None:
    context, tab, problems = _open(browser, pages[name], width)
    try:
        # open every gate's details, as a reader who clicks through would
        tab.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        scroll = tab.evaluate("document.documentElement.scrollWidth")
        inner = tab.evaluate("window.innerWidth")
        assert scroll <= inner, f"{name} at {width}px scrolls sideways: {scroll} > {inner}"
        assert tab.evaluate(CELLS_WITH_JSON) == []
        assert problems == []
        ARTIFACTS.mkdir(exist_ok=True)
        # Chromium refuses one capture taller than its largest texture (Debian 12's Chromium 150:
        # "Unable to capture screenshot" for the green report with every gate open at 390px)
        height = min(tab.evaluate("document.documentElement.scrollHeight"), 16_000)
        tab.screenshot(
            path=str(ARTIFACTS / f"report-{name}-{width}.png"),
            full_page=True,
            clip={"x": 0, "y": 0, "width": width, "height": height},
        )
    finally:
        context.close()


def test_the_red_report_answers_the_release_question_in_its_first_screen(
    browser: Any, pages: dict[str, Path]
) -> None:
    context, tab, _ = _open(browser, pages["red"], 1400)
    try:
        assert tab.locator("h1").inner_text().startswith("FAIL")
        changed = tab.locator("#changed")
        box = changed.bounding_box()
        assert box is not None and box["y"] < 900, "'What changed' is not on the first screen"
        text = changed.inner_text()
        assert "since the baseline" in text
        assert "new" in text and "fixed" in text
    finally:
        context.close()


@pytest.mark.parametrize("name", ["green", "red"])
def test_axe_core_reports_no_serious_or_critical_violation(
    browser: Any, pages: dict[str, Path], name: str
) -> None:
    require_component(
        "axe-core", AXE.is_file(), "npm ci in tests/browser (.ci/install-system-deps)"
    )
    # The page's CSP admits only its own script: the test bypasses it to inject axe-core.
    context, tab, _ = _open(browser, pages[name], 1400, bypass_csp=True)
    try:
        tab.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = tab.evaluate(
            "async () => { const r = await axe.run(document);"
            " return {violations: r.violations, passes: r.passes.length}; }"
        )
        assert result["passes"] > 10  # axe really ran over the page
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']}"
            for v in result["violations"]
            if v.get("impact") in ("serious", "critical")
        ]
        assert bad == []
    finally:
        context.close()


def test_screenshots_load_without_scrolling_and_print_opens_every_gate(
    browser: Any, pages: dict[str, Path]
) -> None:
    context, tab, problems = _open(browser, pages["green"], 1400)
    try:
        images = tab.evaluate(
            "Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)"
        )
        assert images and all(images), "an image below the fold did not load before scrolling"
        closed = tab.evaluate("document.querySelectorAll('details:not([open])').length")
        assert closed > 0
        ARTIFACTS.mkdir(exist_ok=True)
        tab.pdf(path=str(ARTIFACTS / "report-green.pdf"))  # printing fires beforeprint
        assert tab.evaluate("document.querySelectorAll('article details:not([open])').length") == 0
        tab.emulate_media(media="print")
        assert tab.locator("#filters").is_hidden()
        assert problems == []
    finally:
        context.close()

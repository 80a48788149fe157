"""gate-report.html: escaped, self-contained, verdict first, attention order, generic details."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html as html_lib
import json
import re
from html.parser import HTMLParser

from gates.model import Report, Status
from gates.writers import html_report
from tests.support.sample_report import ANSI, CLOSE, JINJA, SCRIPT, hostile_report


class Page(HTMLParser):
    """Collects elements, attributes, script bodies and text of a rendered page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def test_hostile_strings_are_text_not_markup() -> None:
    html = html_report.render(hostile_report())
    page = parse(html)
    assert [t for t, _ in page.tags].count("script") == 2  # our JSON and our JS, nothing else
    assert not any("onerror" in attrs for _, attrs in page.tags)
    assert not any(tag == "img" and attrs.get("src") == "x" for tag, attrs in page.tags)
    text = "".join(page.text)
    assert SCRIPT in text
    assert CLOSE in text
    assert JINJA in text and "49" not in text.replace("2049", "")
    assert "\x1b" not in html and "red" in text  # ANSI escapes are dropped, the words stay
    assert ANSI not in html


def test_embedded_json_cannot_close_its_script() -> None:
    report = dataclasses.replace(hostile_report(), project=f"p {CLOSE} \u2028")
    html = html_report.render(report)
    page = parse(html)
    data_tags = [a for t, a in page.tags if t == "script" and a.get("type") == "application/json"]
    assert data_tags and data_tags[0]["id"] == "gates-data"
    body = page.scripts[0]
    assert "</" not in body and "<" not in body
    assert json.loads(body)["project"] == f"p {CLOSE} \u2028"


def test_csp_allows_exactly_the_inline_script_and_style() -> None:
    html = html_report.render(hostile_report())
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp
    policy = html_lib.unescape(csp.group(1))
    assert "default-src 'none'" in policy and "img-src data:" in policy
    script = re.search(r"<script>(.*?)</script>", html, re.S)
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert script and style
    for body in (script.group(1), style.group(1)):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


def test_no_external_assets() -> None:
    page = parse(html_report.render(hostile_report()))
    for tag, attrs in page.tags:
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            if tag in ("img", "script", "link", "iframe"):
                assert not value or value.startswith("data:"), (tag, value)
            if tag == "a" and name == "href" and value:
                assert value.startswith(("#", "logs/")), value


def test_verdict_first_then_gates_by_attention() -> None:
    html = html_report.render(hostile_report())
    assert html.index("FAIL</span>") < html.index('id="attention"')
    order = [m.group(1) for m in re.finditer(r'<article class="gate status-(\w+)"', html)]
    assert order == ["error", "fail", "warn", "pass", "skipped"]
    for needle in ("0123456789abcdef", "production", "pre-deploy", "2025-06-01T12:00:00", "41.2 s"):
        assert needle in html


def test_every_non_passing_gate_has_a_reason_line() -> None:
    page = parse(html_report.render(hostile_report()))
    text = "".join(page.text)
    assert "bandit crashed" in text or "Traceback" in text
    assert "lines 79.1% < 80%" in text
    assert "stage post-deploy not run" in text


def test_measurement_baseline_change_and_sparkline() -> None:
    history = [
        {"gates": {"coverage": {"status": "pass", "measurements": {"lines": v}}}}
        for v in (81.0, 80.6, 80.3)
    ]
    html = html_report.render(hostile_report(), history=history)
    assert "−1.2 pp" in html
    assert "+8 kB" in html
    assert 'class="spark"' in html
    assert "trend over 4 runs, from 81 to 79.1" in html
    assert "3 earlier runs" in html


def test_artifacts_png_embedded_svg_as_img_other_types_refused() -> None:
    page = parse(html_report.render(hostile_report()))
    images = [a["src"] or "" for t, a in page.tags if t == "img"]
    assert any(src.startswith("data:image/png;base64,iVBOR") for src in images)
    assert any(src.startswith("data:image/svg+xml;base64,") for src in images)
    assert not any(src.startswith("data:text/html") for src in images)
    assert not any(t == "svg" and "alert" in str(a) for t, a in page.tags)


def test_log_links_relative_only() -> None:
    page = parse(html_report.render(hostile_report()))
    hrefs = [a.get("href") for t, a in page.tags if t == "a"]
    assert "logs/tests.log" in hrefs
    assert not any((h or "").startswith("javascript") for h in hrefs)
    assert "javascript:alert(4)" in "".join(page.text)  # shown, not linked


def test_details_list_of_dicts_is_a_table() -> None:
    html = html_report.render(hostile_report())
    table = re.search(r'<table class="details">.*?</table>', html, re.S)
    assert table and '<th scope="col">file</th>' in table.group(0)
    assert "&lt;script&gt;" in table.group(0)


def test_waivers_with_owner_expiry_and_expired_highlight() -> None:
    html = html_report.render(hostile_report())
    assert 'class="expired"' in html and "old@example.com" in html and "2020-01-01" in html
    assert "sec@example.com" in html


def test_findings_rows_carry_filter_data() -> None:
    page = parse(html_report.render(hostile_report()))
    rows = [a for t, a in page.tags if t == "tr" and "finding" in (a.get("class") or "")]
    assert len(rows) == 5
    assert {r["data-severity"] for r in rows} == {"critical", "high", "medium", "low", "info"}
    assert {r["data-waived"] for r in rows} == {"yes", "no"}
    assert {r["data-new"] for r in rows} == {"new", "known", "unknown"}


def test_minimal_report_renders_every_status() -> None:
    for status in Status:
        report = Report(
            verdict=status,
            environment=None,
            stage="pre-deploy",
            project="p",
            commit=None,
            branch=None,
            started_at="",
            duration_s=0.0,
            checklist_sha256="",
            tool_versions={},
            gates=(),
        )
        html = html_report.render(report)
        assert f"badge-{status.value}" in html
        assert "No findings." in html and "No waivers." in html

"""Critical journeys in real Chromium through Python Playwright's sync API (used by ``smoke``).

One browser per gate run, one fresh context per journey, every wait bounded. An uncaught page
error or a ``console.error`` (unless it matches ``ignore_console``) fails the journey; a
screenshot of the last page, and of the failing step, are returned as PNG bytes. The browser is
closed in ``finally`` whatever happens. Playwright is imported inside :func:`run_journeys` (startup
time); the sync API needs a thread without a running asyncio loop, which a runner worker
thread is.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from gates.errors import ToolError, ToolMissing
from gates.web.bypass import bypass_headers

LAUNCH_ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
STEP_KINDS = (
    "goto",
    "click",
    "fill",
    "press",
    "expect_visible",
    "expect_text",
    "expect_url",
    "wait_for",
)


@dataclass
class JourneyResult:
    """What one journey did."""

    name: str
    passed: bool = True
    failed_step: int | None = None
    """0-based index of the step that failed."""
    error: str = ""
    steps_run: int = 0
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    screenshots: list[tuple[str, bytes]] = field(default_factory=list)
    """``(title, PNG bytes)``: the failing step's page, then the last page."""
    final_url: str = ""
    duration_s: float = 0.0


def describe(step: dict[str, Any]) -> str:
    """``click #submit`` style text for a step (values of ``fill`` are not shown)."""
    kind = next(iter(step))
    arg = step[kind]
    if kind == "fill" and isinstance(arg, dict):
        return f"fill {arg.get('selector')}"
    if isinstance(arg, dict):
        return f"{kind} " + " ".join(f"{k}={v}" for k, v in arg.items())
    return f"{kind} {arg}"


def _step(page: Any, step: dict[str, Any], base_url: str, timeout_ms: float) -> None:
    ((kind, arg),) = step.items()
    if kind == "goto":
        response = page.goto(
            urljoin(base_url.rstrip("/") + "/", str(arg).lstrip("/")),
            wait_until="load",
            timeout=timeout_ms,
        )
        if response is not None and response.status >= 400:
            raise AssertionError(f"goto {arg}: HTTP {response.status}")
    elif kind == "click":
        page.click(str(arg), timeout=timeout_ms)
    elif kind == "fill":
        page.fill(arg["selector"], str(arg["value"]), timeout=timeout_ms)
    elif kind == "press":
        page.press(arg["selector"], arg["key"], timeout=timeout_ms)
    elif kind in ("expect_visible", "wait_for"):
        page.wait_for_selector(str(arg), state="visible", timeout=timeout_ms)
    elif kind == "expect_text":
        loc = page.locator(arg["selector"]).first
        loc.wait_for(state="visible", timeout=timeout_ms)
        deadline = time.monotonic() + timeout_ms / 1000
        while str(arg["text"]) not in (loc.text_content(timeout=timeout_ms) or ""):
            if time.monotonic() > deadline:
                raise AssertionError(f"{arg['selector']} does not contain {arg['text']!r}")
            page.wait_for_timeout(100)
    elif kind == "expect_url":
        page.wait_for_url(re.compile(re.escape(str(arg)) + r"(?:[?#].*)?$"), timeout=timeout_ms)
    else:
        raise ValueError(f"unknown step {kind!r}; known: {', '.join(STEP_KINDS)}")


def _journey(
    browser: Any,
    journey: dict[str, Any],
    base_url: str,
    timeout_ms: float,
    ignore: Sequence[re.Pattern[str]],
    bypass: str | None = None,
) -> JourneyResult:
    result = JourneyResult(name=str(journey["name"]))
    started = time.perf_counter()
    context = browser.new_context(ignore_https_errors=False)
    if bypass:
        # Per request, not extra_http_headers: those would go to every third-party host too.
        def add_bypass(route: Any, request: Any) -> None:
            extra = bypass_headers(bypass, request.url, [base_url], browser=True)
            route.continue_(headers={**request.headers, **extra} if extra else None)

        context.route("**/*", add_bypass)
    try:
        page = context.new_page()
        page.set_default_timeout(timeout_ms)

        def on_console(message: Any) -> None:
            if message.type == "error" and not any(p.search(message.text) for p in ignore):
                result.console_errors.append(message.text[:500])

        page.on("console", on_console)
        page.on("pageerror", lambda exc: result.page_errors.append(str(exc)[:500]))
        for index, step in enumerate(journey["steps"]):
            try:
                _step(page, step, base_url, timeout_ms)
                page.wait_for_timeout(50)  # let late console/page errors of this step arrive
            except Exception as exc:
                result.passed = False
                result.failed_step = index
                result.error = f"step {index + 1} ({describe(step)}): {_short(exc)}"
                result.screenshots.append((f"{result.name}: failing step {index + 1}", _shot(page)))
                break
            result.steps_run = index + 1
            if result.page_errors or result.console_errors:
                result.passed = False
                result.failed_step = index
                kind = "uncaught page error" if result.page_errors else "console error"
                first = (result.page_errors or result.console_errors)[0]
                result.error = f"step {index + 1} ({describe(step)}): {kind}: {first}"
                result.screenshots.append((f"{result.name}: failing step {index + 1}", _shot(page)))
                break
        result.final_url = page.url
        result.screenshots.append((f"{result.name}: last page", _shot(page)))
    finally:
        context.close()
        result.duration_s = time.perf_counter() - started
    return result


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def _shot(page: Any) -> bytes:
    try:
        data: bytes = page.screenshot(full_page=True, timeout=10000)
        return data
    except Exception:
        return b""


def run_journeys(
    journeys: Sequence[dict[str, Any]],
    base_url: str,
    *,
    executable_path: str,
    timeout_s: float,
    ignore_console: Sequence[str] = (),
    extra_args: Sequence[str] = (),
    bypass: str | None = None,
) -> tuple[list[JourneyResult], str]:
    """Run every journey in one Chromium; returns results and the browser version."""
    import os
    from pathlib import Path

    if not Path(executable_path).exists():
        raise ToolMissing(f"Chromium not found at {executable_path} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise ToolMissing(f"Python Playwright is not installed ({exc})") from None
    args = list(LAUNCH_ARGS) + list(extra_args)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    patterns = [re.compile(p) for p in ignore_console]
    results: list[JourneyResult] = []
    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(
                executable_path=executable_path, headless=True, args=args, timeout=timeout_s * 1000
            )
        except Exception as exc:
            raise ToolError(f"Chromium did not start: {_short(exc)}") from None
        try:
            version = str(browser.version)
            for journey in journeys:
                results.append(
                    _journey(browser, journey, base_url, timeout_s * 1000, patterns, bypass)
                )
        finally:
            browser.close()
    return results, version

"""The work behind ``smoke``: HTTP checks with retries, the live-commit check, journeys."""

from __future__ import annotations

import base64
import json
import re
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from gates.checks.base import Rule, chromium_path
from gates.errors import InputError
from gates.fingerprint import fingerprint
from gates.measure import compare
from gates.model import Artifact, Finding, Location, Severity
from gates.web.bypass import bypass_headers
from gates.web.fetch import FetchError, Response, fetch

if TYPE_CHECKING:
    from gates.checks.base import GateContext, GateOutcome
    from gates.checks.smoke.options import HttpCheck, SmokeOptions, VersionCheck

RULES = (
    Rule(
        "smoke-check-failed",
        Severity.HIGH,
        "Smoke check failed",
        "The live deployment did not answer as expected (status, latency or content).",
        "Roll back, then reproduce against the preview deployment.",
    ),
    Rule(
        "smoke-wrong-version",
        Severity.CRITICAL,
        "Deployment serves another commit",
        "The URL still serves a previous build: every other check judged the wrong code.",
        "Wait for the deployment to finish or point --url at the new deployment.",
    ),
    Rule(
        "smoke-journey-failed",
        Severity.HIGH,
        "Critical journey failed in Chromium",
        "A user path (sign-in, checkout…) breaks or logs errors in a real browser.",
        "Open the screenshot in the report; reproduce with the same steps.",
    ),
)
_PATH = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]|\[['\"]([^'\"]+)['\"]\]")
_MISSING = object()


def json_path(document: Any, path: str) -> Any:
    """The value at ``$.a.b[0]['c']`` (``_MISSING`` sentinel when absent)."""
    if not path.startswith("$"):
        raise InputError(f"JSON path {path!r} must start with $")
    current = document
    rest = path[1:]
    pos = 0
    while pos < len(rest):
        match = _PATH.match(rest, pos)
        if match is None:
            raise InputError(f"JSON path {path!r}: cannot read {rest[pos:]!r}")
        key, index, quoted = match.groups()
        pos = match.end()
        if index is not None:
            if not isinstance(current, list) or int(index) >= len(current):
                return _MISSING
            current = current[int(index)]
        else:
            name = key or quoted
            if not isinstance(current, dict) or name not in current:
                return _MISSING
            current = current[name]
    return current


def absolute(base: str, target: str) -> str:
    """``target`` as an absolute URL (paths resolve against ``base``)."""
    if urlsplit(target).scheme:
        return target
    return urljoin(base.rstrip("/") + "/", target.lstrip("/"))


def _judge(check: HttpCheck, resp: Response) -> str | None:
    """Why the response fails the check, or ``None``."""
    wanted = check.status if isinstance(check.status, list) else [check.status]
    if resp.status not in wanted:
        return f"status {resp.status}, expected {' or '.join(map(str, wanted))}"
    if check.max_ms is not None and resp.elapsed_ms > check.max_ms:
        return f"{resp.elapsed_ms:.0f} ms > {check.max_ms:g} ms"
    text = resp.body.decode("utf-8", "replace")
    if check.contains is not None and check.contains not in text:
        return f"body does not contain {check.contains!r}"
    if check.json_ is not None:
        try:
            document = json.loads(text)
        except ValueError:
            return "body is not JSON"
        value = json_path(document, check.json_.path)
        if value is _MISSING:
            return f"{check.json_.path} is missing"
        if check.json_.equals is not None and value != check.json_.equals:
            return (
                f"{check.json_.path} is {json.dumps(value)[:80]}, expected "
                f"{json.dumps(check.json_.equals)[:80]}"
            )
    return None


def _attempts(retries: int, backoff: float) -> list[float]:
    return [0.0] + [backoff * 2**i for i in range(retries)]


def _finding(rule: str, item: str, where: str, message: str, data: dict[str, Any]) -> Finding:
    severity = Severity.CRITICAL if rule == "smoke-wrong-version" else Severity.HIGH
    return Finding(
        rule=rule,
        severity=severity,
        message=message,
        location=Location(where),
        fingerprint=fingerprint(rule, where, "", item),
        blocks=True,
        title=next(r.title for r in RULES if r.id == rule),
        data={"item": item, **data},
    )


def run_checks(options: SmokeOptions, base: str, out: GateOutcome) -> None:
    """Every HTTP check, retried with exponential backoff; latency measured on the last try."""
    rows = []
    for number, check in enumerate(options.checks, start=1):
        url = absolute(base, check.target)
        why: str | None = "not run"
        resp: Response | None = None
        tries = 0
        for wait in _attempts(check.retries, check.backoff):
            time.sleep(wait)
            tries += 1
            try:
                resp = fetch(
                    url,
                    method=check.method,
                    body=(check.body or "").encode() or None,
                    headers={
                        **check.headers,
                        **bypass_headers(options.protection_bypass, url, [base]),
                    },
                    timeout=options.request_timeout,
                )
                why = _judge(check, resp)
                if urlsplit(resp.url).hostname != urlsplit(url).hostname:
                    # a 200 from another host (an SSO wall, a parked domain) is not this app's
                    why = f"redirected to another host: {resp.url}"
            except FetchError as exc:
                resp, why = None, str(exc)
            if why is None:
                break
        item = f"{check.method} {check.target}"
        rows.append(
            {
                "check": item,
                "url": url,
                "ok": why is None,
                "attempts": tries,
                "status": resp.status if resp else None,
                "ms": round(resp.elapsed_ms, 1) if resp else None,
                "problem": why,
            }
        )
        if resp is not None and check.max_ms is not None:
            out.measurements.append(
                compare(f"{item} latency", round(resp.elapsed_ms, 1), "<=", check.max_ms, unit="ms")
            )
        if why is not None:
            out.findings.append(
                _finding(
                    "smoke-check-failed",
                    item,
                    url,
                    f"{item}: {why} (after {tries} attempt{'s' if tries > 1 else ''})",
                    {"attempts": tries, "check": number},
                )
            )
    out.details["checks"] = rows


def _live_commit(version: VersionCheck, resp: Response) -> str | None:
    if version.header:
        return resp.header(version.header)
    if version.json_:
        try:
            value = json_path(json.loads(resp.body), version.json_)
        except ValueError:
            return None
        return None if value is _MISSING else str(value)
    return resp.body.decode("utf-8", "replace").strip()[:200] or None


def _same(live: str, expected: str) -> bool:
    a, b = live.strip().lower(), expected.strip().lower()
    return a == b or (min(len(a), len(b)) >= 7 and (a.startswith(b) or b.startswith(a)))


def run_version(
    version: VersionCheck,
    base: str,
    commit: str | None,
    timeout: float,
    out: GateOutcome,
    bypass: str | None = None,
) -> None:
    """The deployment must serve the expected commit (fails closed when none is known)."""
    expected = version.equals or commit
    url = absolute(base, version.get)
    if not expected:
        out.findings.append(
            _finding(
                "smoke-wrong-version",
                "version",
                url,
                "no commit to compare with: the run has no commit and version.equals is empty",
                {},
            )
        )
        return
    live: str | None = None
    problem = ""
    for wait in _attempts(version.retries, version.backoff):
        time.sleep(wait)
        try:
            headers = bypass_headers(bypass, url, [base])
            live = _live_commit(version, fetch(url, headers=headers, timeout=timeout))
        except FetchError as exc:
            live, problem = None, str(exc)
        if live is not None and _same(live, expected):
            break
    out.details["version"] = {"url": url, "expected": expected, "live": live}
    if live is None or not _same(live, expected):
        shown = live[:40] if live else (problem or "nothing")
        out.findings.append(
            _finding(
                "smoke-wrong-version",
                "version",
                url,
                f"live deployment serves {shown!r}, expected commit "
                f"{expected[:12]} (previous deployment still live?)",
                {"expected": expected, "live": live},
            )
        )


def run_journey_block(options: SmokeOptions, base: str, ctx: GateContext, out: GateOutcome) -> None:
    """Run the journeys in Chromium; findings, screenshots (report + artifacts dir)."""
    from gates.checks.smoke.browser import run_journeys

    journeys = [j.model_dump() for j in options.journeys]
    results, version = run_journeys(
        journeys,
        base,
        executable_path=chromium_path(ctx.environ, options.executable_path),
        timeout_s=options.step_timeout,
        ignore_console=options.ignore_console,
        extra_args=options.browser_args,
        bypass=options.protection_bypass,
    )
    rows = []
    for number, result in enumerate(results, start=1):
        for index, (title, png) in enumerate(result.screenshots):
            if not png:
                continue
            path = ctx.artifacts_dir / f"journey-{number}-{index + 1}.png"
            path.write_bytes(png)
            out.artifacts.append(
                Artifact(
                    kind="screenshot",
                    title=title,
                    media_type="image/png",
                    data_base64=base64.b64encode(png).decode("ascii"),
                    path=str(path.relative_to(ctx.out_dir)),
                )
            )
        rows.append(
            {
                "journey": result.name,
                "passed": result.passed,
                "steps": result.steps_run,
                "error": result.error,
                "console_errors": result.console_errors,
                "page_errors": result.page_errors,
                "final_url": result.final_url,
                "duration_s": round(result.duration_s, 2),
            }
        )
        if not result.passed:
            out.findings.append(
                _finding(
                    "smoke-journey-failed",
                    f"journey {result.name}",
                    absolute(base, "/"),
                    f"journey '{result.name}': {result.error}",
                    {"failed_step": result.failed_step},
                )
            )
    out.details["journeys"] = rows
    out.details["chromium"] = version
    if version:
        out.tool_versions["chromium"] = str(version)

"""``headers``: security headers of the live deployment, graded like the MDN HTTP Observatory.

Example::

    headers:
      type: headers
      stage: post-deploy
      url: ${DEPLOY_URL}          # or urls: [/, /login] (relative to --url); empty: --url
      min_score: 70               # Observatory score (grade B); default 70
      require: [hsts, csp, nosniff, framing]   # tests that must pass whatever the score
      timeout_per_request: 15s

Each URL is fetched with the standard library (redirects followed and recorded, at most 10,
bounded time) with an ``Origin`` probe header to catch a reflected CORS origin. For an https
target the ``http://`` variant is fetched too, and the redirection test checks it goes to https
on the same host first. Measurements: the score per URL against ``min_score`` and the count of
required tests failing. Findings: one per failed test, rule = the Observatory test name,
``data.result`` = its result id. A URL that cannot be fetched, or answers 5xx, is an ``error``:
no headers, no pass.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urljoin, urlsplit

from pydantic import Field

from gates.checks.base import Check, Duration, GateContext, GateOutcome, OptionsBase, StrList
from gates.measure import compare
from gates.model import Status
from gates.web.bypass import bypass_headers
from gates.web.fetch import FetchError, fetch, redirect_chain
from gates.web.findings import (
    HEADER_RULES,
    grade_findings,
    missing_required,
    score_measurement,
    table,
)
from gates.web.grade import HeaderInput, Redirect, analyze, canonical_test

PROBE_ORIGIN = "https://gates-cors-probe.invalid"


class HeadersOptions(OptionsBase):
    """Options of the ``headers`` gate."""

    type: Literal["headers"] = "headers"
    stage: Literal["pre-deploy", "post-deploy"] = "post-deploy"
    url: str | None = Field(default=None, description="URL to grade; empty: the run's --url")
    urls: StrList = Field(default_factory=list, description="Several URLs or paths (vs --url)")
    min_score: int | None = Field(default=70, description="Lowest Observatory score accepted")
    require: StrList = Field(default_factory=list, description="Tests that must pass: hsts, csp…")
    check_redirect: bool = Field(default=True, description="Fetch http:// for https targets")
    timeout_per_request: Duration = Field(default=15.0, description="Deadline per URL")
    protection_bypass: str | None = Field(
        default=None,
        description="Vercel Deployment Protection bypass secret, sent only to the graded URLs",
    )


def targets(options: HeadersOptions, base: str | None) -> list[str]:
    """Absolute URLs to grade; relative entries resolve against ``base`` (the run's --url)."""
    raw = ([options.url] if options.url else []) + list(options.urls)
    if not raw:
        if not base:
            raise ValueError("no URL: set url/urls or pass --url (DEPLOY_URL)")
        return [base]
    found = []
    for item in raw:
        if urlsplit(item).scheme:
            found.append(item)
        elif base:
            found.append(urljoin(base.rstrip("/") + "/", item.lstrip("/")))
        else:
            raise ValueError(f"{item}: relative URL but no --url was given")
    return found


def evaluate(options: HeadersOptions, ctx: GateContext) -> GateOutcome:
    """Fetch and grade every target URL."""
    try:
        for name in options.require:
            canonical_test(name)
        urls = targets(options, ctx.url)
    except ValueError as exc:
        return GateOutcome.failed_closed(str(exc))
    out = GateOutcome()
    if options.protection_bypass:
        out.secrets.append(options.protection_bypass)
    rows: list[dict[str, object]] = []
    for url in urls:
        error = _grade_url(url, options, out, rows)
        if error:
            out.status = Status.ERROR
            out.error = error
            out.summary = error
    out.details["urls"] = rows
    if out.status is None:
        worst = min(rows, key=lambda r: int(str(r["score"])))
        out.summary = f"score {worst['score']} ({worst['grade']}) for {worst['url']}" + (
            f" and {len(rows) - 1} more" if len(rows) > 1 else ""
        )
    return out


def _grade_url(
    url: str, options: HeadersOptions, out: GateOutcome, rows: list[dict[str, object]]
) -> str | None:
    try:
        resp = fetch(
            url,
            headers={
                "Origin": PROBE_ORIGIN,
                **bypass_headers(options.protection_bypass, url, [url]),
            },
            timeout=options.timeout_per_request,
        )
    except FetchError as exc:
        return f"cannot fetch {url}: {exc}"
    if resp.status >= 500:
        return f"{url} answered {resp.status}: cannot judge headers of an error page"
    redirect = None
    if options.check_redirect and urlsplit(resp.url).scheme == "https":
        chain, problem = redirect_chain(url, timeout=options.timeout_per_request)
        redirect = Redirect(tuple(chain), refused=problem == "refused", cert_error=problem == "tls")
    elif urlsplit(url).scheme == "http" and urlsplit(resp.url).scheme == "https":
        redirect = Redirect(tuple(h.url for h in resp.hops))
    grade = analyze(
        HeaderInput(
            url=resp.url, headers=resp.headers, redirect=redirect, cors_probe_origin=PROBE_ORIGIN
        )
    )
    out.findings.extend(grade_findings(grade, url, options.require))
    name = "score" if not rows else f"score {url}"
    out.measurements.append(score_measurement(grade, options.min_score, name))
    if options.require:
        missing = missing_required(grade, options.require)
        out.measurements.append(
            compare(
                "required tests failing" if not rows else f"required tests failing {url}",
                len(missing),
                "<=",
                0,
                message=f"required tests failing: {', '.join(missing) or 'none'}",
            )
        )
    rows.append(
        {
            "url": url,
            "final_url": resp.url,
            "status": resp.status,
            "score": grade.score,
            "grade": grade.grade,
            "redirects": [{"url": h.url, "status": h.status} for h in resp.hops],
            "http_redirect_chain": list(redirect.chain) if redirect else [],
            "tests": table(grade),
        }
    )
    return None


CHECK = Check(
    type="headers",
    options=HeadersOptions,
    evaluate=evaluate,
    rules=HEADER_RULES,
    summary="Security headers of live URLs, scored like the MDN HTTP Observatory",
    security=True,
)

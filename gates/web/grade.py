"""Security-header rules shared by the ``headers`` (live responses) and ``config`` (vercel.json,
svelte.config.js) gates, scored the way the current MDN HTTP Observatory scores a site.

Scoring (``mdn/mdn-http-observatory`` ``src/scanner/index.js`` and ``src/grader/charts.js``):
start at 100, add each test's penalty; bonuses (positive modifiers) count only when the score
from penalties alone is at least 90; floor 0; grade from ``min(score - score % 5, 100)`` in
:data:`GRADE_CHART`. Test names and result ids are the Observatory's. Differences, on purpose:

- ``hsts-preloaded`` (+5) needs the browsers' preload list, which gates does not download; a
  ``preload``-ready header scores as "at least six months" (0).
- subresource-integrity and the COEP/CORP tests need the HTML body / are not asked for; not scored.
- ``permissions-policy`` is reported (pass when set) but, like the Observatory, not scored.
- ``redirection`` is scored only when the HTTP variant was fetched (``headers`` gate, https
  targets); configuration files cannot show it.
- an ``http://`` loopback target (a test server, a preview) is judged on its headers as if served
  over TLS: HSTS is ignored by browsers on plain http, but the header is what the deploy will send.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from gates.web import cookies as http_cookies
from gates.web import csp

MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90
GRADE_CHART = {
    100: "A+",
    95: "A",
    90: "A",
    85: "A-",
    80: "B+",
    75: "B",
    70: "B",
    65: "B-",
    60: "C+",
    55: "C",
    50: "C",
    45: "C-",
    40: "D+",
    35: "D",
    30: "D",
    25: "D-",
    20: "F",
    15: "F",
    10: "F",
    5: "F",
    0: "F",
}
SIX_MONTHS = 15552000
"""Seconds; the MDN Observatory's threshold for HSTS max-age (a white lie for 182.5 days)."""

MODIFIERS: dict[str, int] = {
    "csp-implemented-with-no-unsafe-default-src-none": 10,
    "csp-implemented-with-no-unsafe": 5,
    "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
    "csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
    "csp-implemented-with-unsafe-eval": -10,
    "csp-implemented-with-unsafe-inline": -20,
    "csp-implemented-with-insecure-scheme": -20,
    "csp-header-invalid": -25,
    "csp-not-implemented": -25,
    "csp-not-implemented-but-reporting-enabled": -25,
    "cookies-secure-with-httponly-sessions-and-samesite": 5,
    "cookies-secure-with-httponly-sessions": 0,
    "cookies-not-found": 0,
    "cookies-without-secure-flag-but-protected-by-hsts": -5,
    "cookies-session-without-secure-flag-but-protected-by-hsts": -10,
    "cookies-without-secure-flag": -20,
    "cookies-samesite-flag-invalid": -20,
    "cookies-anticsrf-without-samesite-flag": -20,
    "cookies-session-without-httponly-flag": -30,
    "cookies-session-without-secure-flag": -40,
    "cross-origin-resource-sharing-not-implemented": 0,
    "cross-origin-resource-sharing-implemented-with-public-access": 0,
    "cross-origin-resource-sharing-implemented-with-restricted-access": 0,
    "cross-origin-resource-sharing-implemented-with-universal-access": -50,
    "redirection-to-https": 0,
    "redirection-not-needed-no-http": 0,
    "redirection-off-host-from-http": -5,
    "redirection-not-to-https-on-initial-redirection": -10,
    "redirection-not-to-https": -20,
    "redirection-missing": -20,
    "redirection-invalid-cert": -20,
    "redirection-not-checked": 0,
    "referrer-policy-private": 5,
    "referrer-policy-not-implemented": 0,
    "referrer-policy-unsafe": -5,
    "referrer-policy-header-invalid": -5,
    "hsts-implemented-max-age-at-least-six-months": 0,
    "hsts-implemented-max-age-less-than-six-months": -10,
    "hsts-not-implemented": -20,
    "hsts-header-invalid": -20,
    "hsts-not-implemented-no-https": -20,
    "x-content-type-options-nosniff": 0,
    "x-content-type-options-not-implemented": -5,
    "x-content-type-options-header-invalid": -5,
    "x-frame-options-implemented-via-csp": 5,
    "x-frame-options-sameorigin-or-deny": 5,
    "x-frame-options-allow-from-origin": 0,
    "x-frame-options-not-implemented": -20,
    "x-frame-options-header-invalid": -20,
    "permissions-policy-implemented": 0,
    "permissions-policy-not-implemented": 0,
}

TESTS = (
    "content-security-policy",
    "cookies",
    "cross-origin-resource-sharing",
    "redirection",
    "referrer-policy",
    "strict-transport-security",
    "x-content-type-options",
    "x-frame-options",
    "permissions-policy",
)
ALIASES = {
    "csp": "content-security-policy",
    "hsts": "strict-transport-security",
    "nosniff": "x-content-type-options",
    "xcto": "x-content-type-options",
    "framing": "x-frame-options",
    "xfo": "x-frame-options",
    "referrer": "referrer-policy",
    "cors": "cross-origin-resource-sharing",
    "https-redirect": "redirection",
    "permissions": "permissions-policy",
}
_PRIVATE_REFERRER = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}
_UNSAFE_REFERRER = {
    "origin",
    "origin-when-cross-origin",
    "unsafe-url",
    "no-referrer-when-downgrade",
}


def canonical_test(name: str) -> str:
    """A test's canonical Observatory name from a checklist alias (``hsts``, ``csp``…)."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in TESTS:
        raise ValueError(
            f"unknown header test {name!r}; known: {', '.join(TESTS)} or "
            f"{', '.join(sorted(ALIASES))}"
        )
    return key


@dataclass(frozen=True)
class Redirect:
    """What fetching the ``http://`` variant of a site showed: each hop's URL, in order."""

    chain: tuple[str, ...]
    """Every URL visited, starting with the http:// one, ending with the final one."""
    refused: bool = False
    """The http:// port did not answer (no redirection needed)."""
    cert_error: bool = False


@dataclass(frozen=True)
class HeaderInput:
    """Headers to judge: from a live response or a configuration file."""

    url: str
    """Where they apply (scheme decides HSTS/insecure-source tests); configs use https://."""
    headers: Mapping[str, Sequence[str]]
    """Lower-case header name → every value (Set-Cookie stays one value per cookie)."""
    redirect: Redirect | None = None
    cors_probe_origin: str | None = None
    """The Origin header sent with the request, to catch a reflected Allow-Origin."""


@dataclass(frozen=True)
class TestResult:
    """One Observatory test on one response."""

    test: str
    result: str
    passed: bool
    modifier: int
    issues: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grade:
    """Score, grade and every test."""

    score: int
    grade: str
    tests: tuple[TestResult, ...] = field(default_factory=tuple)

    def get(self, test: str) -> TestResult:
        """The result of one test by canonical name."""
        return next(t for t in self.tests if t.test == test)


def _values(inp: HeaderInput, name: str) -> list[str]:
    return [v for v in inp.headers.get(name, ()) if v is not None]


def _is_https(inp: HeaderInput) -> bool:
    parts = urlsplit(inp.url)
    return parts.scheme == "https" or (parts.hostname or "") in ("127.0.0.1", "localhost", "::1")


def _result(test: str, result: str, passed: bool, issues: Sequence[str] = ()) -> TestResult:
    return TestResult(test, result, passed, MODIFIERS[result], tuple(issues))


def hsts(inp: HeaderInput) -> TestResult:
    """Strict-Transport-Security: max-age >= six months; includeSubDomains/preload noted."""
    name = "strict-transport-security"
    if not _is_https(inp):
        return _result(
            name, "hsts-not-implemented-no-https", False, ["site is not served over https"]
        )
    values = _values(inp, "strict-transport-security")
    if not values:
        return _result(name, "hsts-not-implemented", False, ["no Strict-Transport-Security header"])
    directives: dict[str, str] = {}
    for part in values[0].split(";"):
        key, _, value = part.strip().partition("=")
        if key:
            directives[key.strip().lower()] = value.strip().strip('"')
    try:
        max_age = int(directives["max-age"])
    except (KeyError, ValueError):
        return _result(name, "hsts-header-invalid", False, ["max-age missing or not a number"])
    notes = []
    if "includesubdomains" not in directives:
        notes.append("includeSubDomains not set")
    if max_age < SIX_MONTHS:
        return _result(
            name,
            "hsts-implemented-max-age-less-than-six-months",
            False,
            [f"max-age={max_age} is below six months ({SIX_MONTHS})", *notes],
        )
    if "preload" in directives and max_age < 31536000:
        notes.append("preload needs max-age >= 31536000")
    return _result(name, "hsts-implemented-max-age-at-least-six-months", True, notes)


def content_security_policy(inp: HeaderInput) -> TestResult:
    """CSP parsed directive by directive (:mod:`gates.web.csp`)."""
    verdict = csp.evaluate(
        _values(inp, "content-security-policy"),
        https=urlsplit(inp.url).scheme == "https" or _is_https(inp),
        report_only=bool(_values(inp, "content-security-policy-report-only")),
    )
    return _result("content-security-policy", verdict.result, verdict.passed, verdict.issues)


def x_content_type_options(inp: HeaderInput) -> TestResult:
    """``nosniff`` exactly (first value)."""
    name = "x-content-type-options"
    values = _values(inp, "x-content-type-options")
    if not values:
        return _result(name, "x-content-type-options-not-implemented", False, ["header missing"])
    if values[0].strip().lower() != "nosniff":
        return _result(
            name, "x-content-type-options-header-invalid", False, ["value is not nosniff"]
        )
    return _result(name, "x-content-type-options-nosniff", True)


def x_frame_options(inp: HeaderInput) -> TestResult:
    """Framing: CSP ``frame-ancestors`` (preferred) or X-Frame-Options DENY/SAMEORIGIN."""
    name = "x-frame-options"
    if csp.frame_ancestors_restricted(_values(inp, "content-security-policy")):
        return _result(name, "x-frame-options-implemented-via-csp", True)
    values = _values(inp, "x-frame-options")
    if not values:
        return _result(
            name,
            "x-frame-options-not-implemented",
            False,
            ["neither X-Frame-Options nor CSP frame-ancestors restricts framing"],
        )
    value = values[0].strip().lower()
    if value in ("deny", "sameorigin"):
        return _result(name, "x-frame-options-sameorigin-or-deny", True)
    if value.startswith("allow-from "):
        return _result(
            name,
            "x-frame-options-allow-from-origin",
            True,
            ["ALLOW-FROM is ignored by current browsers; use frame-ancestors"],
        )
    return _result(name, "x-frame-options-header-invalid", False, [f"unrecognised value {value!r}"])


def referrer_policy(inp: HeaderInput) -> TestResult:
    """Referrer-Policy: the last recognised token of the list wins, as in browsers."""
    name = "referrer-policy"
    values = _values(inp, "referrer-policy")
    if not values:
        return _result(name, "referrer-policy-not-implemented", True, ["header missing"])
    tokens = [t.strip().lower() for v in values for t in v.split(",") if t.strip()]
    known = [t for t in tokens if t in _PRIVATE_REFERRER | _UNSAFE_REFERRER]
    if not known:
        return _result(name, "referrer-policy-header-invalid", False, ["no recognised policy"])
    if known[-1] in _UNSAFE_REFERRER:
        return _result(name, "referrer-policy-unsafe", False, [f"{known[-1]} leaks URLs"])
    return _result(name, "referrer-policy-private", True)


def permissions_policy(inp: HeaderInput) -> TestResult:
    """Permissions-Policy present (not scored by the Observatory)."""
    if _values(inp, "permissions-policy"):
        return _result("permissions-policy", "permissions-policy-implemented", True)
    notes = ["Permissions-Policy missing"]
    if _values(inp, "feature-policy"):
        notes.append("Feature-Policy is obsolete; use Permissions-Policy")
    return _result("permissions-policy", "permissions-policy-not-implemented", False, notes)


def cors(inp: HeaderInput) -> TestResult:
    """Access-Control-Allow-Origin: ``*`` or a reflected origin together with credentials."""
    name = "cross-origin-resource-sharing"
    origins = [v.strip() for v in _values(inp, "access-control-allow-origin")]
    if not origins:
        return _result(name, "cross-origin-resource-sharing-not-implemented", True)
    credentials = any(
        v.strip().lower() == "true" for v in _values(inp, "access-control-allow-credentials")
    )
    reflected = inp.cors_probe_origin is not None and inp.cors_probe_origin in origins
    if credentials and ("*" in origins or reflected):
        why = "reflects any Origin" if reflected else "is * with credentials allowed"
        return _result(
            name,
            "cross-origin-resource-sharing-implemented-with-universal-access",
            False,
            [f"Access-Control-Allow-Origin {why}"],
        )
    if "*" in origins:
        return _result(name, "cross-origin-resource-sharing-implemented-with-public-access", True)
    return _result(name, "cross-origin-resource-sharing-implemented-with-restricted-access", True)


def redirection(inp: HeaderInput) -> TestResult:
    """HTTP → HTTPS: the first hop goes to https on the same host, the last is https."""
    name = "redirection"
    red = inp.redirect
    if red is None:
        return _result(name, "redirection-not-checked", True)
    if red.cert_error:
        return _result(name, "redirection-invalid-cert", False, ["certificate error"])
    if red.refused:
        return _result(name, "redirection-not-needed-no-http", True)
    chain = [urlsplit(u) for u in red.chain]
    if len(chain) < 2:
        return _result(name, "redirection-missing", False, [f"{red.chain[0]} does not redirect"])
    first, final = chain[1], chain[-1]
    if final.scheme != "https":
        return _result(name, "redirection-not-to-https", False, [f"ends at {red.chain[-1]}"])
    if first.scheme != "https":
        return _result(
            name,
            "redirection-not-to-https-on-initial-redirection",
            False,
            [f"first hop is {red.chain[1]}"],
        )
    if first.hostname != chain[0].hostname:
        return _result(
            name,
            "redirection-off-host-from-http",
            False,
            [f"first hop leaves the host: {red.chain[1]}"],
        )
    return _result(name, "redirection-to-https", True)


def cookies(inp: HeaderInput, *, hsts_passed: bool) -> TestResult:
    """Secure / HttpOnly (sessions) / SameSite (:mod:`gates.web.cookies`)."""
    result, passed, issues = http_cookies.judge(_values(inp, "set-cookie"), hsts=hsts_passed)
    return _result("cookies", result, passed, issues)


def grade_of(score: int) -> str:
    """Observatory grade letter for a score."""
    return GRADE_CHART[min(score - score % 5, 100)]


def score(results: Sequence[TestResult]) -> int:
    """100 + penalties; bonuses only when that is >= 90; floor 0."""
    uncurved = 100 + sum(r.modifier for r in results if r.modifier < 0)
    total = uncurved
    if uncurved >= MINIMUM_SCORE_FOR_EXTRA_CREDIT:
        total += sum(r.modifier for r in results if r.modifier > 0)
    return max(total, 0)


def analyze(inp: HeaderInput) -> Grade:
    """Run every test on one set of headers and grade it."""
    strict = hsts(inp)
    results = (
        content_security_policy(inp),
        cookies(inp, hsts_passed=strict.passed),
        cors(inp),
        redirection(inp),
        referrer_policy(inp),
        strict,
        x_content_type_options(inp),
        x_frame_options(inp),
        permissions_policy(inp),
    )
    total = score(results)
    return Grade(score=total, grade=grade_of(total), tests=results)

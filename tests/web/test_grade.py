"""The Observatory-style rule engine, test by test, and its scoring (pure, no network)."""

from __future__ import annotations

import pytest

from gates.web import csp
from gates.web.grade import (
    HeaderInput,
    Redirect,
    analyze,
    canonical_test,
    grade_of,
    hsts,
    redirection,
    referrer_policy,
)


def _inp(url: str = "https://example.com/", **headers: str | list[str]) -> HeaderInput:
    return HeaderInput(
        url=url,
        headers={
            k.replace("_", "-"): v if isinstance(v, list) else [v] for k, v in headers.items()
        },
    )


@pytest.mark.parametrize(
    ("policy", "result"),
    [
        ("default-src 'none'", "csp-implemented-with-no-unsafe-default-src-none"),
        ("default-src 'self'; object-src 'none'", "csp-implemented-with-no-unsafe"),
        ("default-src 'self'", "csp-implemented-with-no-unsafe"),
        ("script-src 'self'", "csp-implemented-with-unsafe-inline"),  # object-src missing
        (
            "default-src 'self'; script-src 'self' 'unsafe-inline'",
            "csp-implemented-with-unsafe-inline",
        ),
        (
            "default-src 'self'; script-src 'self' 'unsafe-inline' 'nonce-abc'",
            "csp-implemented-with-no-unsafe",
        ),
        (
            "default-src 'self'; script-src 'nonce-abc' 'strict-dynamic' https: 'unsafe-inline'",
            "csp-implemented-with-no-unsafe",
        ),
        ("default-src 'self'; script-src 'strict-dynamic'", "csp-header-invalid"),
        ("default-src 'self'; script-src 'self' 'unsafe-eval'", "csp-implemented-with-unsafe-eval"),
        ("default-src 'self'; script-src 'self' data:", "csp-implemented-with-unsafe-inline"),
        ("default-src 'self'; script-src *", "csp-implemented-with-unsafe-inline"),
        (
            "default-src 'self'; script-src http://cdn.example.com",
            "csp-implemented-with-insecure-scheme",
        ),
        (
            "default-src 'self'; img-src http://img.example.com",
            "csp-implemented-with-insecure-scheme-in-passive-content-only",
        ),
        (
            "default-src 'self'; style-src 'self' 'unsafe-inline'",
            "csp-implemented-with-unsafe-inline-in-style-src-only",
        ),
        ("default-src 'self'; default-src 'none'", "csp-header-invalid"),
        ("abc", "csp-header-invalid"),
    ],
)
def test_csp_results(policy: str, result: str) -> None:
    assert csp.evaluate([policy], https=True).result == result


def test_csp_not_implemented_and_report_only() -> None:
    assert csp.evaluate([], https=True).result == "csp-not-implemented"
    assert (
        csp.evaluate([], https=True, report_only=True).result
        == "csp-not-implemented-but-reporting-enabled"
    )


def test_csp_multiple_policies_intersect() -> None:
    verdict = csp.evaluate(
        ["default-src 'self'; script-src 'self' 'unsafe-inline'", "script-src 'self'"], https=True
    )
    assert verdict.result == "csp-implemented-with-no-unsafe"


@pytest.mark.parametrize(
    ("value", "result"),
    [
        (
            "max-age=63072000; includeSubDomains; preload",
            "hsts-implemented-max-age-at-least-six-months",
        ),
        ("max-age=15552000", "hsts-implemented-max-age-at-least-six-months"),
        ("max-age=300", "hsts-implemented-max-age-less-than-six-months"),
        ("includeSubDomains", "hsts-header-invalid"),
        ("max-age=abc", "hsts-header-invalid"),
    ],
)
def test_hsts(value: str, result: str) -> None:
    assert hsts(_inp(strict_transport_security=value)).result == result


def test_hsts_notes_and_plain_http() -> None:
    assert hsts(_inp(strict_transport_security="max-age=31536000")).issues == (
        "includeSubDomains not set",
    )
    plain = hsts(_inp("http://example.com/", strict_transport_security="max-age=31536000"))
    assert plain.result == "hsts-not-implemented-no-https"


@pytest.mark.parametrize(
    ("chain", "refused", "result"),
    [
        (("http://a.com/", "https://a.com/"), False, "redirection-to-https"),
        (("http://a.com/",), False, "redirection-missing"),
        (
            ("http://a.com/", "http://www.a.com/", "https://www.a.com/"),
            False,
            "redirection-not-to-https-on-initial-redirection",
        ),
        (("http://a.com/", "https://b.com/"), False, "redirection-off-host-from-http"),
        (("http://a.com/", "https://a.com/", "http://a.com/x"), False, "redirection-not-to-https"),
        (("http://a.com/",), True, "redirection-not-needed-no-http"),
    ],
)
def test_redirection(chain: tuple[str, ...], refused: bool, result: str) -> None:
    inp = HeaderInput(url="https://a.com/", headers={}, redirect=Redirect(chain, refused=refused))
    assert redirection(inp).result == result


@pytest.mark.parametrize(
    ("cookies", "result"),
    [
        (
            ["a=1; Secure; HttpOnly; SameSite=Lax"],
            "cookies-secure-with-httponly-sessions-and-samesite",
        ),
        (["a=1; Secure"], "cookies-secure-with-httponly-sessions"),
        (["a=1"], "cookies-without-secure-flag-but-protected-by-hsts"),
        (["sessionid=1; Secure"], "cookies-session-without-httponly-flag"),
        (["csrftoken=1; Secure"], "cookies-anticsrf-without-samesite-flag"),
        (["a=1; Secure; SameSite=Bogus"], "cookies-samesite-flag-invalid"),
        (["a=1; SameSite=None"], "cookies-samesite-flag-invalid"),
    ],
)
def test_cookies(cookies: list[str], result: str) -> None:
    grade = analyze(_inp(set_cookie=cookies, strict_transport_security="max-age=31536000"))
    assert grade.get("cookies").result == result


def test_session_cookie_without_secure_and_no_hsts_is_worst() -> None:
    grade = analyze(_inp(set_cookie=["sessionid=1; HttpOnly"]))
    assert grade.get("cookies").result == "cookies-session-without-secure-flag"
    assert grade.get("cookies").modifier == -40


def test_cookie_prefix_rules() -> None:
    grade = analyze(
        _inp(
            set_cookie=["__Host-a=1; Secure; Path=/x; SameSite=Lax"],
            strict_transport_security="max-age=31536000",
        )
    )
    assert any("__Host-" in issue for issue in grade.get("cookies").issues)


def test_referrer_policy_last_token_wins() -> None:
    assert (
        referrer_policy(_inp(referrer_policy="unsafe-url, no-referrer")).result
        == "referrer-policy-private"
    )
    assert (
        referrer_policy(_inp(referrer_policy="no-referrer, unsafe-url")).result
        == "referrer-policy-unsafe"
    )
    assert (
        referrer_policy(_inp(referrer_policy="nonsense")).result == "referrer-policy-header-invalid"
    )


def test_scoring_bonus_only_at_90_and_grade_table() -> None:
    # Missing CSP (-25): 75, so the +5 bonuses (XFO, referrer) do not count.
    grade = analyze(
        _inp(
            strict_transport_security="max-age=31536000",
            x_content_type_options="nosniff",
            x_frame_options="DENY",
            referrer_policy="no-referrer",
        )
    )
    assert grade.score == 75 and grade.grade == "B"
    empty = analyze(_inp())
    assert empty.score == 100 - 25 - 20 - 5 - 20 and empty.grade == "D"
    assert [grade_of(s) for s in (130, 100, 97, 85, 64, 50, 0)] == [
        "A+",
        "A+",
        "A",
        "A-",
        "C+",
        "C",
        "F",
    ]


def test_test_name_aliases() -> None:
    assert canonical_test("HSTS") == "strict-transport-security"
    with pytest.raises(ValueError, match="unknown header test"):
        canonical_test("nope")

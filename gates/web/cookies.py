"""The Observatory ``cookies`` test on raw ``Set-Cookie`` values, plus cookie-prefix rules.

Follows ``mdn/mdn-http-observatory`` ``src/analyzer/tests/cookies.js``: a cookie whose name holds
``login`` or ``sess`` is a session cookie, one holding ``csrf`` an anti-CSRF token; the worst
finding wins. ``__Secure-``/``__Host-`` prefix violations (RFC 6265bis §4.1.3) are reported as
issues: browsers drop such cookies, which breaks sign-in rather than security.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

_ORDER = (
    "cookies-without-secure-flag-but-protected-by-hsts",
    "cookies-without-secure-flag",
    "cookies-session-without-secure-flag-but-protected-by-hsts",
    "cookies-samesite-flag-invalid",
    "cookies-anticsrf-without-samesite-flag",
    "cookies-session-without-httponly-flag",
    "cookies-session-without-secure-flag",
)
"""Observatory ``goodness`` list: later is worse."""


@dataclass(frozen=True)
class Cookie:
    """The attributes of one Set-Cookie that matter here."""

    name: str
    secure: bool
    httponly: bool
    samesite: str | None
    path: str | None
    domain: str | None


def parse_set_cookie(value: str) -> Cookie | None:
    """One Set-Cookie header value → Cookie (``None`` when it has no name=value pair)."""
    parts = value.split(";")
    name, eq, _ = parts[0].partition("=")
    if not eq or not name.strip():
        return None
    attrs: dict[str, str | None] = {}
    for part in parts[1:]:
        key, has_value, val = part.strip().partition("=")
        attrs[key.strip().lower()] = val.strip() if has_value else None
    return Cookie(
        name=name.strip(),
        secure="secure" in attrs,
        httponly="httponly" in attrs,
        samesite=(attrs["samesite"] or "") if "samesite" in attrs else None,
        path=attrs.get("path"),
        domain=attrs.get("domain"),
    )


def _worse(current: str | None, candidate: str) -> str:
    if current is None or _ORDER.index(candidate) > _ORDER.index(current):
        return candidate
    return current


def judge(values: Sequence[str], *, hsts: bool) -> tuple[str, bool, list[str]]:
    """``(result, passed, issues)`` for the Set-Cookie values of one response."""
    cookies = [c for c in (parse_set_cookie(v) for v in values) if c is not None]
    if not cookies:
        return "cookies-not-found", True, []
    result: str | None = None
    issues: list[str] = []
    missing_samesite = False
    for c in cookies:
        low = c.name.lower()
        session = "login" in low or "sess" in low
        samesite = (c.samesite or "").lower()
        if c.samesite is not None and samesite not in ("lax", "strict", "none"):
            result = _worse(result, "cookies-samesite-flag-invalid")
            issues.append(f"{c.name}: SameSite={c.samesite!r} is not Strict, Lax or None")
        if not c.secure and samesite == "none":
            result = _worse(result, "cookies-samesite-flag-invalid")
            issues.append(f"{c.name}: SameSite=None without Secure")
        if not c.secure:
            result = _worse(
                result,
                "cookies-without-secure-flag-but-protected-by-hsts"
                if hsts
                else "cookies-without-secure-flag",
            )
            issues.append(f"{c.name}: no Secure flag")
        if "csrf" in low and c.samesite is None:
            result = _worse(result, "cookies-anticsrf-without-samesite-flag")
            issues.append(f"{c.name}: anti-CSRF cookie without SameSite")
        if session and not c.secure:
            result = _worse(
                result,
                "cookies-session-without-secure-flag-but-protected-by-hsts"
                if hsts
                else "cookies-session-without-secure-flag",
            )
        if session and not c.httponly:
            result = _worse(result, "cookies-session-without-httponly-flag")
            issues.append(f"{c.name}: session cookie readable by scripts (no HttpOnly)")
        if c.samesite is None:
            missing_samesite = True
        issues.extend(_prefix_issues(c))
    if result is None:
        if missing_samesite:
            issues.append("a cookie has no SameSite attribute")
            return "cookies-secure-with-httponly-sessions", False, issues
        return "cookies-secure-with-httponly-sessions-and-samesite", True, issues
    return result, False, issues


def _prefix_issues(c: Cookie) -> list[str]:
    if c.name.startswith("__Host-") and (not c.secure or c.domain is not None or c.path != "/"):
        return [f"{c.name}: __Host- cookies need Secure, Path=/ and no Domain (browsers drop it)"]
    if c.name.startswith("__Secure-") and not c.secure:
        return [f"{c.name}: __Secure- cookies need Secure (browsers drop it)"]
    return []

"""Vercel Deployment Protection bypass, sent only to the deployment's own host.

Preview deployments behind Deployment Protection answer 401 to anyone without the project's
"Protection Bypass for Automation" secret. Gates that visit the deployment (``headers``,
``smoke``, ``analysis``) take it as ``protection_bypass: ${VERCEL_AUTOMATION_BYPASS_SECRET}``
and send ``x-vercel-protection-bypass`` (plus ``x-vercel-set-bypass-cookie`` in a browser, so the
page's own follow-up requests carry the cookie Vercel sets) **only** to requests whose scheme,
host and port are the deployment's: never to a third-party host a page loads, a redirect target
elsewhere, or a metrics provider.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

HEADER = "x-vercel-protection-bypass"
COOKIE_HEADER = "x-vercel-set-bypass-cookie"


def origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` with the default port made explicit."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def same_origin(url: str, deployments: Iterable[str]) -> bool:
    """True when ``url`` goes to one of the deployments' origins."""
    return origin(url) in {origin(d) for d in deployments if d}


def bypass_headers(
    secret: str | None, url: str, deployments: Iterable[str], *, browser: bool = False
) -> dict[str, str]:
    """The bypass headers for a request to ``url``: empty unless it goes to a deployment."""
    if not secret or not same_origin(url, deployments):
        return {}
    headers = {HEADER: secret}
    if browser:
        headers[COOKIE_HEADER] = "true"
    return headers


def bypass_cookies(url: str, secret: str, *, timeout: float) -> list[tuple[str, str]]:
    """The cookies the deployment sets for a request carrying the bypass secret and
    ``x-vercel-set-bypass-cookie`` (what a browser keeps for the rest of the visit).

    Raises :class:`~gates.errors.InputError` when it sets none: the secret is wrong or the
    deployment is not protected the way the option expects.
    """
    from gates.errors import InputError
    from gates.web.fetch import FetchError, fetch

    try:
        resp = fetch(
            url, headers={HEADER: secret, COOKIE_HEADER: "true"}, timeout=timeout, follow=False
        )
    except FetchError as exc:
        raise InputError(f"protection bypass: {exc}") from None
    found = []
    for line in resp.headers.get("set-cookie", []):
        name, sep, value = line.split(";", 1)[0].partition("=")
        if sep and name.strip():
            found.append((name.strip(), value.strip()))
    if not found:
        raise InputError(
            f"protection bypass: {url} answered HTTP {resp.status} and set no cookie "
            "(is protection_bypass the project's automation bypass secret?)"
        )
    return found


def browser_profile(
    url: str, cookies: Iterable[tuple[str, str]], executable: str, directory: str
) -> None:
    """Write a Chromium profile in ``directory`` holding ``cookies`` for ``url``'s host only, for
    a browser gates does not drive itself (Lighthouse): its third-party requests carry nothing."""
    import time

    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            directory, executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        try:
            context.add_cookies(
                [
                    {"name": n, "value": v, "url": url, "expires": time.time() + 3600}
                    for n, v in cookies
                ]
            )
        finally:
            context.close()

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

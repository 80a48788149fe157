"""A bounded HTTP client on the standard library (``http.client``), for ``headers`` and ``smoke``.

Redirects are followed by hand (at most :data:`MAX_REDIRECTS`) so every hop is recorded, every
``Set-Cookie`` value is kept separately, and the whole exchange has one deadline. Bodies are read
up to a cap. Nothing here retries: callers decide.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from gates.errors import InputError

if TYPE_CHECKING:
    import http.client

# http.client, ssl and socket are imported where a request is made: together they cost 25-40 ms
# (ssl, email) that `gates validate` and the run's own process, which import the web gate
# types for their options, never use.

MAX_REDIRECTS = 10
ORIGIN_BOUND_HEADERS = frozenset(
    {"authorization", "cookie", "x-vercel-protection-bypass", "x-vercel-set-bypass-cookie"}
)
"""Credentials dropped when a redirect leaves the origin they were meant for (as browsers and
``requests`` drop ``Authorization``): a bypass secret never follows a redirect elsewhere."""
MAX_BODY = 5 * 1024 * 1024
USER_AGENT = "gates-release-checker/0.1 (+post-deploy verification)"


class FetchError(Exception):
    """The request could not complete: refused, DNS, TLS, timeout, too many redirects."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind
        """``refused`` | ``timeout`` | ``tls`` | ``dns`` | ``redirects`` | ``protocol``."""


@dataclass(frozen=True)
class Hop:
    """One request/response in a redirect chain."""

    url: str
    status: int
    location: str | None = None


@dataclass(frozen=True)
class Response:
    """The final response and how we got there."""

    url: str
    status: int
    headers: dict[str, list[str]]
    """Lower-case name → every value in order (Set-Cookie: one entry per cookie)."""
    body: bytes
    elapsed_ms: float
    hops: tuple[Hop, ...] = field(default_factory=tuple)
    """Every response including the final one; ``len(hops) - 1`` redirects were followed."""

    def header(self, name: str) -> str | None:
        """First value of a header, or ``None``."""
        values = self.headers.get(name.lower())
        return values[0] if values else None


def _connection(url: str, timeout: float) -> http.client.HTTPConnection:
    import http.client
    import ssl

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{url}: only absolute http:// and https:// URLs can be fetched")
    if parts.scheme == "https":
        return http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)


def _one(
    method: str, url: str, body: bytes | None, headers: Mapping[str, str], timeout: float
) -> tuple[int, dict[str, list[str]], bytes]:
    import http.client
    import socket
    import ssl

    conn = _connection(url, timeout)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request(
            method,
            target,
            body=body,
            headers={"User-Agent": USER_AGENT, "Accept": "*/*", **headers},
        )
        resp = conn.getresponse()
        collected: dict[str, list[str]] = {}
        for name, value in resp.getheaders():
            collected.setdefault(name.lower(), []).append(value)
        data = resp.read(MAX_BODY)
        if resp.length and len(data) < MAX_BODY:
            # read(amt) returns a short body when the peer closes early: that is a broken
            # response, never evidence (a truncated 200 must not pass a smoke check).
            raise http.client.IncompleteRead(data, resp.length)
        return resp.status, collected, data
    except ssl.SSLError as exc:
        raise FetchError(f"{url}: TLS error ({exc.reason or exc})", kind="tls") from None
    except ConnectionRefusedError:
        raise FetchError(f"{url}: connection refused", kind="refused") from None
    except TimeoutError:
        raise FetchError(f"{url}: no answer within {timeout:.1f}s", kind="timeout") from None
    except socket.gaierror as exc:
        raise FetchError(f"{url}: cannot resolve host ({exc.strerror})", kind="dns") from None
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(f"{url}: {type(exc).__name__}: {exc}", kind="protocol") from None
    finally:
        conn.close()


def fetch(
    url: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 15.0,
    follow: bool = True,
    max_redirects: int = MAX_REDIRECTS,
) -> Response:
    """Request ``url``; follow redirects (recorded); the whole exchange ends by ``timeout``."""
    deadline = time.monotonic() + timeout
    started = time.perf_counter()
    hops: list[Hop] = []
    current = url
    verb, payload = method.upper(), body
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"{url}: no final answer within {timeout:.1f}s", kind="timeout")
        status, got, data = _one(verb, current, payload, headers or {}, remaining)
        location = got["location"][0] if got.get("location") else None
        hops.append(Hop(current, status, location))
        if not (follow and status in (301, 302, 303, 307, 308) and location):
            break
        if len(hops) > max_redirects:
            raise FetchError(f"{url}: more than {max_redirects} redirects", kind="redirects")
        following = urljoin(current, location)
        if _origin(following) != _origin(current):
            headers = {
                k: v for k, v in (headers or {}).items() if k.lower() not in ORIGIN_BOUND_HEADERS
            }
        current = following
        if status == 303 or (status in (301, 302) and verb == "POST"):
            verb, payload = "GET", None
    elapsed = (time.perf_counter() - started) * 1000
    return Response(
        url=current, status=status, headers=got, body=data, elapsed_ms=elapsed, hops=tuple(hops)
    )


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return (
        parts.scheme,
        (parts.hostname or "").lower(),
        parts.port or {"http": 80, "https": 443}.get(parts.scheme),
    )


def redirect_chain(url: str, *, timeout: float = 15.0) -> tuple[list[str], str | None]:
    """``(visited URLs, error kind)`` for the plain-http variant of ``url``'s host."""
    parts = urlsplit(url)
    http_url = parts._replace(scheme="http", netloc=parts.hostname or "").geturl()
    try:
        resp = fetch(http_url, timeout=timeout)
    except FetchError as exc:
        if exc.kind in ("refused", "timeout") and not exc.args[0].endswith("redirects"):
            return [http_url], "refused"
        return [http_url], exc.kind
    return [hop.url for hop in resp.hops], None

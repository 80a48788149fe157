"""A small real website on 127.0.0.1 for the headers and smoke gate tests (stdlib http.server).

Pages are served with good security headers by default; ``/h/<fault>/...`` seeds one fault in
the headers. Pages with a JS error, a console.error, a slow endpoint, a 500, a version endpoint
and an endpoint that is "warming up" (503 for the first requests) exercise the smoke gate.
Scripts are external files, so the good CSP (script-src 'self') does not block them.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GOOD_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
GOOD_HEADERS = {
    "Content-Security-Policy": GOOD_CSP,
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=()",
}
FAULTS: dict[str, tuple[dict[str, str | None], list[tuple[str, str]], str]] = {
    "nocsp": ({"Content-Security-Policy": None}, [], "content-security-policy"),
    "unsafe-inline": (
        {
            "Content-Security-Policy": "default-src 'self'; script-src 'self' "
            "'unsafe-inline'; object-src 'none'; frame-ancestors 'none'"
        },
        [],
        "content-security-policy",
    ),
    "nohsts": ({"Strict-Transport-Security": None}, [], "strict-transport-security"),
    "short-hsts": ({"Strict-Transport-Security": "max-age=300"}, [], "strict-transport-security"),
    "nonosniff": ({"X-Content-Type-Options": None}, [], "x-content-type-options"),
    "framing": (
        {
            "X-Frame-Options": None,
            "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'",
        },
        [],
        "x-frame-options",
    ),
    "referrer": ({"Referrer-Policy": "unsafe-url"}, [], "referrer-policy"),
    "cookie": ({}, [("Set-Cookie", "sessionid=abc123; Path=/")], "cookies"),
    "cors": (
        {},
        [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")],
        "cross-origin-resource-sharing",
    ),
    "cors-reflect": (
        {},
        [("Access-Control-Allow-Credentials", "true")],
        "cross-origin-resource-sharing",
    ),
}
"""fault → (header overrides, extra headers, the Observatory test it breaks)."""

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
</head><body>{body}</body></html>"""
LOGIN = """<h1 id="title">Sign in</h1><form id="login" action="/dashboard" method="get">
<input name="email" type="email"><button id="go" type="submit">Go</button></form>
<p id="status">idle</p><script src="/static/login.js"></script>"""
LOGIN_JS = """document.getElementById('go').addEventListener('mouseover', () => {
  document.getElementById('status').textContent = 'ready';
});"""


@dataclass
class Site:
    """A running site: its base URL and the commit its version endpoint reports."""

    base: str
    commit: str
    hits: dict[str, int] = field(default_factory=dict)


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(
            self,
            status: int,
            body: str | bytes,
            ctype: str = "text/html; charset=utf-8",
            fault: str | None = None,
        ) -> None:
            headers: dict[str, str | None] = dict(GOOD_HEADERS)
            extra: list[tuple[str, str]] = []
            if fault:
                overrides, extra, _ = FAULTS[fault]
                headers.update(overrides)
                if fault == "cors-reflect":
                    extra = [
                        *extra,
                        ("Access-Control-Allow-Origin", self.headers.get("Origin", "null")),
                    ]
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                if value is not None:
                    self.send_header(name, value)
            for name, value in extra:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(length)
            self._send(201, json.dumps({"echo": data.decode()}), "application/json")

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            site.hits[path] = site.hits.get(path, 0) + 1
            fault = None
            if path.startswith("/h/"):
                fault = path.split("/")[2]
                path = "/" + "/".join(path.split("/")[3:])
            route = ROUTES.get(path)
            if route is None:
                self._send(404, PAGE.format(title="404", body="<h1>Not found</h1>"))
                return
            status, body, ctype = route(site)
            self._send(status, body, ctype, fault)

    return Handler


def _page(title: str, body: str) -> tuple[int, str | bytes, str]:
    return 200, PAGE.format(title=title, body=body), "text/html; charset=utf-8"


def _json(status: int, value: object) -> tuple[int, str, str]:
    return status, json.dumps(value), "application/json"


def _slow(site: Site) -> tuple[int, str, str]:
    time.sleep(1.5)
    return _json(200, {"status": "ok"})


def _warming(site: Site) -> tuple[int, str, str]:
    if site.hits["/api/warming"] <= 2:
        return _json(503, {"status": "starting"})
    return _json(200, {"status": "ok"})


ROUTES: dict[str, Callable[[Site], tuple[int, str | bytes, str]]] = {
    "/": lambda s: _page("Home", "<h1>Shop</h1><a id='login-link' href='/login'>Sign in</a>"),
    "/login": lambda s: _page("Login", LOGIN),
    "/dashboard": lambda s: _page("Dashboard", "<h1>Welcome</h1>"),
    "/js-error": lambda s: _page(
        "Broken", "<h1>Broken</h1><script src='/static/throw.js'></script>"
    ),
    "/console-error": lambda s: _page(
        "Noisy", "<h1>Noisy</h1><script src='/static/log.js'></script>"
    ),
    "/missing-image": lambda s: _page("Img", "<h1>Img</h1><img src='/nope.png' alt=''>"),
    "/static/login.js": lambda s: (200, LOGIN_JS, "text/javascript"),
    "/static/throw.js": lambda s: (
        200,
        "setTimeout(() => { throw new Error('boom from throw.js'); }, 0);",
        "text/javascript",
    ),
    "/static/log.js": lambda s: (
        200,
        "console.error('deliberate console error');",
        "text/javascript",
    ),
    "/favicon.ico": lambda s: (204, b"", "image/x-icon"),
    "/api/health": lambda s: _json(200, {"status": "ok", "db": {"status": "ok"}}),
    "/api/500": lambda s: _json(500, {"error": "internal"}),
    "/api/slow": _slow,
    "/api/warming": _warming,
    "/api/version": lambda s: _json(200, {"commit": s.commit}),
}


@contextmanager
def serve(commit: str = "0123456789abcdef0123456789abcdef01234567") -> Iterator[Site]:
    """Run the site on a free loopback port for the duration of the ``with`` block."""
    site = Site(base="", commit=commit)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

"""A page behind a stand-in for Vercel Deployment Protection, run as a separate process (the
``lighthouse`` gate starts its own server): ``python protected_site.py PORT THIRD SECRET LOG``.

Without ``x-vercel-protection-bypass: SECRET`` or the cookie it sets (with
``x-vercel-set-bypass-cookie``) it answers 401; the page loads an image and a script from
``THIRD_PARTY``. Every request's headers are appended to ``LOG`` as JSON lines.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COOKIE = "_vercel_jwt=signed-session"


def main() -> None:
    port, third, secret, log = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            with open(log, "a", encoding="utf-8") as out:
                out.write(json.dumps({"path": self.path, "headers": headers}) + "\n")
            allowed = headers.get("x-vercel-protection-bypass") == secret or COOKIE in headers.get(
                "cookie", ""
            )
            body = (
                "<!doctype html><html lang=en><title>Shop</title><h1>Shop</h1>"
                f'<img src="{third}/pixel.gif" alt="" width=1 height=1>'
                f'<script src="{third}/analytics.js"></script>'
            ).encode()
            status = 200 if allowed else 401
            self.send_response(status)
            self.send_header("Content-Type", "text/html" if self.path == "/" else "image/gif")
            if allowed and headers.get("x-vercel-set-bypass-cookie"):
                self.send_header("Set-Cookie", f"{COOKIE}; Path=/; HttpOnly; SameSite=Lax")
            payload = body if self.path == "/" and allowed else b""
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()

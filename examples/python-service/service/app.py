"""The HTTP layer: JSON in, JSON out, errors as 400/404 with a message."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from service.pricing import Catalogue, QuoteError, load_catalogue, quote

CONFIG = Path(__file__).resolve().parent.parent / "config.yml"


def make_server(host: str, port: int, catalogue: Catalogue) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/health":
                self._send(200, {"status": "ok"})
                return
            if url.path != "/quote":
                self._send(404, {"error": "not found"})
                return
            query = parse_qs(url.query)
            try:
                quantity = int(query.get("quantity", ["1"])[0])
                self._send(200, quote(catalogue, query.get("product", [""])[0], quantity))
            except (QuoteError, ValueError) as exc:
                self._send(400, {"error": str(exc)})

        def _send(self, status: int, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # quiet in tests
            return

    return ThreadingHTTPServer((host, port), Handler)


def main() -> None:  # pragma: no cover - the process entry point
    server = make_server("127.0.0.1", 8000, load_catalogue(CONFIG))
    server.serve_forever()

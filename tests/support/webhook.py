"""A local webhook receiver that records every request, and can fail on purpose."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Receiver:
    """What the receiver got, and how it answers."""

    url: str = ""
    fail_first: int = 0
    """Answer ``fail_status`` to this many requests, then 200."""
    fail_status: int = 500
    hang_s: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)

    def bodies(self) -> list[Any]:
        """Every request body, decoded as JSON."""
        return [json.loads(r["body"]) for r in self.received]


@contextmanager
def webhook(receiver: Receiver | None = None) -> Iterator[Receiver]:
    """A running receiver on 127.0.0.1; ``receiver.url`` is its ``/hook`` URL."""
    rec = receiver or Receiver()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            rec.received.append(
                {"path": self.path, "headers": dict(self.headers.items()), "body": body}
            )
            if rec.hang_s:
                time.sleep(rec.hang_s)
            status = rec.fail_status if len(rec.received) <= rec.fail_first else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hook/T000/B000/s3cr3t-path"
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()

"""A small app on 127.0.0.1 whose error rate and latency a test switches mid-window, and a real
Prometheus (Debian ``/usr/bin/prometheus``) scraping it, for the ``analysis`` gate's tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support.shop_web import free_port

PROMETHEUS = "/usr/bin/prometheus"


@dataclass
class AppState:
    """What the app does now; tests change it while the gate watches."""

    error_every: int = 0
    """Every n-th request answers 500 (1: all of them; 0: none)."""
    error_after: int | None = None
    """Every request after this many answers 500: a switch mid-window that no clock can race."""
    delay_ms: float = 0.0
    status: int = 200
    location: str = ""
    """Sent as ``Location`` with a 3xx status."""
    require_header: tuple[str, str] | None = None
    """(name, value): without it the app answers 401, like Deployment Protection."""
    requests: list[tuple[float, str, dict[str, str]]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(state: AppState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/metrics":
                with state.lock:
                    lines = [
                        f'http_requests_total{{code="{code}"}} {n}'
                        for code, n in sorted(state.counts.items())
                    ]
                body = ("# TYPE http_requests_total counter\n" + "\n".join(lines) + "\n").encode()
                self._send(200, body, "text/plain; version=0.0.4")
                return
            with state.lock:
                state.requests.append((time.monotonic(), self.path, dict(self.headers.items())))
                seen = len(state.requests)
            if state.delay_ms:
                time.sleep(state.delay_ms / 1000)
            status = state.status
            if state.require_header:
                name, value = state.require_header
                if self.headers.get(name) != value:
                    status = 401
            if status == 200 and state.error_every and seen % state.error_every == 0:
                status = 500
            if status == 200 and state.error_after is not None and seen > state.error_after:
                status = 500
            with state.lock:
                state.counts[str(status)] = state.counts.get(str(status), 0) + 1
            self._send(status, b"ok\n" if status == 200 else b"error\n", "text/plain")

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            if 300 <= status < 400 and state.location:
                self.send_header("Location", state.location)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            # The "deploy API" a rollback command calls: POST /__state {"error_every": 0}.
            if self.path != "/__state":
                self._send(404, b"", "text/plain")
                return
            changes = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            for key, value in changes.items():
                setattr(state, key, value)
            self._send(204, b"", "text/plain")

    return Handler


@contextmanager
def watched_app(state: AppState | None = None) -> Iterator[tuple[str, AppState]]:
    """``(base URL, state)`` of a running app."""
    state = state or AppState()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()


def switch_later(delay_s: float, **changes: object) -> threading.Timer:
    """Change the app's state after ``delay_s`` seconds (mid-window)."""
    state = changes.pop("state")
    assert isinstance(state, AppState)

    def apply() -> None:
        for key, value in changes.items():
            setattr(state, key, value)

    timer = threading.Timer(delay_s, apply)
    timer.daemon = True
    timer.start()
    return timer


def _as_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "nobody", "--"]


@contextmanager
def real_prometheus(target: str, scrape: str = "1s") -> Iterator[str]:
    """A real Prometheus (as ``nobody`` when root) scraping ``target``; yields its URL once it
    has scraped the target at least once."""
    work = Path(tempfile.mkdtemp(prefix="gates-prom-", dir="/tmp"))
    host = target.split("//", 1)[1]
    (work / "prometheus.yml").write_text(
        f"global: {{scrape_interval: {scrape}, evaluation_interval: {scrape}}}\n"
        f"scrape_configs:\n  - job_name: app\n    static_configs: [{{targets: ['{host}']}}]\n"
    )
    (work / "data").mkdir()
    os.chmod(work, 0o755)
    if os.geteuid() == 0:
        shutil.chown(work / "data", "nobody")
    port = free_port()
    proc = subprocess.Popen(
        [
            *_as_user(),
            PROMETHEUS,
            f"--config.file={work / 'prometheus.yml'}",
            f"--storage.tsdb.path={work / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=error",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"prometheus exited: {proc.stderr.read()[-2000:]!r}")  # type: ignore[union-attr]
            try:
                with urllib.request.urlopen(f"{url}/api/v1/query?query=up", timeout=2) as r:
                    result = json.loads(r.read())["data"]["result"]
                if result and result[0]["value"][1] == "1":
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("prometheus did not scrape the app within 60s")
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)

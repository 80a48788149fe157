"""Vercel Deployment Protection bypass: sent to the deployment's own origin, never elsewhere.

A local "deployment" answers 401 without ``x-vercel-protection-bypass`` (or the cookie that
``x-vercel-set-bypass-cookie`` makes it set), like Deployment Protection; a second local
"third-party" host, which the page loads and to which the deployment redirects, records what it
receives and must never see the secret.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gates.web.bypass import HEADER, bypass_headers
from gates.web.fetch import fetch
from tests.conftest import gate, load_report, require_component, run_gates

SECRET = "bypass-0123456789abcdefXYZ"
COOKIE = "_vercel_jwt=signed-session"


@dataclass
class Host:
    url: str = ""
    seen: list[dict[str, str]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)


def _serve(host: Host, protected: bool, third_party: str) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            host.seen.append({k.lower(): v for k, v in self.headers.items()})
            host.paths.append(self.path)
            extra: list[tuple[str, str]] = []
            if protected:
                allowed = self.headers.get(HEADER) == SECRET or COOKIE in (
                    self.headers.get("Cookie") or ""
                )
                if not allowed:
                    self._send(401, b"<h1>Log in to Vercel</h1>", "text/html")
                    return
                if self.headers.get("x-vercel-set-bypass-cookie"):
                    extra.append(("Set-Cookie", f"{COOKIE}; Path=/; HttpOnly; SameSite=Lax"))
            if self.path == "/away":
                self._send(302, b"", "text/plain", [("Location", third_party + "/landing")])
                return
            if self.path == "/":
                page = (
                    "<!doctype html><title>Shop</title><h1>Shop</h1>"
                    f'<img src="{third_party}/pixel.gif" alt="">'
                    f'<script src="{third_party}/analytics.js"></script>'
                    '<img src="/logo.gif" alt="">'
                ).encode()
                self._send(200, page, "text/html", extra)
                return
            kind = "text/javascript" if self.path.endswith(".js") else "image/gif"
            self._send(200, b"" if kind == "image/gif" else b"void 0;", kind, extra)

        def _send(
            self, status: int, body: bytes, kind: str, extra: list[tuple[str, str]] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in extra or []:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def hosts() -> Iterator[tuple[Host, Host]]:
    third = Host()
    third_server = _serve(third, protected=False, third_party="")
    # "localhost" for the third party: another host name, so cookies are not shared either
    third.url = f"http://localhost:{third_server.server_address[1]}"
    deployment = Host()
    server = _serve(deployment, protected=True, third_party=third.url)
    deployment.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield deployment, third
    for s in (server, third_server):
        s.shutdown()
        s.server_close()


def assert_never_leaked(third: Host) -> None:
    for headers in third.seen:
        assert HEADER not in headers
        assert "x-vercel-set-bypass-cookie" not in headers
        assert SECRET not in str(headers) and "signed-session" not in str(headers)


def test_headers_only_for_the_deployments_origin() -> None:
    deploy = "https://shop-git-main.vercel.app"
    assert bypass_headers(SECRET, deploy + "/api", [deploy]) == {HEADER: SECRET}
    assert bypass_headers(SECRET, "https://shop-git-main.vercel.app:443/x", [deploy])
    for other in (
        "https://cdn.example.com/x.js",
        "http://shop-git-main.vercel.app/",  # another scheme is another origin
        "https://shop-git-main.vercel.app:8443/",
        "https://evil.shop-git-main.vercel.app/",
        "https://shop-git-main.vercel.app.evil.example/",
    ):
        assert bypass_headers(SECRET, other, [deploy]) == {}
    assert bypass_headers(None, deploy, [deploy]) == {}
    assert bypass_headers(SECRET, deploy, [deploy], browser=True)["x-vercel-set-bypass-cookie"]


def test_a_redirect_to_another_host_drops_the_secret(hosts: tuple[Host, Host]) -> None:
    deployment, third = hosts
    resp = fetch(deployment.url + "/away", headers={HEADER: SECRET}, timeout=10)
    assert resp.status == 200 and resp.url.startswith(third.url)
    assert third.paths == ["/landing"]
    assert_never_leaked(third)


def _checklist(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "checklist.yml"
    path.write_text(f"gates:\n  g:\n{body}")
    return path


def _run(tmp_path: Path, checklist: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> dict:  # type: ignore[type-arg]
    monkeypatch.setenv("VERCEL_AUTOMATION_BYPASS_SECRET", SECRET)
    out = tmp_path / "reports"
    run_gates(
        ["run", "--checklist", str(checklist), "--url", url, "--out", str(out), "--no-history"]
    )
    text = (out / "gate-report.json").read_text()
    assert SECRET not in text  # the secret is masked in every output
    return gate(load_report(out), "g")


BYPASS = "    protection_bypass: ${VERCEL_AUTOMATION_BYPASS_SECRET}\n"


def test_smoke_checks_pass_the_protection_and_never_leak(
    tmp_path: Path, hosts: tuple[Host, Host], monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment, third = hosts
    body = "    type: smoke\n    checks: [{get: /, status: 200}, {get: /away, status: 200}]\n"
    result = _run(tmp_path, _checklist(tmp_path, body + BYPASS), deployment.url, monkeypatch)
    # /away leads to the third party: a 200 from another host is refused by smoke anyway
    assert result["details"]["checks"][0]["ok"] is True
    assert third.paths == ["/landing"]
    assert_never_leaked(third)
    without = _run(tmp_path, _checklist(tmp_path, body), deployment.url, monkeypatch)
    assert without["details"]["checks"][0]["status"] == 401 and without["status"] == "fail"


def test_smoke_journey_in_chromium_sends_the_secret_only_to_the_deployment(
    tmp_path: Path, hosts: tuple[Host, Host], monkeypatch: pytest.MonkeyPatch
) -> None:
    require_component("chromium", os.path.exists("/usr/bin/chromium"), "apt-get install chromium")
    deployment, third = hosts
    body = (
        "    type: smoke\n    step_timeout: 20s\n"
        "    journeys: [{name: home, steps: [{goto: /}, {expect_text: {selector: h1, "
        "text: Shop}}]}]\n"
    )
    result = _run(tmp_path, _checklist(tmp_path, body + BYPASS), deployment.url, monkeypatch)
    assert result["status"] == "pass", result["summary"]
    assert {"/pixel.gif", "/analytics.js"} <= set(third.paths)  # the page did load them
    assert "/logo.gif" in deployment.paths
    assert all(h.get(HEADER) == SECRET for h in deployment.seen)
    assert_never_leaked(third)


def test_headers_gate_grades_the_app_not_the_login_wall(
    tmp_path: Path, hosts: tuple[Host, Host], monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment, third = hosts
    body = "    type: headers\n    min_score: 0\n"
    _run(tmp_path, _checklist(tmp_path, body + BYPASS), deployment.url, monkeypatch)
    assert deployment.seen and deployment.seen[0].get(HEADER) == SECRET
    result = _run(tmp_path, _checklist(tmp_path, body + BYPASS), deployment.url, monkeypatch)
    assert result["details"]["urls"][0]["status"] == 200
    assert third.seen == []


def test_analysis_probes_pass_the_protection(
    tmp_path: Path, hosts: tuple[Host, Host], monkeypatch: pytest.MonkeyPatch
) -> None:
    deployment, third = hosts
    body = (
        "    type: analysis\n    duration: 1s\n    interval: 250ms\n    max_rps: 10\n"
        "    probes: [{get: /logo.gif}, {get: /away}]\n"
    )
    result = _run(tmp_path, _checklist(tmp_path, body + BYPASS), deployment.url, monkeypatch)
    assert result["status"] == "pass", result["summary"]
    assert third.seen == []  # the redirect is recorded, not followed


def test_lighthouse_gets_the_cookie_for_the_deployment_only(
    tmp_path: Path, hosts: tuple[Host, Host], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    import sys

    from tests.conftest import REPO
    from tests.support.shop_web import free_port

    lighthouse = REPO / "examples" / "shop-web" / "node_modules" / ".bin" / "lighthouse"
    require_component("lighthouse", lighthouse.exists(), "npm ci --prefix examples/shop-web")
    require_component("chromium", os.path.exists("/usr/bin/chromium"), "apt-get install chromium")
    _, third = hosts
    port, log = free_port(), tmp_path / "seen.jsonl"
    script = REPO / "tests" / "support" / "protected_site.py"
    body = (
        "    type: lighthouse\n    stage: post-deploy\n    runs: 1\n    urls: [/]\n"
        "    budgets: {performance: 0}\n"
        f"    lighthouse: {lighthouse}\n    run_timeout: 150s\n    timeout: 300s\n"
        f"    server: {{run: '{sys.executable} {script} {port} {third.url} {SECRET} {log}', "
        f"url: 'http://127.0.0.1:{port}', ready_timeout: 30s}}\n"
    )
    monkeypatch.setenv("CHROME_PATH", "/usr/bin/chromium")
    result = _run(
        tmp_path, _checklist(tmp_path, body + BYPASS), f"http://127.0.0.1:{port}", monkeypatch
    )
    assert result["status"] != "error", result.get("error")
    seen = [json.loads(line) for line in log.read_text().splitlines()]
    browser_loads = [
        s for s in seen if s["path"] == "/" and "signed-session" in s["headers"].get("cookie", "")
    ]
    assert browser_loads  # Lighthouse's Chromium passed the wall with the cookie alone
    assert all(HEADER not in s["headers"] for s in browser_loads)
    assert {"/pixel.gif", "/analytics.js"} <= set(third.paths)
    assert_never_leaked(third)

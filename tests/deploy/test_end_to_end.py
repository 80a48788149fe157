"""The four parts end to end on examples/shop-web: two real ``vite preview`` servers (the new
deployment and the previous one) behind a local alias (what a production domain is on Vercel),
``examples/shop-web/post-deploy.yml`` as the checklist, a recording webhook.

The new deployment crashes during the watch window; ``analysis`` fails fast, ``--rollback`` runs
the checklist's rollback command (which points the alias back at the previous deployment), the
``smoke`` gate verifies the restored deployment, and the webhooks receive the timeline.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import load_report, run_gates
from tests.support.shop_web import EXAMPLE, build, free_port
from tests.support.webhook import webhook

SWITCH = """\
import json, sys, urllib.request
alias, target = sys.argv[1], sys.argv[2]
req = urllib.request.Request(alias + "/__alias", data=json.dumps({"target": target}).encode(),
                             method="POST")
urllib.request.urlopen(req, timeout=10)
print("alias ->", target)
"""


@contextmanager
def preview(root: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    proc = subprocess.Popen(
        [
            str(root / "node_modules" / ".bin" / "vite"),
            "preview",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--strictPort",
        ],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url + "/api/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("vite preview did not start") from None
                time.sleep(0.3)
        yield url, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)


@contextmanager
def alias(target: str) -> Iterator[str]:
    """A reverse proxy standing for the production domain; POST /__alias switches it."""
    current = {"target": target}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            data = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            current["target"] = data["target"]
            self.send_response(204)
            self.end_headers()

        def do_GET(self) -> None:
            parts = urlsplit(current["target"])
            conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
            try:
                conn.request("GET", self.path, headers={"Accept": "*/*"})
                resp = conn.getresponse()
                body, status = resp.read(), resp.status
                kind = resp.getheader("Content-Type") or "text/plain"
            except OSError:
                body, status, kind = b"bad gateway", 502, "text/plain"
            finally:
                conn.close()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_window_watch_rollback_notify_on_the_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = build("clean")
    checklist = root / "post-deploy.yml"
    checklist.write_text((EXAMPLE / "post-deploy.yml").read_text())
    (tmp_path / "switch.py").write_text(SWITCH)
    with (
        preview(root) as (previous, _),
        preview(root) as (new, new_proc),
        alias(new) as prod,
        webhook() as hook,
        webhook() as slack,
    ):
        monkeypatch.setenv("PREVIOUS_URL", previous)
        monkeypatch.setenv("WATCH_FOR", "6s")
        monkeypatch.setenv("WATCH_EVERY", "1s")
        monkeypatch.setenv(
            "ROLLBACK_COMMAND", f"{sys.executable} {tmp_path / 'switch.py'} {prod} {previous}"
        )
        monkeypatch.setenv("DEPLOY_WEBHOOK_URL", hook.url)
        monkeypatch.setenv("SLACK_WEBHOOK_URL", slack.url)

        # 1. before the deploy: the window (an emergency makes it pass as warn when closed)
        out = tmp_path / "pre"
        code, _, err = run_gates(
            [
                "run",
                "--checklist",
                str(checklist),
                "--stage",
                "pre-deploy",
                "--out",
                str(out),
                "--no-history",
                "--emergency",
                "checkout hotfix",
                "--by",
                "dana",
            ],
            capsys,
        )
        assert code in (0, 1), err
        window = load_report(out)["gates"][0]
        assert code == 0 and window["status"] in ("pass", "warn"), window["summary"]
        if window["status"] == "warn":
            assert window["findings"][0]["data"]["by"] == "dana"
            assert slack.bodies()[-1]["text"].count("Emergency deploy") == 1

        # 2. after the deploy: the new deployment crashes 3 s into the watch window
        threading.Timer(3.0, lambda: os.killpg(new_proc.pid, signal.SIGTERM)).start()
        out = tmp_path / "post"
        deployed_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        code, stdout, _ = run_gates(
            [
                "run",
                "--checklist",
                str(checklist),
                "--stage",
                "post-deploy",
                "--url",
                prod,
                "--out",
                str(out),
                "--no-history",
                "--rollback",
                "--deployed-at",
                deployed_at,
                "--report-url",
                "https://ci.example/runs/1",
            ],
            capsys,
        )
        with urllib.request.urlopen(prod + "/api/health", timeout=5) as resp:
            assert resp.status == 200  # the alias serves the previous deployment again
    report = load_report(out)
    assert code == 1 and report["verdict"] == "fail"  # the release was bad
    analysis = next(g for g in report["gates"] if g["id"] == "analysis")
    assert analysis["status"] == "fail", analysis["summary"]
    assert analysis["details"]["stopped_early"]  # fail_fast: well before the 6 s window ended
    home = next(s for s in analysis["series"] if s["name"] == "home")
    assert home["samples"][0]["ok"] and home["samples"][-1]["note"] == "HTTP 502"
    assert any(s["name"] == "home (baseline)" for s in analysis["series"])
    rollback = report["rollback"]
    assert rollback["status"] == "recovered", rollback["message"]
    steps = {s["name"]: s for s in rollback["timeline"]}
    assert steps["detected"]["within_budget"] is True
    assert steps["recovered"]["within_budget"] is True
    assert rollback["verify"][0]["id"] == "smoke" and rollback["verify"][0]["status"] == "pass"
    body = hook.bodies()[-1]
    assert body["verdict"] == "fail" and body["rollback"]["status"] == "recovered"
    assert body["report_url"] == "https://ci.example/runs/1"
    assert "Rollback recovered" in slack.bodies()[-1]["text"]
    assert "rollback RECOVERED" in stdout
    html = (out / "gate-report.html").read_text()
    assert html.count('<figure class="series">') >= 4

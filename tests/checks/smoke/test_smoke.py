"""smoke gate against a real local site: HTTP checks, the live-commit check, Chromium journeys."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gates.checks.base import GateContext
from gates.checks.smoke import SmokeOptions, evaluate
from gates.checks.smoke.run import json_path
from gates.errors import InputError
from gates.model import Status
from tests.conftest import gate, load_report, require_component, run_gates
from tests.support.gates import gate_context
from tests.support.local_site import serve

CHROMIUM = "/usr/bin/chromium"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _ctx(tmp_path: Path, url: str | None, commit: str | None = COMMIT) -> GateContext:
    return gate_context("smoke", tmp_path, url=url, commit=commit)


def _run(tmp_path: Path, commit: str | None = COMMIT, **options: Any) -> Any:
    with serve() as site:
        return evaluate(SmokeOptions(**options), _ctx(tmp_path, site.base, commit))


def _blocking(out: Any) -> list[Any]:
    return [f for f in out.findings if f.blocks]


def test_health_checks_pass(tmp_path: Path) -> None:
    out = _run(
        tmp_path,
        checks=[
            {"get": "/api/health", "status": 200, "max_ms": 5000, "contains": '"ok"'},
            {"get": "/api/health", "json": {"path": "$.db.status", "equals": "ok"}},
            {"post": "/api/echo", "body": "hi", "status": 201, "contains": "hi"},
        ],
    )
    assert _blocking(out) == []
    assert [row["ok"] for row in out.details["checks"]] == [True, True, True]
    assert out.measurements[0].status is Status.PASS and out.measurements[0].unit == "ms"


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ({"get": "/api/500"}, "status 500, expected 200"),
        ({"get": "/api/health", "contains": "nope"}, "does not contain"),
        ({"get": "/api/health", "json": {"path": "$.db.status", "equals": "down"}}, "expected"),
        ({"get": "/api/health", "json": {"path": "$.missing"}}, "$.missing is missing"),
        ({"get": "/nope"}, "status 404"),
        ({"get": "/api/slow", "max_ms": 300}, "ms > 300 ms"),
    ],
)
def test_each_failing_check_is_a_blocking_finding(
    tmp_path: Path, check: dict[str, Any], expected: str
) -> None:
    out = _run(tmp_path, checks=[check])
    assert len(_blocking(out)) == 1
    assert expected in _blocking(out)[0].message


def test_retries_with_backoff_ride_out_a_warming_deployment(tmp_path: Path) -> None:
    out = _run(tmp_path, checks=[{"get": "/api/warming", "retries": 3, "backoff": "50ms"}])
    assert _blocking(out) == []
    assert out.details["checks"][0]["attempts"] == 3  # two 503s, then 200


def test_without_retries_the_warming_deployment_fails(tmp_path: Path) -> None:
    out = _run(tmp_path, checks=[{"get": "/api/warming"}])
    assert "status 503" in _blocking(out)[0].message


def test_version_matches_the_run_commit(tmp_path: Path) -> None:
    out = _run(tmp_path, version={"get": "/api/version", "json": "$.commit"})
    assert _blocking(out) == []
    short = _run(tmp_path, commit=COMMIT[:7], version={"get": "/api/version", "json": "$.commit"})
    assert _blocking(short) == []


def test_previous_deployment_fails_the_version_check(tmp_path: Path) -> None:
    out = _run(
        tmp_path,
        commit="fedcba9876543210",
        version={"get": "/api/version", "json": "$.commit", "retries": 1, "backoff": "10ms"},
    )
    finding = _blocking(out)[0]
    assert finding.rule == "smoke-wrong-version" and "previous deployment" in finding.message


def test_version_without_any_commit_fails_closed(tmp_path: Path) -> None:
    out = _run(tmp_path, commit=None, version={"get": "/api/version", "json": "$.commit"})
    assert _blocking(out)[0].rule == "smoke-wrong-version"


def test_no_base_url_and_nothing_to_check_fail_closed(tmp_path: Path) -> None:
    assert (
        evaluate(SmokeOptions(checks=[{"get": "/"}]), _ctx(tmp_path, None)).status is Status.ERROR
    )
    assert evaluate(SmokeOptions(), _ctx(tmp_path, "http://127.0.0.1:9")).status is Status.ERROR


def test_unreachable_deployment_fails(tmp_path: Path) -> None:
    with serve() as site:
        dead = site.base
    out = evaluate(SmokeOptions(checks=[{"get": "/api/health"}]), _ctx(tmp_path, dead))
    assert "connection refused" in _blocking(out)[0].message


def test_json_path_reader() -> None:
    doc = {"a": {"b": [{"c": 1}], "d-e": True}}
    assert json_path(doc, "$.a.b[0].c") == 1
    assert json_path(doc, "$.a['d-e']") is True
    with pytest.raises(InputError):
        json_path(doc, "a.b")


def test_bad_options_are_rejected() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        SmokeOptions(checks=[{"get": "/", "post": "/"}])
    with pytest.raises(ValueError, match="needs"):
        SmokeOptions(journeys=[{"name": "x", "steps": [{"fill": "#a"}]}])
    with pytest.raises(ValueError, match="one of"):
        SmokeOptions(journeys=[{"name": "x", "steps": [{"hover": "#a"}]}])


# --- journeys in real Chromium ---------------------------------------------------------------


def _chromium() -> None:
    import os

    require_component("chromium", os.path.exists(CHROMIUM), "apt-get install chromium")


SIGN_IN = {
    "name": "sign in",
    "steps": [
        {"goto": "/login"},
        {"expect_visible": "form#login"},
        {"expect_text": {"selector": "#title", "text": "Sign in"}},
        {"fill": {"selector": "input[name=email]", "value": "smoke@example.com"}},
        {"press": {"selector": "input[name=email]", "key": "Enter"}},
        {"expect_url": "/dashboard"},
        {"wait_for": "h1"},
        {"expect_text": {"selector": "h1", "text": "Welcome"}},
    ],
}


def _png(artifact: Any) -> bytes:
    data = base64.b64decode(artifact.data_base64)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return data


@pytest.mark.chromium
def test_journeys_in_chromium_pass_and_fail_with_screenshots(tmp_path: Path) -> None:
    _chromium()
    home = {
        "name": "home",
        "steps": [{"goto": "/"}, {"click": "#login-link"}, {"expect_url": "/login"}],
    }
    broken = {"name": "js error", "steps": [{"goto": "/js-error"}, {"wait_for": "h1"}]}
    noisy = {"name": "console error", "steps": [{"goto": "/console-error"}]}
    missing = {"name": "missing element", "steps": [{"goto": "/"}, {"click": "#nope"}]}
    image = {"name": "missing image", "steps": [{"goto": "/missing-image"}, {"wait_for": "h1"}]}
    out = _run(
        tmp_path,
        journeys=[SIGN_IN, home, broken, noisy, missing, image],
        step_timeout="3s",
        ignore_console=["status of 404"],
    )
    rows = {row["journey"]: row for row in out.details["journeys"]}
    assert rows["sign in"]["passed"] and rows["sign in"]["steps"] == 8
    assert rows["sign in"]["final_url"].split("?")[0].endswith("/dashboard")
    assert rows["home"]["passed"]
    assert rows["missing image"]["passed"]  # its 404 console error is ignored by ignore_console
    assert not rows["js error"]["passed"] and "boom from throw.js" in rows["js error"]["error"]
    assert "uncaught page error" in rows["js error"]["error"]
    assert not rows["console error"]["passed"]
    assert "deliberate console error" in rows["console error"]["error"]
    assert (
        not rows["missing element"]["passed"]
        and "step 2 (click #nope)" in rows["missing element"]["error"]
    )
    failed = {f.data["item"] for f in _blocking(out)}
    assert failed == {"journey js error", "journey console error", "journey missing element"}
    titles = [a.title for a in out.artifacts]
    assert "sign in: last page" in titles and "missing element: failing step 2" in titles
    assert all(a.kind == "screenshot" and a.media_type == "image/png" for a in out.artifacts)
    assert all(len(_png(a)) > 1000 for a in out.artifacts)
    saved = sorted((tmp_path / "reports" / "artifacts" / "smoke").glob("*.png"))
    assert len(saved) == len(out.artifacts)
    said = subprocess.run(
        ["/usr/bin/chromium", "--version"], capture_output=True, text=True, check=True
    ).stdout  # the browser Playwright drove, as the binary names itself
    assert out.tool_versions == {"chromium": out.details["chromium"]}
    assert out.details["chromium"] in said.split()


@pytest.mark.chromium
def test_missing_chromium_binary_is_an_error(tmp_path: Path) -> None:
    from gates.errors import ToolMissing

    with pytest.raises(ToolMissing):
        _run(tmp_path, journeys=[SIGN_IN], executable_path=str(tmp_path / "no-chromium"))


@pytest.mark.chromium
def test_post_deploy_run_keeps_good_and_rolls_back_bad(tmp_path: Path) -> None:
    _chromium()
    checklist = tmp_path / "checklist.yml"
    checklist.write_text(
        json.dumps(
            {
                "version": 1,
                "project": "t",
                "environments": {"production": {"require": ["smoke"]}},
                "gates": {
                    "smoke": {
                        "type": "smoke",
                        "stage": "post-deploy",
                        "base_url": "${DEPLOY_URL}",
                        "checks": [{"get": "/api/health", "status": 200, "contains": '"ok"'}],
                        "version": {"get": "/api/version", "json": "$.commit", "retries": 0},
                        "journeys": [SIGN_IN],
                    }
                },
            }
        )
    )
    with serve() as site:
        keep = run_gates(
            [
                "run",
                "--checklist",
                str(checklist),
                "--out",
                str(tmp_path / "keep"),
                "--stage",
                "post-deploy",
                "--url",
                site.base,
                "--commit",
                COMMIT,
                "--env",
                "production",
            ]
        )
        back = run_gates(
            [
                "run",
                "--checklist",
                str(checklist),
                "--out",
                str(tmp_path / "back"),
                "--stage",
                "post-deploy",
                "--url",
                site.base,
                "--commit",
                "aaaaaaaaaaaaaaaaaaaa",
                "--env",
                "production",
            ]
        )
    kept = load_report(tmp_path / "keep")
    assert keep[0] == 0 and kept["verdict"] == "pass", gate(kept, "smoke")
    shots = gate(kept, "smoke")["artifacts"]
    assert shots and shots[0]["kind"] == "screenshot"
    assert back[0] == 1
    rolled = gate(load_report(tmp_path / "back"), "smoke")
    assert rolled["status"] == "fail"
    assert [f["rule"] for f in rolled["findings"]] == ["smoke-wrong-version"]
    html = tmp_path / "keep" / "gate-report.html"
    if html.exists():
        assert "data:image/png;base64," in html.read_text()


def test_redirect_to_another_host_fails_the_check(tmp_path: Path) -> None:
    # e.g. a protected preview bouncing to an SSO page on another host that answers 200
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    with serve() as site:
        port = site.base.rsplit(":", 1)[1]

        class Bounce(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self.send_response(302)
                self.send_header("Location", f"http://localhost:{port}/api/health")
                self.send_header("Content-Length", "0")
                self.end_headers()

        server = ThreadingHTTPServer(("127.0.0.1", 0), Bounce)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            base = f"http://127.0.0.1:{server.server_address[1]}"
            out = evaluate(SmokeOptions(checks=[{"get": "/api/health"}]), _ctx(tmp_path, base))
        finally:
            server.shutdown()
            server.server_close()
    assert len(_blocking(out)) == 1
    assert "redirected to another host" in _blocking(out)[0].message


def test_empty_contains_is_rejected() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        SmokeOptions(checks=[{"get": "/", "contains": ""}])

"""headers gate: a real local site with good headers passes; each seeded fault fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from gates.checks.base import GateContext
from gates.checks.headers import HeadersOptions, evaluate
from gates.model import Status
from tests.conftest import gate, load_report, run_gates
from tests.support.gates import gate_context
from tests.support.local_site import FAULTS, serve

REQUIRE = ["csp", "hsts", "nosniff", "framing", "referrer", "cookies", "cors"]


def _ctx(tmp_path: Path, url: str | None = None) -> GateContext:
    return gate_context("headers", tmp_path, url=url)


def test_good_site_passes_with_a_plus(tmp_path: Path) -> None:
    with serve() as site:
        out = evaluate(HeadersOptions(require=REQUIRE, min_score=90), _ctx(tmp_path, site.base))
    assert out.status is None
    assert [f for f in out.findings if f.blocks] == []
    score = out.measurements[0]
    # CSP default-src 'none' +10, XFO via frame-ancestors +5, referrer private +5
    assert score.value == 120 and score.status is Status.PASS
    assert out.details["urls"][0]["grade"] == "A+"
    assert "score 120 (A+)" in out.summary


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_seeded_fault_fails(tmp_path: Path, fault: str) -> None:
    broken_test = FAULTS[fault][2]
    with serve() as site:
        out = evaluate(
            HeadersOptions(urls=[f"/h/{fault}/"], require=REQUIRE, min_score=90),
            _ctx(tmp_path, site.base),
        )
    blocking = [f for f in out.findings if f.blocks]
    assert broken_test in {f.rule for f in blocking}, out.findings
    required = [m for m in out.measurements if m.name == "required tests failing"]
    assert required[0].status is Status.FAIL


def test_cors_reflection_is_caught_with_the_probe_origin(tmp_path: Path) -> None:
    with serve() as site:
        out = evaluate(HeadersOptions(urls=["/h/cors-reflect/"]), _ctx(tmp_path, site.base))
    cors = [f for f in out.findings if f.rule == "cross-origin-resource-sharing"]
    assert cors and cors[0].blocks  # -50 is critical: blocks even when not required
    assert "reflects any Origin" in cors[0].message


def test_score_below_min_score_fails_measurement(tmp_path: Path) -> None:
    with serve() as site:
        out = evaluate(HeadersOptions(urls=["/h/nocsp/"], min_score=90), _ctx(tmp_path, site.base))
    assert out.measurements[0].value == 75
    assert out.measurements[0].status is Status.FAIL


def test_unreachable_url_fails_closed(tmp_path: Path) -> None:
    with serve() as site:
        dead = site.base
    out = evaluate(HeadersOptions(url=dead + "/"), _ctx(tmp_path))
    assert out.status is Status.ERROR and "cannot fetch" in (out.error or "")


def test_server_error_page_is_not_judged(tmp_path: Path) -> None:
    with serve() as site:
        out = evaluate(HeadersOptions(urls=["/api/500"]), _ctx(tmp_path, site.base))
    assert out.status is Status.ERROR and "500" in out.summary


def test_no_url_at_all_fails_closed(tmp_path: Path) -> None:
    out = evaluate(HeadersOptions(), _ctx(tmp_path))
    assert out.status is Status.ERROR


def test_unknown_required_test_is_an_error(tmp_path: Path) -> None:
    out = evaluate(HeadersOptions(require=["hstss"]), _ctx(tmp_path, "http://127.0.0.1:9/"))
    assert out.status is Status.ERROR and "unknown header test" in out.summary


def test_through_gates_run_post_deploy(tmp_path: Path) -> None:
    (tmp_path / "checklist.yml").write_text(
        "version: 1\nproject: t\ngates:\n  headers:\n    type: headers\n    stage: post-deploy\n"
        "    url: ${DEPLOY_URL}\n    min_score: 90\n    require: [hsts, csp]\n"
    )
    with serve() as site:
        good = run_gates(
            [
                "run",
                "--checklist",
                str(tmp_path / "checklist.yml"),
                "--out",
                str(tmp_path / "good"),
                "--stage",
                "post-deploy",
                "--url",
                site.base,
            ]
        )
        bad = run_gates(
            [
                "run",
                "--checklist",
                str(tmp_path / "checklist.yml"),
                "--out",
                str(tmp_path / "bad"),
                "--stage",
                "post-deploy",
                "--url",
                site.base + "/h/nohsts/",
            ]
        )
    assert good[0] == 0, load_report(tmp_path / "good")
    assert gate(load_report(tmp_path / "good"), "headers")["status"] == "pass"
    assert bad[0] == 1
    report = gate(load_report(tmp_path / "bad"), "headers")
    assert report["status"] == "fail"
    assert any(f["rule"] == "strict-transport-security" for f in report["findings"])

"""``analysis`` against real servers: a local app the test switches mid-window, real Prometheus."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import have_executable, load_report, require_component, run_gates
from tests.support.shop_web import free_port
from tests.support.watched_app import (
    PROMETHEUS,
    AppState,
    real_prometheus,
    switch_later,
    watched_app,
)


def run_analysis(
    tmp_path: Path, body: str, capsys: pytest.CaptureFixture[str] | None = None
) -> tuple[int, dict[str, Any]]:
    indented = "".join(f"    {line}\n" for line in body.strip().splitlines())
    checklist = tmp_path / "checklist.yml"
    checklist.write_text(f"gates:\n  watch:\n    type: analysis\n{indented}")
    out = tmp_path / "reports"
    code, _, _ = run_gates(
        [
            "run",
            "--checklist",
            str(checklist),
            "--out",
            str(out),
            "--no-history",
            "--stage",
            "post-deploy",
            "--format",
            "json,html",
        ],
        capsys,
    )
    report = load_report(out)
    return code, next(g for g in report["gates"] if g["id"] == "watch")


def measurement(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(m for m in result["measurements"] if m["name"] == name)


WINDOW = "duration: 3s\ninterval: 250ms\nmax_rps: 20\n"


def test_healthy_window_passes_and_records_every_sample(tmp_path: Path) -> None:
    with watched_app() as (url, state):
        code, result = run_analysis(
            tmp_path,
            f"base_url: {url}\n{WINDOW}probes: [{{get: /api/health}}, {{get: /, name: home}}]\n"
            "max_error_rate: 1%\nmax_p95_ms: 500\n",
        )
    assert code == 0, result["summary"]
    assert result["status"] == "pass"
    series = {s["name"]: s for s in result["series"]}
    assert set(series) == {"/api/health", "home"}
    assert len(series["home"]["samples"]) == 13  # 3s / 250ms + the one at the start
    assert all(s["ok"] and s["value"] > 0 for s in series["home"]["samples"])
    assert len(state.requests) == 26
    assert measurement(result, "error rate")["value"] == 0
    html = (tmp_path / "reports" / "gate-report.html").read_text()
    assert "<svg" in html and "home" in html


def test_errors_switched_on_mid_window_fail_fast(tmp_path: Path) -> None:
    with watched_app(AppState(error_after=4)) as (url, _):
        code, result = run_analysis(
            tmp_path, f"base_url: {url}\n{WINDOW}probes: [{{get: /}}]\nmax_error_rate: 5%\n"
        )
    assert code == 1 and result["status"] == "fail"
    assert "breach after" in result["summary"]
    assert result["details"]["rounds"] < result["details"]["planned_rounds"]
    samples = result["series"][0]["samples"]
    assert [s["ok"] for s in samples] == [True] * 4 + [False]  # stopped at the first 500
    assert samples[-1]["note"] == "HTTP 500"


def test_error_rate_judged_at_the_end_without_fail_fast(tmp_path: Path) -> None:
    with watched_app(AppState(error_every=4)) as (url, _):
        code, result = run_analysis(
            tmp_path,
            f"base_url: {url}\n{WINDOW}probes: [{{get: /}}]\n"
            "max_error_rate: 10%\nfail_fast: false\n",
        )
    assert code == 1
    assert result["details"]["rounds"] == 13
    assert measurement(result, "error rate /")["value"] == pytest.approx(100 * 3 / 13, abs=0.1)


def test_latency_switched_up_mid_window_breaches_p95(tmp_path: Path) -> None:
    with watched_app() as (url, state):
        switch_later(1.0, state=state, delay_ms=300)
        code, result = run_analysis(
            tmp_path,
            f"base_url: {url}\nduration: 3s\ninterval: 400ms\nprobes: [{{get: /}}]\n"
            "max_p95_ms: 150\nrequest_timeout: 2s\n",
        )
    assert code == 1 and result["status"] == "fail"
    assert "p95" in result["summary"]


def test_slower_than_the_baseline_by_a_significant_margin_fails(tmp_path: Path) -> None:
    with watched_app(AppState(delay_ms=250)) as (new, _), watched_app() as (old, _):
        code, result = run_analysis(
            tmp_path,
            f"base_url: {new}\nbaseline_url: {old}\n{WINDOW}probes: [{{get: /}}]\n"
            "max_p95_increase: 20%\nnoise_floor_ms: 25\n",
        )
    assert code == 1
    m = measurement(result, "p95 increase /")
    assert m["status"] == "fail" and "slower" in m["message"]
    names = {s["name"] for s in result["series"]}
    assert names == {"/", "/ (baseline)"}


def test_same_speed_as_the_baseline_is_no_false_alarm(tmp_path: Path) -> None:
    with (
        watched_app(AppState(delay_ms=20)) as (new, _),
        watched_app(AppState(delay_ms=20)) as (
            old,
            _,
        ),
    ):
        code, result = run_analysis(
            tmp_path,
            f"base_url: {new}\nbaseline_url: {old}\n{WINDOW}probes: [{{get: /}}]\n"
            "max_p95_increase: 20%\nnoise_floor_ms: 25\n",
        )
    assert code == 0, result["summary"]
    assert measurement(result, "p95 increase /")["status"] == "pass"


def test_refused_connections_are_error_not_fail_or_pass(tmp_path: Path) -> None:
    code, result = run_analysis(
        tmp_path, f"base_url: http://127.0.0.1:{free_port()}\n{WINDOW}probes: [{{get: /}}]\n"
    )
    assert code == 1 and result["status"] == "error"
    assert "measured nothing" in result["error"]


def test_timeouts_are_errors(tmp_path: Path) -> None:
    with watched_app(AppState(delay_ms=700)) as (url, _):
        code, result = run_analysis(
            tmp_path,
            f"base_url: {url}\nduration: 2s\ninterval: 500ms\nprobes: [{{get: /}}]\n"
            "request_timeout: 200ms\n",
        )
    assert code == 1 and result["status"] == "error"
    assert "no answer: timeout" in result["error"]


def test_a_protection_wall_is_not_a_healthy_deployment(tmp_path: Path) -> None:
    with watched_app(AppState(require_header=("x-vercel-protection-bypass", "s3cret-bypass"))) as (
        url,
        _,
    ):
        code, result = run_analysis(tmp_path, f"base_url: {url}\n{WINDOW}probes: [{{get: /}}]\n")
    assert code == 1 and result["status"] == "error"
    assert "protection_bypass" in result["error"]


def test_a_baseline_that_cannot_be_measured_is_error(tmp_path: Path) -> None:
    with watched_app() as (new, _):
        code, result = run_analysis(
            tmp_path,
            f"base_url: {new}\nbaseline_url: http://127.0.0.1:{free_port()}\n{WINDOW}"
            "probes: [{get: /}]\nmax_p95_increase: 20%\n",
        )
    assert code == 1 and result["status"] == "error"
    assert "baseline could not be measured" in result["error"]


def test_load_is_bounded_and_goes_only_to_the_configured_host(tmp_path: Path) -> None:
    with watched_app() as (url, state), watched_app() as (elsewhere, other):
        state.status, state.location = 302, elsewhere + "/login"  # recorded, never followed
        code, result = run_analysis(
            tmp_path,
            f"base_url: {url}\nduration: 2s\ninterval: 200ms\nmax_rps: 10\n"
            "probes: [{get: /a}, {get: /b}]\n",
        )
        assert other.requests == []
    assert code == 0, result["summary"]
    times = [t for t, _, _ in state.requests]
    assert len(times) == 22  # 11 rounds x 2 probes, and not one more
    for i in range(len(times) - 10):
        assert times[i + 10] - times[i] >= 0.9  # never more than 10 in any second


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("duration: 1h\ninterval: 1s\nprobes: [{get: /}]\n", "above max_requests"),
        ("duration: 10s\ninterval: 100ms\nprobes: [{get: /}]\n", "above max_rps"),
        ("probes: [{get: /}]\nmax_p95_increase: 10%\n", "baseline_url"),
        ("duration: 10s\n", "nothing to watch"),
        ("probes: [{get: 'https://evil.example/'}]\n", "must be a path"),
        ("probes: [{get: /}]\nmax_rps: 500\n", "max_rps"),
        ("prometheus: {url: http://x, queries: [{name: q, query: up}]}\n", "needs min or max"),
    ],
)
def test_bad_options_are_checklist_errors_with_a_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, message: str
) -> None:
    indented = "".join(f"    {line}\n" for line in body.strip().splitlines())
    checklist = tmp_path / "checklist.yml"
    checklist.write_text(
        f"gates:\n  watch:\n    type: analysis\n    base_url: http://127.0.0.1:1\n{indented}"
    )
    code, _, err = run_gates(["validate", str(checklist)], capsys)
    assert code == 2 and "checklist.yml:" in err and message in err, err
    assert "Traceback" not in err


# --- real Prometheus ---------------------------------------------------------------------------


@pytest.fixture
def app_and_prometheus() -> Iterator[tuple[str, AppState, str]]:
    require_component("prometheus", have_executable(PROMETHEUS), "apt-get install prometheus")
    with watched_app() as (url, state), real_prometheus(url) as prom:
        yield url, state, prom


# "or vector(0)": without any 5xx series the numerator is empty, and so would the ratio be
# (which the gate rightly calls an error); this is how the ratio is written for real.
RATIO = (
    '(sum(rate(http_requests_total{code=~"5.."}[3s])) or vector(0))'
    " / sum(rate(http_requests_total[3s]))"
)


def _prom_body(app: str, prom: str, queries: str, extra: str = "") -> str:
    return (
        f"base_url: {app}\nduration: 6s\ninterval: 500ms\nmax_rps: 20\nprobes: [{{get: /}}]\n"
        f"max_error_rate: 100%\nprometheus:\n  url: {prom}\n  queries:\n{queries}{extra}"
    )


def test_prometheus_query_breach_mid_window_fails(
    tmp_path: Path, app_and_prometheus: tuple[str, AppState, str]
) -> None:
    app, state, prom = app_and_prometheus
    switch_later(2.5, state=state, error_every=1)
    query = f"    - {{name: 5xx ratio, query: '{RATIO}', max: 0.2}}\n"
    code, result = run_analysis(tmp_path, _prom_body(app, prom, query))
    assert code == 1 and result["status"] == "fail", result["summary"]
    assert "5xx ratio" in result["summary"]
    series = next(s for s in result["series"] if s["name"] == "5xx ratio")
    assert any(s["ok"] and s["value"] > 0.2 for s in series["samples"])


def test_prometheus_healthy_window_passes(
    tmp_path: Path, app_and_prometheus: tuple[str, AppState, str]
) -> None:
    app, _, prom = app_and_prometheus
    queries = (
        f"    - {{name: 5xx ratio, query: '{RATIO}', max: 0.01}}\n"
        "    - {name: traffic, query: 'sum(http_requests_total)', min: 1}\n"
    )
    code, result = run_analysis(tmp_path, _prom_body(app, prom, queries))
    assert code == 0, result["summary"]
    assert measurement(result, "traffic (min)")["value"] >= 1


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("sum(no_such_metric_total)", "empty result"),
        ("0/0", "not a finite value"),
        ("http_requests_total", "series"),  # several series where one is judged
    ],
)
def test_prometheus_answers_that_are_not_a_value_are_error(
    tmp_path: Path, app_and_prometheus: tuple[str, AppState, str], query: str, why: str
) -> None:
    app, state, prom = app_and_prometheus
    state.error_every = 3  # so http_requests_total has a 200 and a 500 series
    code, result = run_analysis(
        tmp_path, _prom_body(app, prom, f"    - {{name: q, query: '{query}', max: 1000000}}\n")
    )
    assert code == 1 and result["status"] == "error", result["summary"]
    assert why in result["error"]


def test_unreachable_prometheus_is_error(tmp_path: Path) -> None:
    with watched_app() as (app, _):
        body = _prom_body(
            app,
            f"http://127.0.0.1:{free_port()}",
            "    - {name: q, query: up, max: 1}\n",
        ).replace("duration: 6s", "duration: 2s")
        code, result = run_analysis(tmp_path, body)
    assert code == 1 and result["status"] == "error"
    assert "prometheus unreachable" in result["error"]


def test_series_are_typed_in_the_report(tmp_path: Path) -> None:
    from gates.report.codec import load

    with watched_app() as (url, _):
        run_analysis(tmp_path, f"base_url: {url}\n{WINDOW}probes: [{{get: /}}]\n")
    report = load(tmp_path / "reports" / "gate-report.json")
    (series,) = report.gates[0].series
    assert series.unit == "ms" and len(series.samples) == 13
    assert json.loads((tmp_path / "reports" / "gate-report.json").read_text())["verdict"] == "pass"


def test_a_certain_breach_is_fail_even_before_the_baseline_can_be_compared(
    tmp_path: Path,
) -> None:
    with watched_app(AppState(error_every=1)) as (new, _), watched_app() as (old, _):
        code, result = run_analysis(
            tmp_path,
            f"base_url: {new}\nbaseline_url: {old}\n{WINDOW}probes: [{{get: /}}]\n"
            "max_p95_increase: 20%\n",
        )
    assert code == 1 and result["status"] == "fail", result["summary"]
    assert result["details"]["not_compared"] == ["/"]


def test_a_target_too_slow_for_the_rounds_stops_by_itself_and_is_error(tmp_path: Path) -> None:
    with watched_app(AppState(delay_ms=900)) as (url, state):
        code, result = run_analysis(
            tmp_path,
            f"base_url: {url}\nduration: 2s\ninterval: 250ms\nmax_rps: 20\nprobes: [{{get: /}}]\n"
            "request_timeout: 1s\nfail_fast: false\n",
        )
    assert code == 1 and result["status"] == "error"
    assert "rounds fit the window" in result["error"]
    assert result["details"]["rounds"] < result["details"]["planned_rounds"]
    assert len(state.requests) == result["details"]["rounds"]  # no round was sent in a burst


def test_a_hanging_prometheus_is_error_and_bounded(tmp_path: Path) -> None:
    import socket

    with socket.socket() as silent, watched_app() as (app, _):
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)  # accepts connections, never answers
        prom = f"http://127.0.0.1:{silent.getsockname()[1]}"
        body = (
            f"base_url: {app}\nduration: 2s\ninterval: 250ms\nmax_rps: 20\nprobes: [{{get: /}}]\n"
            f"prometheus:\n  url: {prom}\n  timeout: 300ms\n  queries:\n"
            "    - {name: q, query: up, max: 1}\n"
        )
        code, result = run_analysis(tmp_path, body)
    assert code == 1 and result["status"] == "error"
    assert "no answer within" in result["error"]

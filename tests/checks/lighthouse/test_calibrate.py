"""``cpu_slowdown``: Lighthouse's calculator, the keys that refuse it, real calibrated runs."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from gates.checks.lighthouse.calibrate import slowdown_for
from gates.checks.lighthouse.options import LighthouseOptions
from gates.errors import ToolError
from gates.parsers import lighthouse as lhr
from tests.checks.lighthouse.test_lighthouse import GENEROUS, _gate_run, _need_lighthouse, _server
from tests.support.shop_web import build, free_port

# The calculator's published points (Lighthouse docs/throttling.md links it): host → multiplier
PUBLISHED = [(150, 1.0), (800, 2.0), (1300, 3.0), (1533, 4.0), (1766, 5.0), (1999, 6.0)]


@pytest.mark.parametrize(("index", "multiplier"), PUBLISHED)
def test_multiplier_goes_through_the_calculators_points(index: float, multiplier: float) -> None:
    assert slowdown_for(index) == pytest.approx(multiplier, abs=0.01)


def test_multiplier_grows_with_the_host_speed() -> None:
    values = [slowdown_for(float(index)) for index in range(150, 3000, 7)]
    assert values == sorted(values) and len(set(values)) == len(values)


@pytest.mark.parametrize("index", [149.0, 10.0, 0.0, -5.0, math.nan, math.inf])
def test_a_host_no_multiplier_fits_is_an_error(index: float) -> None:
    with pytest.raises(ToolError):
        slowdown_for(index)


BASE: dict[str, Any] = {"server": {"run": "x", "url": "http://127.0.0.1:1"}, "urls": ["/"]}


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"cpu_slowdown": 0.5}, "not a multiplier"),
        ({"cpu_slowdown": 25}, "not a multiplier"),
        ({"cpu_slowdown": "fast"}, "cpu_slowdown"),
        ({"cpu_slowdown": "auto", "preset": "desktop"}, "mobile"),
        ({"cpu_slowdown": 2, "throttling": "provided"}, "no throttling"),
    ],
)
def test_cpu_slowdown_is_refused_where_it_cannot_be_honoured(
    extra: dict[str, Any], says: str
) -> None:
    with pytest.raises(ValidationError, match=says):
        LighthouseOptions.model_validate({**BASE, "budgets": {"performance": 0.9}, **extra})


def test_cpu_slowdown_is_refused_on_runs_already_made() -> None:
    with pytest.raises(ValidationError, match="already made"):
        LighthouseOptions.model_validate(
            {"results": ["lhr.json"], "budgets": {"performance": 0.9}, "cpu_slowdown": "auto"}
        )


def test_cpu_slowdown_is_accepted_as_a_number_or_auto() -> None:
    for value, expected in ((2, 2.0), (1.5, 1.5), ("auto", "auto")):
        options = LighthouseOptions.model_validate(
            {**BASE, "budgets": {"performance": 0.9}, "cpu_slowdown": value}
        )
        assert options.cpu_slowdown == expected


def _one_clean_run(out: Path, cpu_slowdown: str | float) -> dict[str, Any]:
    """One real Lighthouse run of the clean example's / at ``cpu_slowdown``; it must pass."""
    _need_lighthouse()
    spec = {"server": _server(free_port()), "urls": ["/"], "runs": 1, "budgets": GENEROUS}
    result = _gate_run(build("clean"), {**spec, "cpu_slowdown": cpu_slowdown}, out)
    assert result["status"] == "pass", result["summary"]
    return result


def _throttle(lhr_path: Path) -> float:
    data = json.loads(lhr_path.read_text())
    return float(data["configSettings"]["throttling"]["cpuSlowdownMultiplier"])


@pytest.mark.slow
@pytest.mark.lighthouse
def test_auto_calibrates_then_judges_runs_at_that_multiplier(tmp_path: Path) -> None:
    out = tmp_path / "auto"
    result = _one_clean_run(out, "auto")
    calibration = result["details"]["cpu_calibration"]
    folder = out / "artifacts" / "lighthouse"
    calibrated = json.loads((folder / "calibration.lhr.json").read_text())
    # the multiplier is the calculator's for the benchmarkIndex the calibration run measured
    assert calibration["benchmark_index"] == calibrated["environment"]["benchmarkIndex"]
    assert calibration["multiplier"] == round(slowdown_for(calibration["benchmark_index"]), 2)
    judged = list(folder.glob("lhr-*.json"))
    assert len(judged) == 1  # the calibration run is kept, but never judged
    assert _throttle(judged[0]) == pytest.approx(calibration["multiplier"], rel=0.01)
    # this folder given as `results:` (the documented reuse) yields the judged run only
    (reread,) = lhr.load_results([folder])
    assert reread.cpu_slowdown == pytest.approx(calibration["multiplier"], rel=0.01)
    # each judged run's own benchmarkIndex, as its LHR states it (lighthouse.md)
    stated = json.loads(judged[0].read_text())["environment"]["benchmarkIndex"]
    assert result["details"]["host_benchmark_index"] == {"/": [stated]}


@pytest.mark.slow
@pytest.mark.lighthouse
def test_a_fixed_multiplier_reaches_lighthouse(tmp_path: Path) -> None:
    out = tmp_path / "fixed"
    result = _one_clean_run(out, 2)
    assert "cpu_calibration" not in result["details"]
    (judged,) = (out / "artifacts" / "lighthouse").glob("lhr-*.json")
    assert _throttle(judged) == 2.0


@pytest.mark.slow
@pytest.mark.lighthouse
def test_a_lighthouse_that_ignores_the_multiplier_is_an_error(tmp_path: Path) -> None:
    """The real Lighthouse behind a wrapper that drops the flag: the run is refused, not judged
    at Lighthouse's own 4x as if the checklist's multiplier had been used."""
    _need_lighthouse()
    wrapper = tmp_path / "lighthouse-dropping-flag"
    real = build("clean") / "node_modules" / ".bin" / "lighthouse"
    wrapper.write_text(
        "#!/bin/sh\nfor a; do shift; case $a in --throttling.cpuSlowdownMultiplier=*) ;; "
        f'*) set -- "$@" "$a";; esac; done\nexec {real} "$@"\n'
    )
    wrapper.chmod(0o755)
    spec = {
        "server": _server(free_port()),
        "urls": ["/"],
        "runs": 1,
        "budgets": GENEROUS,
        "cpu_slowdown": 2,
        "lighthouse": str(wrapper),
    }
    result = _gate_run(build("clean"), spec, tmp_path / "out")
    assert result["status"] == "error"
    assert "not the 2 cpu_slowdown asked for" in result["summary"]

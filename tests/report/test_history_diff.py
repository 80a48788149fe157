"""history.jsonl and ``gates diff``: values over time, deltas with units, new/fixed findings."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gates.errors import ReportError
from gates.model import Finding, Location, Severity, Status
from gates.report import history
from gates.report.diff import delta_text, diff_reports, format_value, main_diff, render_text
from gates.writers import write_all
from tests.support.sample_report import hostile_report


@pytest.mark.parametrize(
    ("value", "baseline", "unit", "text"),
    [
        (79.1, 80.3, "%", "−1.2 pp"),
        (108000, 100000, "B", "+8 kB"),
        (2800, 2500, "ms", "+300 ms"),
        (1.5, 1.2, "s", "+300 ms"),
        (3.5, 1.2, "s", "+2.3 s"),
        (0.85, 0.9, "", "−0.05"),
        (5, 5, "%", "±0"),
        (None, 5, "%", ""),
        (5, None, "%", ""),
    ],
)
def test_delta_text(value: float | None, baseline: float | None, unit: str, text: str) -> None:
    assert delta_text(value, baseline, unit) == text


def test_format_value() -> None:
    assert format_value(79.1, "%") == "79.1%"
    assert format_value(250000, "B") == "250 kB"
    assert format_value(2500, "ms") == "2500 ms"
    assert format_value(None, "ms") == "—"


def test_history_append_and_load(tmp_path: Path) -> None:
    report = hostile_report()
    for _ in range(3):
        history.append(report, tmp_path)
    with (tmp_path / "history.jsonl").open("a") as fh:
        fh.write('{"torn": ')  # a crash mid-line is skipped, not fatal
    entries = history.load(tmp_path, limit=2)
    assert len(entries) == 2
    assert entries[-1]["commit"] == report.commit
    coverage = next(g for g in report.gates if g.id == "coverage")
    assert entries[-1]["gates"]["coverage"] == {
        "status": "warn",
        "duration_s": coverage.duration_s,
        "measurements": {"lines": 79.1},
    }
    assert history.series(entries, "coverage", "lines") == [79.1, 79.1]
    assert history.load(tmp_path / "nowhere") == []


def _changed() -> tuple:  # type: ignore[type-arg]
    base = hostile_report()
    tests = base.gates[0]
    fixed_tests = dataclasses.replace(tests, status=Status.PASS, findings=())
    sast = base.gates[2]
    extra = Finding(
        rule="B303",
        severity=Severity.MEDIUM,
        message="md5",
        location=Location("app/z.py", 9),
        fingerprint="fp-new",
    )
    sast = dataclasses.replace(sast, findings=(*sast.findings, extra))
    cov = base.gates[1]
    cov = dataclasses.replace(
        cov, measurements=(dataclasses.replace(cov.measurements[0], value=81.5),)
    )
    new = dataclasses.replace(
        base, verdict=Status.PASS, commit="fedcba9", gates=(fixed_tests, cov, sast, *base.gates[3:])
    )
    return base, new


def test_diff_reports() -> None:
    base, new = _changed()
    diff = diff_reports(base, new)
    assert (diff.verdict_before, diff.verdict_after) == (Status.FAIL, Status.PASS)
    tests = next(g for g in diff.gates if g.id == "tests")
    assert (tests.before, tests.after) == (Status.FAIL, Status.PASS)
    lines = next(m for m in diff.measurements if m.name == "lines")
    assert lines.text == "+2.4 pp"
    assert [f.rule for _, f in diff.new_findings] == ["B303"]
    assert [f.rule for _, f in diff.fixed_findings] == ["test-failed"]
    text = render_text(diff)
    assert "verdict: fail → pass" in text and "* tests: fail → pass" in text
    assert "coverage lines: 79.1% → 81.5% (+2.4 pp)" in text


def test_main_diff_exit_zero_and_bad_input(tmp_path: Path) -> None:
    base, new = _changed()
    write_all(base, tmp_path / "a", ["json"])
    write_all(new, tmp_path / "b", ["json"])
    code, text = main_diff(tmp_path / "a" / "gate-report.json", tmp_path / "b" / "gate-report.json")
    assert code == 0 and "new findings: 1" in text and "fixed findings: 1" in text
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ReportError):
        main_diff(tmp_path / "bad.json", tmp_path / "b" / "gate-report.json")

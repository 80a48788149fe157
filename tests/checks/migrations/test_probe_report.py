"""The live dry run's lock timelines are typed data: they survive the report codec and the HTML
report draws them (no PostgreSQL needed: a measured result is built by hand)."""

from __future__ import annotations

import dataclasses

from gates.checks.migrations.probe import LockSpan, ProbeResult, Wait, mode_name
from gates.model import GateResult, Status
from gates.report.codec import from_dict, to_dict
from gates.writers.html_report import render
from tests.support.sample_report import hostile_report


def _measured() -> ProbeResult:
    result = ProbeResult("2026-12-01T23:00:00.000+00:00", duration_s=0.9)
    result.tables = ["public.items"]
    result.locks = [LockSpan("public.items", "ShareLock", True, 0.07, 0.95, 1)]
    result.waits = [
        Wait("public.items", "write", 0.05, 0.0, False, 0.001),
        Wait("public.items", "write", 0.10, 0.2, True, 0.2),
        Wait("public.items", "read", 0.12, 0.0, False, 0.002),
    ]
    return result


def test_mode_names_are_postgresql_lock_mode_names() -> None:
    assert mode_name("AccessExclusiveLock") == "ACCESS EXCLUSIVE"
    assert mode_name("ShareRowExclusiveLock") == "SHARE ROW EXCLUSIVE"
    assert mode_name("ShareLock") == "SHARE"


def test_longest_wait_and_the_lock_behind_it() -> None:
    probed = _measured()
    worst = probed.longest("public.items")
    assert worst is not None and worst.timed_out and worst.waited_s == 0.2
    span = probed.strongest("public.items", worst.at_s, worst.at_s + worst.waited_s)
    assert span is not None and span.mode == "ShareLock" and span.line == 1


def test_lock_timeline_series_survive_the_codec_and_are_drawn_in_html() -> None:
    series = _measured().series("20240201000000_idx.sql")
    names = [s.name for s in series]
    assert names == [
        "20240201000000_idx.sql: probe wait on public.items",
        "20240201000000_idx.sql: SHARE on public.items",
    ]
    waits = series[0]
    assert [s.value for s in waits.samples] == [0.0, 200.0, 0.0]
    assert [s.ok for s in waits.samples] == [True, False, True]  # the lock_timeout is marked
    gate = GateResult(
        id="migrations",
        type="migrations",
        status=Status.FAIL,
        blocking=True,
        summary="1 migration blocked traffic",
        series=tuple(series),
    )
    report = dataclasses.replace(hostile_report(), gates=(gate,))
    assert from_dict(to_dict(report)).gates[0].series == tuple(series)
    html = render(report)
    for name in names:
        assert name in html
    assert html.count("<svg") >= 2

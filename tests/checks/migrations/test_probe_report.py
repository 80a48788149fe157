"""The live dry run's lock timelines are typed data: they survive the report codec and the HTML
report draws them (no PostgreSQL needed: a measured result is built by hand)."""

from __future__ import annotations

import dataclasses

from gates.checks.migrations.probe import LockSpan, Probe, ProbeResult, Wait, mode_name
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


def test_a_lock_seen_by_a_sample_in_flight_is_the_statement_sent_meanwhile() -> None:
    """On a busy machine the sampler asked pg_locks before the file's first statement was sent and
    got its answer after the lock was taken: the lock is that statement's, not of no line."""
    probe = Probe(None, ["public.items"], 1, interval=0.02, max_blocked=0.1)
    probe.statements = [(0.30, 1), (0.90, 4)]
    probe.samples = [
        (0.25, 0.40, "public.items", "ShareLock", True),  # asked before line 1, answered after
        (0.95, 0.96, "public.items", "AccessExclusiveLock", True),
        (1.20, 1.21, "public.other", "RowExclusiveLock", True),  # line 4 was sent before
    ]
    spans = {span.mode: span.line for span in probe._spans()}
    assert spans == {"ShareLock": 1, "AccessExclusiveLock": 4, "RowExclusiveLock": 4}
    probe.samples = [(0.10, 0.20, "public.items", "ShareLock", True)]  # before any statement
    assert [span.line for span in probe._spans()] == [None]

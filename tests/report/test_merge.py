"""``gates merge``: split CI jobs give the verdict of one full run; mismatches are refused."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from gates.errors import ReportError
from gates.model import GateResult, Report, Status
from gates.report.codec import finalize
from gates.report.merge import merge_reports
from gates.verdict import decide
from tests.support.sample_report import hostile_report


def _split(report: Report, ids: set[str]) -> Report:
    """The report a job run with ``--only ids`` gives: the other gates skipped."""
    gates = tuple(
        g
        if g.id in ids
        else GateResult(
            id=g.id,
            type=g.type,
            status=Status.SKIPPED,
            blocking=g.blocking,
            summary="not in --only",
        )
        for g in report.gates
    )
    verdict, reasons = decide(gates, ())
    return finalize(
        dataclasses.replace(
            report, gates=gates, verdict=verdict, required=(), verdict_reasons=tuple(reasons)
        ),
        None,
    )


@pytest.mark.parametrize("verdict_of_full", [Status.FAIL, Status.PASS])
def test_split_jobs_merge_to_the_verdict_of_one_run(verdict_of_full: Status) -> None:
    full = hostile_report()
    if verdict_of_full is Status.PASS:
        full = dataclasses.replace(
            full,
            gates=tuple(
                dataclasses.replace(g, status=Status.PASS) if g.status.blocks else g
                for g in full.gates
            ),
        )
    expected, reasons = decide(full.gates, full.required)
    assert expected is verdict_of_full
    a = _split(full, {"tests", "coverage"})
    b = _split(full, {"sast", "bundle"})
    merged = merge_reports([a, b], full.required)
    assert merged.verdict is expected
    assert list(merged.verdict_reasons) == reasons
    assert [g.status for g in merged.gates] == [g.status for g in full.gates]
    assert merged.commit == full.commit and merged.digest == ""


def test_required_gate_in_no_report_fails() -> None:
    full = dataclasses.replace(hostile_report(), gates=(hostile_report().gates[3],))
    merged = merge_reports([_split(full, {"bundle"})], ("bundle", "smoke"))
    assert merged.verdict is Status.FAIL
    assert merged.verdict_reasons == ("smoke: required but not in this run",)


def test_gate_reported_twice_is_an_error() -> None:
    full = hostile_report()
    a = _split(full, {"tests", "bundle"})
    b = _split(full, {"sast", "bundle"})
    merged = merge_reports([a, b], ())
    bundle = next(g for g in merged.gates if g.id == "bundle")
    assert bundle.status is Status.ERROR
    assert "reported by more than one job" in bundle.summary
    assert merged.verdict is Status.FAIL


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("commit", "ffffffffffffffff"),
        ("checklist_sha256", "00" * 32),
        ("environment", "staging"),
    ],
)
def test_refuses_reports_that_do_not_belong_together(field: str, value: str) -> None:
    a = _split(hostile_report(), {"tests"})
    changes: dict[str, Any] = {field: value}
    b = _split(dataclasses.replace(hostile_report(), **changes), {"sast"})
    with pytest.raises(ReportError, match=f"reports differ in {field}"):
        merge_reports([a, b], ())


def test_refuses_tampered_or_unfinished_reports() -> None:
    a = _split(hostile_report(), {"tests"})
    tampered = dataclasses.replace(_split(hostile_report(), {"sast"}), verdict=Status.PASS)
    with pytest.raises(ReportError, match="digest does not match"):
        merge_reports([a, tampered], ())
    with pytest.raises(ReportError, match="has no digest"):
        merge_reports([a, hostile_report()], ())
    with pytest.raises(ReportError, match="no reports"):
        merge_reports([], ())


def test_the_merged_tool_list_is_every_version_its_gates_met() -> None:
    full = hostile_report()
    met = {"tests": {"chromium": "156.0.1"}, "sast": {"bandit": "1.9.4"}}
    met["bundle"] = {"chromium": "155.0.9"}
    full = dataclasses.replace(
        full,
        gates=tuple(dataclasses.replace(g, tool_versions=met.get(g.id, {})) for g in full.gates),
    )
    a = _split(full, {"tests", "coverage"})
    b = _split(full, {"sast", "bundle"})
    merged = merge_reports([a, b], full.required)
    assert merged.tool_versions == {
        "chromium": "156.0.1, 155.0.9",
        "bandit": "1.9.4",
        "gates": full.tool_versions["gates"],
    }

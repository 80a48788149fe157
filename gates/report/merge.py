"""``gates merge A.json B.json …``: reports of CI matrix jobs (split with ``--only``) → one.

Verifies like ``gates promote``: refuses any part whose digest does not match its content and,
when a signing key is configured, any part that is unsigned or not signed with that key (a part
edited from fail to pass and re-digested is refused, never laundered into a signed whole), and
reports of different commits, checklists, projects, environments or stages. A gate run (not
``skipped``) in more than one report is flagged as ``error`` (two answers for one gate are no
answer); a gate skipped everywhere stays ``skipped``; a required gate in none fails the verdict.
The verdict is recomputed by :func:`gates.verdict.decide`, the rule the runner uses. The result
has no digest: the CLI finalizes (and signs) it like any report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from gates.errors import ReportError
from gates.model import GateResult, Report, Status, WaiverUse, tool_list
from gates.report.codec import compute_digest, verify_signature
from gates.verdict import decide

_SAME = ("commit", "checklist_sha256", "project", "environment", "stage")


def merge_reports(
    reports: Sequence[Report],
    required: Sequence[str] = (),
    *,
    signing_key: bytes | None = None,
    names: Sequence[str] | None = None,
) -> Report:
    """One report for the whole run, with one verdict. ReportError explains any refusal."""
    if not reports:
        raise ReportError("nothing to merge: no reports given")
    for index, report in enumerate(reports, 1):
        name = f"report #{index}" + (f" ({names[index - 1]})" if names else "")
        if report.digest and report.digest != compute_digest(report):
            raise ReportError(f"{name}: digest does not match its content (altered)")
        if not report.digest:
            raise ReportError(f"{name}: has no digest; only finished reports merge")
        if signing_key and not report.signature:
            raise ReportError(f"{name}: is unsigned but GATES_SIGNING_KEY is set")
        if signing_key and not verify_signature(report, signing_key):
            raise ReportError(
                f"{name}: signature is not valid for GATES_SIGNING_KEY (signed with another "
                "key, or altered after signing)"
            )
    first = reports[0]
    for name in _SAME:
        values = {getattr(r, name) for r in reports}
        if len(values) > 1:
            shown = ", ".join(sorted(repr(v) for v in values))
            raise ReportError(f"reports differ in {name} ({shown}); refusing to merge")
    gates = _merge_gates(reports)
    needed = tuple(dict.fromkeys([*required, *(g for r in reports for g in r.required)]))
    verdict, reasons = decide(gates, needed)
    started = min(r.started_at for r in reports)
    return Report(
        verdict=verdict,
        environment=first.environment,
        stage=first.stage,
        project=first.project,
        commit=first.commit,
        branch=first.branch,
        started_at=started,
        duration_s=_span(reports),
        checklist_sha256=first.checklist_sha256,
        tool_versions=tool_list(
            ", ".join(dict.fromkeys(r.tool_versions.get("gates", "?") for r in reports)), gates
        ),
        gates=tuple(gates),
        waivers=_merge_waivers(reports),
        required=needed,
        verdict_reasons=tuple(reasons),
        interrupted=any(r.interrupted for r in reports),
        url=next((r.url for r in reports if r.url), None),
    )


def _merge_gates(reports: Sequence[Report]) -> list[GateResult]:
    seen: dict[str, list[tuple[int, GateResult]]] = {}
    for index, report in enumerate(reports, 1):
        for gate in report.gates:
            seen.setdefault(gate.id, []).append((index, gate))
    merged: list[GateResult] = []
    for gate_id, entries in seen.items():
        ran = [(i, g) for i, g in entries if g.status is not Status.SKIPPED]
        if not ran:
            merged.append(entries[0][1])
        elif len(ran) == 1:
            merged.append(ran[0][1])
        else:
            where = ", ".join(f"report #{i} ({g.status.value})" for i, g in ran)
            reason = f"gate {gate_id!r} was reported by more than one job: {where}"
            merged.append(
                dataclasses.replace(
                    ran[0][1], status=Status.ERROR, blocking=True, summary=reason, error=reason
                )
            )
    return merged


def _merge_waivers(reports: Sequence[Report]) -> tuple[WaiverUse, ...]:
    found: dict[tuple[str, str], WaiverUse] = {}
    for report in reports:
        for waiver in report.waivers:
            key = (waiver.gate, waiver.match)
            old = found.get(key)
            found[key] = (
                waiver
                if old is None
                else dataclasses.replace(
                    old, used=old.used or waiver.used, expired=old.expired or waiver.expired
                )
            )
    return tuple(found.values())


def _span(reports: Sequence[Report]) -> float:
    """Wall time from the first start to the last end; the longest job if times are unreadable."""
    try:
        starts = [datetime.fromisoformat(r.started_at) for r in reports]
        ends = [s.timestamp() + r.duration_s for s, r in zip(starts, reports, strict=True)]
        return round(max(ends) - min(s.timestamp() for s in starts), 3)
    except (ValueError, TypeError):
        return max(r.duration_s for r in reports)

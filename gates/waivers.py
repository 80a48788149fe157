"""Waivers: accepted findings, with an owner and an expiry, applied the same way to every gate.

A waiver names findings of its gate by rule id, fingerprint or advisory id (a finding's
:attr:`~gates.model.Finding.ids`, aliases folded in); its optional ``paths`` globs
(:mod:`gates.io.globs`) only narrow that match. A waived finding stays in the report, marked with
its waiver. A finding marked :attr:`~gates.model.Finding.always_blocks` is never waived. An
expired waiver waives nothing and turns the gate to at least ``warn`` with its owner named; a
waiver that matched nothing, or more findings than its ``max_matches``, is reported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from datetime import date

from gates.checklist.model import Waiver
from gates.io import globs
from gates.model import Finding, WaiverUse


def matches(waiver: Waiver, finding: Finding) -> bool:
    """True when the waiver names this finding (id or fingerprint) and its paths allow it."""
    if waiver.match not in finding.all_ids and waiver.match != finding.fingerprint:
        return False
    if not waiver.paths:
        return True
    return finding.location is not None and globs.any_match(waiver.paths, finding.location.path)


def apply(
    findings: Sequence[Finding], waivers: Sequence[Waiver], today: date
) -> tuple[list[Finding], list[Waiver], dict[int, int]]:
    """``(findings with waived set, expired waivers that matched, matches per waiver index)``.

    ``waivers`` are those of one gate; indices refer to that sequence.
    """
    result: list[Finding] = []
    expired_hits: dict[int, Waiver] = {}
    counts: dict[int, int] = {}
    for finding in findings:
        waived_by: str | None = None
        for index, waiver in enumerate(waivers):
            if not matches(waiver, finding):
                continue
            counts[index] = counts.get(index, 0) + 1
            if finding.always_blocks:
                continue  # e.g. a service_role key in the client bundle: never waivable
            if waiver.expired(today):
                expired_hits[index] = waiver
                continue
            waived_by = waived_by or waiver.match
        result.append(dataclasses.replace(finding, waived=waived_by) if waived_by else finding)
    return result, list(expired_hits.values()), counts


def usage(
    waivers: Sequence[Waiver],
    counts: Mapping[int, int],
    today: date,
    ran: Collection[str] | None = None,
) -> list[WaiverUse]:
    """Report rows for every waiver of the checklist; ``ran`` are the gates that were judged
    in this run (a waiver of a gate that did not run is not called unused)."""
    rows = []
    for i, w in enumerate(waivers):
        matched = counts.get(i, 0)
        problem = ""
        if ran is None or w.gate in ran:
            if matched == 0:
                problem = "matched no finding: remove it or fix its match"
            elif matched > w.max_matches:
                problem = (
                    f"matched {matched} findings, more than max_matches {w.max_matches}: "
                    "narrow it (paths:) or raise max_matches"
                )
        rows.append(
            WaiverUse(
                gate=w.gate,
                match=w.match,
                reason=w.reason,
                owner=w.owner,
                expires=w.expires.isoformat(),
                used=matched > 0,
                expired=w.expired(today),
                matched=matched,
                problem=problem,
            )
        )
    return rows

"""Waivers: accepted findings, with an owner and an expiry, applied the same way to every gate.

A waiver matches a finding of its gate by rule id, fingerprint, an id in the finding's data
(``GHSA-…``, ``CVE-…``) or a glob on the finding's path. A waived finding stays in the report,
marked with its waiver. An expired waiver waives nothing and turns the gate to at least ``warn``
with its owner named; a waiver that matched nothing is reported as unused.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Sequence
from datetime import date

from gates.checklist.model import Waiver
from gates.model import Finding, WaiverUse


def matches(waiver: Waiver, finding: Finding) -> bool:
    """True when ``waiver.match`` names this finding."""
    pattern = waiver.match
    if pattern in (finding.rule, finding.fingerprint):
        return True
    ids = finding.data.get("ids") or finding.data.get("aliases") or ()
    if isinstance(ids, list | tuple) and pattern in ids:
        return True
    if finding.data.get("id") == pattern:
        return True
    if finding.location is not None and any(ch in pattern for ch in "*?[/"):
        return fnmatch.fnmatchcase(finding.location.path.replace("\\", "/"), pattern)
    return False


def always_blocking(finding: Finding) -> bool:
    """Findings no waiver, ``blocking: false`` or ``fail_on_new_only`` can neutralise."""
    return bool(finding.data.get("always_blocking"))


def apply(
    findings: Sequence[Finding], waivers: Sequence[Waiver], today: date
) -> tuple[list[Finding], list[Waiver], set[int]]:
    """``(findings with waived set, expired waivers that matched, indices of waivers used)``.

    ``waivers`` are those of one gate; indices refer to that sequence.
    """
    result: list[Finding] = []
    expired_hits: dict[int, Waiver] = {}
    used: set[int] = set()
    for finding in findings:
        waived_by: str | None = None
        for index, waiver in enumerate(waivers):
            if not matches(waiver, finding):
                continue
            used.add(index)
            if always_blocking(finding):
                continue  # e.g. a service_role key in the client bundle: never waivable
            if waiver.expired(today):
                expired_hits[index] = waiver
                continue
            waived_by = waived_by or waiver.match
        result.append(dataclasses.replace(finding, waived=waived_by) if waived_by else finding)
    return result, list(expired_hits.values()), used


def usage(waivers: Sequence[Waiver], used: set[int], today: date) -> list[WaiverUse]:
    """Report rows for every waiver of the checklist."""
    return [
        WaiverUse(
            gate=w.gate,
            match=w.match,
            reason=w.reason,
            owner=w.owner,
            expires=w.expires.isoformat(),
            used=i in used,
            expired=w.expired(today),
        )
        for i, w in enumerate(waivers)
    ]

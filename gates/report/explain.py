"""``gates explain RULE``: a gate's rule, or an id a report shows as a rule (advisories, tool
rules), explained; an unknown id gets the nearest known one, never a list of hundreds.

Lookup is case-insensitive and accepts ``TYPE/RULE``. Ids that no gate declares (``GHSA-…``,
``CVE-…``, bandit's ``B602``, ESLint rules) are explained from the findings of a report: the
title, severity, message, help link and where they were found.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from gates.checks import CHECKS
from gates.checks.base import Rule
from gates.errors import ReportError, UsageError
from gates.model import Finding, Report

DEFAULT_REPORT = Path("reports") / "gate-report.json"
MAX_PLACES = 10


def explain(wanted: str, report_path: str | None) -> str:
    """The explanation text; :class:`UsageError` with a suggestion for an unknown id."""
    key = wanted.strip().lower()
    if not key:
        raise UsageError("name a rule to explain, e.g. 'gates explain ban-drop-column'")
    for check in CHECKS.values():
        for rule in check.rules:
            if key in (rule.id.lower(), f"{check.type}/{rule.id}".lower()):
                return _rule_text(check.type, rule)
    report = _report(report_path)
    known = [f"{c.type}/{r.id}" for c in CHECKS.values() for r in c.rules]
    known += [r.id for c in CHECKS.values() for r in c.rules]
    if report is not None:
        found = [(g.id, f) for g in report.gates for f in g.findings if _names(f, key)]
        if found:
            return _finding_text(wanted.strip(), found)
        known += [f.rule for g in report.gates for f in g.findings]
    raise UsageError(f"no rule '{wanted.strip()[:80]}'" + _nearest(key, known, report_path))


def _names(finding: Finding, key: str) -> bool:
    ids = [finding.rule, *getattr(finding, "ids", ())]
    return any(str(i).lower() == key for i in ids)


def _report(report_path: str | None) -> Report | None:
    from gates.report.codec import load

    path = Path(report_path) if report_path else DEFAULT_REPORT
    if report_path is None and not path.is_file():
        return None
    try:
        return load(path)
    except ReportError as exc:
        if report_path is None:
            return None
        raise UsageError(f"--report: {exc}") from None


def _nearest(key: str, known: list[str], report_path: str | None) -> str:
    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(key, list(by_lower), n=1, cutoff=0.6)
    if not close:
        close = [k for k in by_lower if key and (k.startswith(key) or key.startswith(k))][:1]
    if close:
        return f" (did you mean '{by_lower[close[0]]}'?)"
    hint = "" if report_path else "; ids of advisories are explained from a report: --report"
    return f" (no rule of gates or of the report is close{hint})"


def _rule_text(gate_type: str, rule: Rule) -> str:
    lines = [
        f"{rule.id}  ({gate_type}, {rule.severity.value})",
        f"  {rule.title}",
        "",
        f"Why: {rule.why}",
        "",
        f"Fix: {rule.fix}",
    ]
    if rule.help_uri:
        lines += ["", f"More: {rule.help_uri}"]
    return "\n".join(lines)


def _finding_text(wanted: str, found: list[tuple[str, Finding]]) -> str:
    gate_id, first = found[0]
    lines = [f"{first.rule}  ({gate_id}, {first.severity.value}; as the report shows it)"]
    if first.title:
        lines.append(f"  {first.title}")
    lines += ["", f"Found: {first.message}"]
    if first.help_uri:
        lines += ["", f"More: {first.help_uri}"]
    lines += ["", f"Where ({len(found)}):"]
    for gid, finding in found[:MAX_PLACES]:
        where = str(finding.location) if finding.location else "(no file)"
        state = " waived" if finding.waived else ""
        lines.append(f"  [{gid}] {where}{state}")
    if len(found) > MAX_PLACES:
        lines.append(f"  … and {len(found) - MAX_PLACES} more")
    return "\n".join(lines)

"""``gate-report.sarif``: every finding of every gate as SARIF 2.1.0 for GitHub code scanning.

Rule ids are ``<gate type>/<rule>`` (``sast/B602``, ``dependencies/GHSA-…``), with metadata from
the gate type's ``RULES`` where it has one. Levels: critical/high → ``error``, medium →
``warning``, low/info → ``note``; findings of security gates carry ``security-severity``.
Waived findings are kept, with an ``external`` suppression naming the waiver. GitHub's limits are
kept (25,000 results per run, 10 MB per upload): results are ordered most severe first and cut,
and ``run.properties`` plus a tool notification say what was cut. GitHub needs a location on
every result: a finding without one points at its gate's first evidence file.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from gates.checks import CHECKS
from gates.checks.base import Rule
from gates.fingerprint import fingerprint
from gates.model import Finding, GateResult, Report, Severity, Status

MAX_RESULTS = 25_000
MAX_BYTES = 10 * 1000 * 1000
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "gatesFingerprint/v1"


def is_security(gate_type: str) -> bool:
    """Whether the gate type declares its findings security alerts (``Check.security``)."""
    return gate_type in CHECKS and CHECKS[gate_type].security


LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
    Severity.INFO: "0.0",
}


def _known_rules(types: set[str]) -> dict[str, dict[str, Rule]]:
    """``{gate type: {rule id: Rule}}`` for the gate types in the report (loaded on demand)."""

    return {name: {r.id: r for r in CHECKS[name].rules} for name in types if name in CHECKS}


_URI_SAFE = "/-._~"
_UNCHANGED_BY_QUOTE = re.compile(r"[A-Za-z0-9/._~-]*")
"""What ``quote(path, safe=_URI_SAFE)`` leaves as it is (letters, digits, ``_.-~`` and ``/``)."""


@functools.lru_cache(maxsize=4096)  # findings share paths
def uri_for(path: str) -> str:
    """A repository-relative URI reference for ``path`` (``\\`` → ``/``, percent-encoded)."""
    posix = path.replace("\\", "/")
    while posix.startswith("./"):
        posix = posix[2:]
    # quote() is 12 µs a call in Python: 0.13 s of 12,000 findings in as many files
    quoted = posix if _UNCHANGED_BY_QUOTE.fullmatch(posix) else quote(posix, safe=_URI_SAFE)
    return "file://" + quoted if posix.startswith("/") else quoted


def _entries(report: Report) -> Iterator[tuple[GateResult, Finding]]:
    for gate in report.gates:
        for finding in gate.findings:
            yield gate, finding


def _order(item: tuple[GateResult, Finding]) -> tuple[int, int, int]:
    _, f = item
    return (0 if f.waived is None else 1, -f.severity.rank, 0 if f.new is not False else 1)


def _location(gate: GateResult, finding: Finding) -> tuple[dict[str, Any], bool]:
    """The SARIF location and whether it was borrowed from the gate's evidence."""
    if finding.location and finding.location.path:
        path, line, column, borrowed = (
            finding.location.path,
            finding.location.line,
            finding.location.column,
            False,
        )
    else:
        path = gate.evidence[0].path if gate.evidence else "checklist.yml"
        line, column, borrowed = None, None, True
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri_for(path)}}
    if line is not None and line >= 1:
        region: dict[str, Any] = {"startLine": line}
        if column is not None and column >= 1:
            region["startColumn"] = column
        physical["region"] = region
    return {"physicalLocation": physical}, borrowed


def _result(
    report: Report, gate: GateResult, f: Finding, rule: tuple[str, int], security: bool
) -> dict[str, Any]:
    rule_id, rule_index = rule
    location, borrowed = _location(gate, f)
    path = f.location.path if f.location else ""
    props: dict[str, Any] = {"gate": gate.id, "severity": f.severity.value, "blocks": f.blocks}
    if f.new is not None:
        props["new"] = f.new
    if borrowed:
        props["locationFromEvidence"] = True
    if security:
        props["security-severity"] = SECURITY_SEVERITY[f.severity]
    result: dict[str, Any] = {
        "ruleId": rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[f.severity],
        "message": {"text": f.message or f.title or f.rule},
        "locations": [location],
        "partialFingerprints": {
            FINGERPRINT_KEY: f.fingerprint or fingerprint(f.rule, path, f.message, gate.id)
        },
        "properties": props,
    }
    if f.waived is not None:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": _justification(report, gate, f.waived),
            }
        ]
    return result


def _justification(report: Report, gate: GateResult, match: str) -> str:
    for waiver in report.waivers:
        if waiver.gate == gate.id and waiver.match == match:
            return (
                f"waived by {match}: {waiver.reason} (owner {waiver.owner}, "
                f"expires {waiver.expires})"
            )
    return f"waived by {match}"


def _rule(gate_type: str, f: Finding, known: Rule | None, worst: Severity) -> dict[str, Any]:
    title = (known.title if known else "") or f.title or f.rule
    rule: dict[str, Any] = {
        "id": f"{gate_type}/{f.rule}",
        "name": f.rule,
        "shortDescription": {"text": title},
        "defaultConfiguration": {"level": LEVELS[known.severity if known else worst]},
    }
    if known:
        rule["fullDescription"] = {"text": known.why}
        rule["help"] = {
            "text": f"{known.why}\n\nFix: {known.fix}",
            "markdown": f"{known.why}\n\n**Fix:** {known.fix}",
        }
    else:
        rule["help"] = {"text": f.title or f.message or f.rule}
    help_uri = (known.help_uri if known else "") or f.help_uri
    if help_uri.startswith(("https://", "http://")):
        rule["helpUri"] = help_uri
    tags = [gate_type]
    if is_security(gate_type):
        tags.append("security")
        rule["properties"] = {"tags": tags, "security-severity": SECURITY_SEVERITY[worst]}
    else:
        rule["properties"] = {"tags": tags}
    return rule


def build(
    report: Report, *, max_results: int = MAX_RESULTS, max_bytes: int = MAX_BYTES
) -> dict[str, Any]:
    """The SARIF log as a dict, cut to the limits (most severe first)."""
    return _fitted(report, max_results, max_bytes)[0]


def _fitted(report: Report, max_results: int, max_bytes: int) -> tuple[dict[str, Any], str]:
    """The log cut to the limits, and its text (measured anyway: not encoded twice)."""
    items = sorted(_entries(report), key=_order)
    total = len(items)
    keep = items[:max_results]
    while True:
        log = _log(report, keep, total)
        text = _dump(log)
        size = len(text.encode("utf-8"))
        if size <= max_bytes or not keep:
            return log, text
        keep = keep[: max(0, min(len(keep) - 1, int(len(keep) * max_bytes / size * 0.95)))]


def _log(report: Report, items: list[tuple[GateResult, Finding]], total: int) -> dict[str, Any]:
    known = _known_rules({gate.type for gate in report.gates})
    security = {gate.type: is_security(gate.type) for gate in report.gates}
    rule_ids = [f"{gate.type}/{f.rule}" for gate, f in items]
    worst: dict[str, Severity] = {}
    for rid, (_, f) in zip(rule_ids, items, strict=True):
        if rid not in worst or f.severity.rank > worst[rid].rank:
            worst[rid] = f.severity
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    results = []
    for rid, (gate, f) in zip(rule_ids, items, strict=True):
        if rid not in index:
            index[rid] = len(rules)
            rules.append(_rule(gate.type, f, known.get(gate.type, {}).get(f.rule), worst[rid]))
        results.append(_result(report, gate, f, (rid, index[rid]), security[gate.type]))
    notes = [
        {
            "level": "error",
            "message": {
                "text": f"gate {g.id} could not be evaluated: "
                f"{(g.error or g.summary).splitlines()[0][:500]}"
            },
        }
        for g in report.gates
        if g.status is Status.ERROR and (g.error or g.summary)
    ]
    run_props: dict[str, Any] = {
        "verdict": report.verdict.value,
        "environment": report.environment,
        "stage": report.stage,
        "reportDigest": report.digest,
    }
    if len(items) < total:
        cut = (
            f"{total - len(items)} of {total} results left out to stay within GitHub's limits "
            f"({MAX_RESULTS} results, {MAX_BYTES // 1_000_000} MB); the most severe were kept; "
            "every finding is in gate-report.json"
        )
        run_props["truncated"] = {"total": total, "kept": len(items), "reason": cut}
        notes.insert(0, {"level": "warning", "message": {"text": cut}})
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "gates",
                "version": report.tool_versions.get("gates", "0"),
                "rules": rules,
            }
        },
        "invocations": [
            {"executionSuccessful": not report.interrupted, "toolExecutionNotifications": notes}
        ],
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": run_props,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _dump(log: dict[str, Any]) -> str:
    return json.dumps(log, separators=(",", ":"), ensure_ascii=False) + "\n"


def render(report: Report) -> str:
    """The SARIF text (within GitHub's limits)."""
    return _fitted(report, MAX_RESULTS, MAX_BYTES)[1]

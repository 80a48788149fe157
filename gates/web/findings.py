"""Turn an :class:`gates.web.grade.Grade` into findings, measurements and a details table.

Shared by ``headers`` (live responses) and ``config`` (headers configured in files). A failed test
is a finding whose rule is the Observatory test name and whose ``data.result`` is the
Observatory result id (``csp-implemented-with-unsafe-inline``). It blocks when the test is in
the gate's ``require`` list or its penalty is critical (-40 or worse: a session cookie without
Secure, CORS open to any origin with credentials); otherwise it is a warning that the score
already accounts for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gates.checks.base import Rule
from gates.fingerprint import fingerprint
from gates.measure import compare
from gates.model import Finding, Location, Measurement, Severity
from gates.web.grade import TESTS, Grade, TestResult, canonical_test

_DOCS = "https://developer.mozilla.org/en-US/docs/Web/Security/Practical_implementation_guides/"
_ABOUT = {
    "content-security-policy": ("Content Security Policy", "CSP"),
    "cookies": ("Cookie flags", "Cookies"),
    "cross-origin-resource-sharing": ("CORS", "CORS"),
    "redirection": ("HTTP to HTTPS redirection", "TLS#http_redirections"),
    "referrer-policy": ("Referrer-Policy", "Referrer_policy"),
    "strict-transport-security": ("HSTS", "TLS#http_strict_transport_security"),
    "x-content-type-options": ("X-Content-Type-Options", "MIME_types"),
    "x-frame-options": ("Framing protection", "Clickjacking"),
    "permissions-policy": ("Permissions-Policy", "CSP"),
}
HEADER_RULES = tuple(
    Rule(
        test,
        Severity.HIGH,
        f"{_ABOUT[test][0]} (MDN HTTP Observatory test)",
        f"The Observatory '{test}' test failed; the finding names the result id and issues.",
        "Set the header as the MDN practical implementation guide shows.",
        _DOCS + _ABOUT[test][1],
    )
    for test in TESTS
)


def severity_of(result: TestResult) -> Severity:
    """Severity from the score penalty: -40 or worse critical, -20 high, -10 medium, else low."""
    if result.modifier <= -40:
        return Severity.CRITICAL
    if result.modifier <= -20:
        return Severity.HIGH
    if result.modifier <= -10:
        return Severity.MEDIUM
    return Severity.LOW


def grade_findings(
    grade: Grade, where: str, require: Sequence[str], *, line: int | None = None, label: str = ""
) -> list[Finding]:
    """One finding per failed test (``where`` is a URL or a project path)."""
    required = {canonical_test(name) for name in require}
    findings = []
    for result in grade.tests:
        if result.passed:
            continue
        severity = severity_of(result)
        issues = "; ".join(result.issues)
        message = f"{label or where}: {result.test} → {result.result} ({result.modifier:+d})"
        if issues:
            message += f": {issues}"
        findings.append(
            Finding(
                rule=result.test,
                severity=severity,
                message=message,
                location=Location(where, line),
                fingerprint=fingerprint(result.test, where, "", result.result),
                blocks=result.test in required or severity is Severity.CRITICAL,
                title=_ABOUT[result.test][0],
                help_uri=_DOCS + _ABOUT[result.test][1],
                data={
                    "result": result.result,
                    "modifier": result.modifier,
                    "issues": list(result.issues),
                    "required": result.test in required,
                },
            )
        )
    return findings


def missing_required(grade: Grade, require: Sequence[str]) -> list[str]:
    """Required tests that did not pass (canonical names)."""
    required = [canonical_test(name) for name in require]
    return [name for name in required if not grade.get(name).passed]


def score_measurement(grade: Grade, min_score: int | None, name: str = "score") -> Measurement:
    """The score, compared with ``min_score`` when given."""
    if min_score is None:
        return Measurement(
            name=name, value=grade.score, message=f"{name} {grade.score} (grade {grade.grade})"
        )
    return compare(
        name,
        grade.score,
        ">=",
        min_score,
        message=f"{name} {grade.score} (grade {grade.grade}) "
        f"{'meets' if grade.score >= min_score else 'misses'} >= {min_score}",
    )


def table(grade: Grade) -> list[dict[str, Any]]:
    """Rows for GateOutcome.details: test, result, pass, modifier, issues."""
    return [
        {
            "test": t.test,
            "result": t.result,
            "pass": t.passed,
            "modifier": t.modifier,
            "issues": list(t.issues),
        }
        for t in grade.tests
    ]

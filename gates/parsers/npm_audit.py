"""npm audit ``--json``: auditReportVersion 2 (npm 7+) and the legacy ``advisories`` shape
(npm 6, ``pnpm audit --json``).

Tested on ``tests/corpus/audit/npm-audit-v2-cra-critical.json`` (npm 7+, 32 vulnerable packages,
19 advisories), ``npm6-audit-v1-actions-advisories.json`` and ``pnpm-audit-legacy-advisories.json``.

Facts that matter (research B4): in v2, ``vulnerabilities`` is keyed by package and ``via`` mixes
strings (another vulnerable package: a transitive effect) with advisory objects: only the objects
are advisories. npm's error output (registry unreachable, ``ENOAUDIT``) is JSON without
``auditReportVersion``; it is an :class:`InputError`, never "zero vulnerabilities".
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from gates.errors import InputError
from gates.io.safe import parse_json_text, read_text
from gates.parsers.audit_model import Advisory, AuditReport, severity_from

_GHSA = re.compile(r"GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}")


def _dict(value: object) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty dict (hostile input never raises)."""
    return value if isinstance(value, dict) else {}


def load(path: Path) -> AuditReport:
    """Parse an npm/pnpm audit JSON file."""
    return parse(read_text(path), str(path))


def parse(text: str, name: str = "npm-audit.json") -> AuditReport:
    """Parse npm audit JSON text; unknown shapes and npm's error output → InputError."""
    data = parse_json_text(text, name)
    if not isinstance(data, dict):
        raise InputError(f"{name}: not an npm audit report (top level is not an object)")
    if "auditReportVersion" in data:
        if data["auditReportVersion"] != 2:
            raise InputError(
                f"{name}: npm auditReportVersion {data['auditReportVersion']!r} is not supported"
                " (2 is)"
            )
        return _parse_v2(data, name)
    if isinstance(data.get("advisories"), dict) and ("actions" in data or "metadata" in data):
        return _parse_legacy(data, name)
    raise InputError(f"{name}: npm audit did not produce a report: {_error_text(data)}")


def _error_text(data: dict[str, Any]) -> str:
    """The reason in npm's error JSON (``{"error": {code, summary}}`` or ``{message, …}``)."""
    error = data.get("error")
    if isinstance(error, dict):
        parts = [str(error.get(k)) for k in ("code", "summary", "detail") if error.get(k)]
        if parts:
            return "; ".join(parts)[:300]
    if data.get("message"):
        status = f" (HTTP {data['statusCode']})" if data.get("statusCode") else ""
        return f"{str(data['message'])[:300]}{status}"
    return "no auditReportVersion and no advisories (unknown format)"


def _ghsa(url: object, fallback: str) -> str:
    match = _GHSA.search(str(url or ""))
    return match.group(0) if match else fallback


def _cwes(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(c) for c in value)
    return (str(value),) if value else ()


def _fix_text(fix: object) -> tuple[str, ...]:
    if isinstance(fix, dict) and fix.get("name") and fix.get("version"):
        major = " (semver-major)" if fix.get("isSemVerMajor") else ""
        return (f"{fix['name']}@{fix['version']}{major}",)
    if fix is True:
        return ("npm audit fix",)
    return ()


NPM_SEVERITIES = ("info", "low", "moderate", "high", "critical")
"""The only severities npm writes (``@npmcli/arborist`` ``audit-report.js``)."""


def _check_v2_counts(data: dict[str, Any], vulns: dict[str, Any], name: str) -> None:
    """npm writes ``metadata.vulnerabilities`` from the same list it writes (one count per
    package by its severity, ``total`` = the packages): a report where they disagree, or with a
    severity or CVSS score npm cannot write, was cut or edited and is no evidence."""
    counts = dict.fromkeys(NPM_SEVERITIES, 0)
    for package, entry in vulns.items():
        for item in [entry, *(v for v in entry.get("via", []) if isinstance(v, dict))]:
            severity = item.get("severity")
            if severity not in NPM_SEVERITIES:
                raise InputError(f"{name}: {package}: severity {severity!r} is not one npm writes")
            score = _dict(item.get("cvss")).get("score")
            if isinstance(score, int | float) and not 0 <= score <= 10:
                raise InputError(f"{name}: {package}: CVSS score {score} is outside 0..10")
        counts[entry["severity"]] += 1
    stated = _dict(_dict(data.get("metadata")).get("vulnerabilities"))
    if not stated:
        return  # no counts stated: nothing to disagree with
    counts_total = {**counts, "total": len(vulns)}
    wrong = [
        f"{k} {stated.get(k)!r} (lists {n})"
        for k, n in counts_total.items()
        if stated.get(k, 0) != n
    ]
    if wrong:
        raise InputError(
            f"{name}: metadata.vulnerabilities disagrees with the packages listed: "
            + ", ".join(wrong)
        )


def _parse_v2(data: dict[str, Any], name: str) -> AuditReport:
    vulns = data.get("vulnerabilities")
    if not isinstance(vulns, dict):
        raise InputError(f"{name}: auditReportVersion 2 without a 'vulnerabilities' object")
    seen: set[str] = set()
    found: list[Advisory] = []
    for package, entry in vulns.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("via", []), list):
            raise InputError(f"{name}: vulnerabilities[{package!r}] is malformed")
        for via in entry.get("via", []):
            if not isinstance(via, dict):
                continue  # a string: the name of another vulnerable package (transitive effect)
            advisory_id = _ghsa(via.get("url"), f"npm-{via.get('source', package)}")
            key = f"{via.get('name', package)}\x1f{advisory_id}"
            if key in seen:
                continue
            seen.add(key)
            cvss = _dict(via.get("cvss"))
            severity, source, score = severity_from(
                [("CVSS_V3", str(cvss.get("vectorString") or ""))],
                label=str(via.get("severity") or ""),
            )
            found.append(
                Advisory(
                    id=advisory_id,
                    package=str(via.get("name") or package),
                    ecosystem="npm",
                    title=str(via.get("title") or ""),
                    severity=severity,
                    severity_source=source,
                    cvss_score=score,
                    fixed=_fix_text(entry.get("fixAvailable")),
                    url=str(via.get("url") or ""),
                    cwe=tuple(str(c) for c in via.get("cwe") or ()),
                    vulnerable_range=str(via.get("range") or ""),
                )
            )
    total = _dict(_dict(data.get("metadata")).get("dependencies")).get("total")
    if not isinstance(total, int) or isinstance(total, bool):
        # npm always states how many packages it audited; without it an empty
        # `vulnerabilities` is no evidence of a clean tree (a stub or a cut-down report)
        raise InputError(f"{name}: auditReportVersion 2 without metadata.dependencies.total")
    _check_v2_counts(data, vulns, name)
    audited = total
    return AuditReport(
        tool="npm-audit",
        format="npm audit v2",
        advisories=tuple(found),
        audited=audited,
        notes=(f"{len(vulns)} vulnerable packages (direct and transitive)",),
    )


def _parse_legacy(data: dict[str, Any], name: str) -> AuditReport:
    found: list[Advisory] = []
    for key, adv in data["advisories"].items():
        if not isinstance(adv, dict) or not adv.get("module_name"):
            raise InputError(f"{name}: advisories[{key!r}] is malformed")
        cvss = _dict(adv.get("cvss"))
        severity, source, score = severity_from(
            [("CVSS_V3", str(cvss.get("vectorString") or ""))], label=str(adv.get("severity") or "")
        )
        versions = sorted(
            {str(f.get("version")) for f in adv.get("findings") or () if isinstance(f, dict)}
        )
        patched = str(adv.get("patched_versions") or "")
        found.append(
            Advisory(
                id=str(adv.get("github_advisory_id") or _ghsa(adv.get("url"), f"npm-{key}")),
                package=str(adv["module_name"]),
                ecosystem="npm",
                version=", ".join(versions) or None,
                aliases=tuple(str(c) for c in adv.get("cves") or ()),
                title=str(adv.get("title") or ""),
                severity=severity,
                severity_source=source,
                cvss_score=score,
                fixed=(patched,) if patched and patched != "<0.0.0" else (),
                url=str(adv.get("url") or ""),
                cwe=_cwes(adv.get("cwe")),
                vulnerable_range=str(adv.get("vulnerable_versions") or ""),
            )
        )
    meta = _dict(data.get("metadata"))
    audited = meta.get("totalDependencies")
    fmt = "pnpm audit (legacy advisories)" if "runId" not in data else "npm 6 audit (legacy)"
    return AuditReport(
        tool="npm-audit",
        format=fmt,
        advisories=tuple(found),
        audited=audited if isinstance(audited, int) else None,
    )

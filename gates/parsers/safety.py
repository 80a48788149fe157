"""safety JSON: ``safety check --json`` (safety 2.x/3.x) and ``safety scan --output json``
(schema 3.0).

Tested on ``tests/corpus/audit/safety-3.7.0-check-evaluacion3.json`` (9 packages, 10
vulnerabilities) and ``safety-3.7.0-with-deprecation-banner-prefix.json``, where stdout was
captured with safety's DEPRECATED banner before the ``{``: the banner is skipped.
Severity is present only with an API key (``severity.cvssv3.base_severity``); otherwise unknown.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from gates.errors import InputError
from gates.io.safe import parse_json_text, read_text
from gates.parsers.audit_model import Advisory, AuditReport, severity_from

_JSON_START = re.compile(r"^\s*\{", re.M)


def _dict(value: object) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty dict (hostile input never raises)."""
    return value if isinstance(value, dict) else {}


def load(path: Path) -> AuditReport:
    """Parse a safety JSON file (a text banner before the JSON is tolerated)."""
    return parse(read_text(path), str(path))


def _strip_banner(text: str, name: str) -> Any:
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return parse_json_text(text, name)
    match = _JSON_START.search(text)
    if match is None:
        raise InputError(f"{name}: no JSON object in safety's output")
    try:
        data, _end = json.JSONDecoder().raw_decode(text, match.end() - 1)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}: not valid JSON after the banner ({exc.msg})") from None
    except RecursionError:
        raise InputError(f"{name}: JSON nested too deeply") from None
    return data


def _severity(raw: object) -> tuple[Any, str, float | None]:
    if isinstance(raw, dict):
        for key in ("cvssv3", "cvssv2"):
            block = raw.get(key)
            if isinstance(block, dict):
                score = block.get("base_score")
                return severity_from(
                    [],
                    label=str(block.get("base_severity") or ""),
                    score=float(score) if isinstance(score, int | float) else None,
                )
    return None, "safety reports no severity (needs an API key)", None


def _check_format(data: dict[str, Any], name: str) -> AuditReport:
    if not isinstance(data.get("vulnerabilities"), list):
        raise InputError(f"{name}: safety report without a 'vulnerabilities' list")
    scanned = data.get("scanned_packages")
    advisories = []
    for vuln in data["vulnerabilities"]:
        if not isinstance(vuln, dict) or not vuln.get("package_name"):
            raise InputError(f"{name}: a safety vulnerability has no 'package_name'")
        severity, source, score = _severity(vuln.get("severity"))
        fixed = (
            vuln.get("fixed_versions")
            or vuln.get("closest_versions_without_known_vulnerabilities")
            or ()
        )
        cve = vuln.get("CVE")
        advisories.append(
            Advisory(
                id=f"SAFETY-{vuln.get('vulnerability_id')}",
                package=str(vuln["package_name"]),
                ecosystem="PyPI",
                version=str(vuln.get("analyzed_version") or "") or None,
                aliases=(str(cve),) if cve else (),
                title=str(vuln.get("advisory") or "")[:200],
                severity=severity,
                severity_source=source,
                cvss_score=score,
                fixed=tuple(str(v) for v in fixed),
                url=str(vuln.get("more_info_url") or ""),
                vulnerable_range=", ".join(str(s) for s in vuln.get("vulnerable_spec") or ()),
            )
        )
    audited = len(scanned) if isinstance(scanned, dict | list) else None
    meta = _dict(data.get("report_meta"))
    version = meta.get("safety_version", "?")
    return AuditReport(
        tool="safety",
        format=f"safety {version} check json",
        advisories=tuple(advisories),
        audited=audited,
    )


def _scan_format(data: dict[str, Any], name: str) -> AuditReport:
    advisories = []
    audited = 0
    projects = data.get("scan_results", {}).get("projects") or []
    for project in projects:
        for file in project.get("files") or ():
            for dep in (file.get("results") or {}).get("dependencies") or ():
                for spec in dep.get("specifications") or ():
                    audited += 1
                    vulns = spec.get("vulnerabilities") or {}
                    remedy = vulns.get("remediation") or {}
                    fixed = remedy.get("recommended")
                    for known in vulns.get("known_vulnerabilities") or ():
                        advisories.append(
                            Advisory(
                                id=f"SAFETY-{known.get('id')}",
                                package=str(dep.get("name")),
                                ecosystem="PyPI",
                                version=str(spec.get("raw", "")),
                                severity=None,
                                severity_source="safety scan reports no severity",
                                fixed=(str(fixed),) if fixed else (),
                                vulnerable_range=str(known.get("vulnerable_spec") or ""),
                            )
                        )
    return AuditReport(
        tool="safety", format="safety scan json 3.0", advisories=tuple(advisories), audited=audited
    )


def parse(text: str, name: str = "safety.json") -> AuditReport:
    """Parse safety JSON text (check or scan format)."""
    data = _strip_banner(text, name)
    if not isinstance(data, dict):
        raise InputError(f"{name}: not a safety JSON report")
    if "vulnerabilities" in data and ("report_meta" in data or "scanned_packages" in data):
        return _check_format(data, name)
    meta = data.get("meta")
    if isinstance(meta, dict) and "scan_results" in data:
        if str(meta.get("schema_version")) != "3.0":
            raise InputError(
                f"{name}: safety scan schema {meta.get('schema_version')!r} not supported (3.0 is)"
            )
        return _scan_format(data, name)
    raise InputError(
        f"{name}: not a safety report (no report_meta/vulnerabilities or scan_results)"
    )

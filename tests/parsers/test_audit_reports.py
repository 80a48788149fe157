"""npm audit, pip-audit, safety and osv-scanner JSON: every corpus file, counts against the file."""

from __future__ import annotations

import json

import pytest

from gates.errors import InputError
from gates.model import Severity
from gates.parsers import npm_audit, osv_scanner, pip_audit, safety
from tests.conftest import CORPUS

AUDIT = CORPUS / "audit"


def test_npm_v2_only_via_objects_are_advisories() -> None:
    raw = json.loads((AUDIT / "npm-audit-v2-cra-critical.json").read_text())
    objects = {
        (v["name"], v["source"])
        for e in raw["vulnerabilities"].values()
        for v in e["via"]
        if isinstance(v, dict)
    }
    report = npm_audit.load(AUDIT / "npm-audit-v2-cra-critical.json")
    assert len(report.advisories) == len(objects) == 19
    assert len(raw["vulnerabilities"]) == raw["metadata"]["vulnerabilities"]["total"] == 32
    assert report.audited == raw["metadata"]["dependencies"]["total"]
    by_sev = {s: sum(a.severity == s for a in report.advisories) for s in Severity}
    assert by_sev[Severity.CRITICAL] == 4 and by_sev[Severity.HIGH] == 9
    assert all(a.id.startswith("GHSA-") for a in report.advisories)
    assert any(a.fixed for a in report.advisories)


@pytest.mark.parametrize(
    ("name", "count", "fmt"),
    [
        ("npm6-audit-v1-actions-advisories.json", 92, "npm 6"),
        ("pnpm-audit-legacy-advisories.json", 19, "pnpm"),
    ],
)
def test_legacy_advisories_shape(name: str, count: int, fmt: str) -> None:
    raw = json.loads((AUDIT / name).read_text())
    report = npm_audit.load(AUDIT / name)
    assert len(report.advisories) == len(raw["advisories"]) == count
    assert report.format.startswith(fmt)
    moderate = sum(a["severity"] == "moderate" for a in raw["advisories"].values())
    # `moderate` is medium unless a CVSS v3 vector says otherwise.
    assert sum(a.severity == Severity.MEDIUM for a in report.advisories) >= moderate - 5
    lodash = [a for a in report.advisories if a.id == "GHSA-p6mc-m468-83gw"]
    if lodash:
        assert lodash[0].cvss_score == 7.4 and lodash[0].severity == Severity.HIGH


@pytest.mark.parametrize(
    "text",
    [
        '{"error": {"code": "ENOAUDIT", "summary": "Your configured registry does not support audit requests."}}',  # noqa: E501
        '{"message": "request to https://registry.npmjs.org/-/npm/v1/security/audits failed, reason: getaddrinfo ENOTFOUND", "statusCode": 500}',  # noqa: E501
        '{"auditReportVersion": 3, "vulnerabilities": {}}',
        "{}",
        "",
        "[]",
        '{"auditReportVersion": 2}',
    ],
)
def test_npm_error_output_and_unknown_versions_are_errors(text: str) -> None:
    with pytest.raises(InputError):
        npm_audit.parse(text)


def test_npm_error_reason_is_shown() -> None:
    with pytest.raises(InputError, match="ENOAUDIT"):
        npm_audit.parse('{"error": {"code": "ENOAUDIT", "summary": "no audit"}}')


@pytest.mark.parametrize(
    ("name", "deps", "vulns"),
    [
        ("pip-audit-vulns-pip-setuptools-werkzeug.json", 65, 15),
        ("pip-audit-clean-no-vulns.json", 42, 0),
    ],
)
def test_pip_audit_counts(name: str, deps: int, vulns: int) -> None:
    raw = json.loads((AUDIT / name).read_text())
    report = pip_audit.load(AUDIT / name)
    assert report.audited == len(raw["dependencies"]) == deps
    assert len(report.advisories) == sum(len(d["vulns"]) for d in raw["dependencies"]) == vulns
    assert report.unaudited == ()
    assert all(a.severity is None for a in report.advisories)  # pip-audit has no severity


def test_pip_audit_skip_reason_is_unaudited() -> None:
    text = json.dumps(
        {
            "dependencies": [
                {"name": "flask", "version": "0.5", "vulns": []},
                {
                    "name": "internal-lib",
                    "skip_reason": "Dependency not found on PyPI and could not be audited: internal-lib (1.2.3)",  # noqa: E501
                },
            ],
            "fixes": [],
        }
    )
    report = pip_audit.parse(text)
    assert report.audited == 1
    assert report.unaudited == (
        "internal-lib (Dependency not found on PyPI and could not be audited: internal-lib (1.2.3))",  # noqa: E501
    )


@pytest.mark.parametrize(
    ("name", "packages", "vulns"),
    [
        ("safety-3.7.0-check-evaluacion3.json", 9, 10),
        ("safety-3.7.0-with-deprecation-banner-prefix.json", 83, 3),
    ],
)
def test_safety_counts_banner_tolerated(name: str, packages: int, vulns: int) -> None:
    report = safety.load(AUDIT / name)
    assert report.audited == packages and len(report.advisories) == vulns
    assert all(a.id.startswith("SAFETY-") and a.version for a in report.advisories)


def test_osv_scanner_one_advisory_per_group() -> None:
    raw = json.loads((AUDIT / "osv-scanner-go-stdlib-groups.json").read_text())
    groups = sum(len(p["groups"]) for r in raw["results"] for p in r["packages"])
    report = osv_scanner.load(AUDIT / "osv-scanner-go-stdlib-groups.json")
    assert len(report.advisories) == groups == 3
    first = report.advisories[0]
    assert first.package == "stdlib" and first.version == "1.24.3"
    assert first.fixed == ("1.24.4",) and "CVE-2025-22874" in first.aliases
    assert first.severity is None  # max_severity "" and no vectors: unknown, stated


def test_osv_scanner_max_severity_and_clean() -> None:
    text = json.dumps(
        {
            "results": [
                {
                    "source": {"path": "p"},
                    "packages": [
                        {
                            "package": {"name": "lodash", "version": "4.17.15", "ecosystem": "npm"},
                            "vulnerabilities": [{"id": "GHSA-p6mc-m468-83gw", "modified": "x"}],
                            "groups": [
                                {
                                    "ids": ["GHSA-p6mc-m468-83gw"],
                                    "aliases": ["CVE-2020-8203"],
                                    "max_severity": "7.4",
                                }
                            ],
                        }
                    ],
                }
            ]
        }
    )
    (adv,) = osv_scanner.parse(text).advisories
    assert adv.severity == Severity.HIGH and adv.cvss_score == 7.4
    assert osv_scanner.parse('{"results": []}').advisories == ()
    with pytest.raises(InputError):
        osv_scanner.parse('{"results": [{"packages": [{"package": {}}]}]}')

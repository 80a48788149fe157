"""pip-audit ``-f json`` (pypa/pip-audit 2.x): ``{"dependencies": [...], "fixes": [...]}``.

Tested on ``tests/corpus/audit/pip-audit-vulns-pip-setuptools-werkzeug.json`` (65 dependencies,
15 vulnerabilities) and ``pip-audit-clean-no-vulns.json`` (42 dependencies, none vulnerable).

Every dependency is listed; one pip-audit skipped has only ``name`` and ``skip_reason`` and was
NOT audited (research B2: a mirror answering 404 makes pip-audit skip everything and still print
"No known vulnerabilities found" with exit 0). pip-audit JSON carries no severity.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gates.errors import InputError
from gates.io.safe import parse_json_text, read_text
from gates.parsers.audit_model import Advisory, AuditReport


def load(path: Path) -> AuditReport:
    """Parse a pip-audit JSON file."""
    return parse(read_text(path), str(path))


def _vulns(dep: dict[str, Any], name: str) -> list[Advisory]:
    found = []
    for vuln in dep.get("vulns") or ():
        if not isinstance(vuln, dict) or not isinstance(vuln.get("id"), str):
            raise InputError(f"{name}: a vulnerability of {dep['name']!r} has no 'id'")
        found.append(
            Advisory(
                id=vuln["id"],
                package=str(dep["name"]),
                ecosystem="PyPI",
                version=str(dep.get("version")),
                aliases=tuple(str(a) for a in vuln.get("aliases") or ()),
                title=str(vuln.get("description") or "")[:200],
                severity=None,
                severity_source="pip-audit reports no severity",
                fixed=tuple(str(v) for v in vuln.get("fix_versions") or ()),
                url=f"https://osv.dev/vulnerability/{vuln['id']}",
            )
        )
    return found


def parse(text: str, name: str = "pip-audit.json") -> AuditReport:
    """Parse pip-audit JSON text; skipped dependencies become ``unaudited``."""
    data = parse_json_text(text, name)
    if isinstance(data, list):
        raise InputError(f"{name}: a bare list is the pre-2.0 pip-audit format; use pip-audit >= 2")
    if not isinstance(data, dict) or not isinstance(data.get("dependencies"), list):
        raise InputError(f"{name}: not a pip-audit JSON report (no 'dependencies' list)")
    advisories: list[Advisory] = []
    unaudited: list[str] = []
    audited = 0
    for dep in data["dependencies"]:
        if not isinstance(dep, dict) or not isinstance(dep.get("name"), str):
            raise InputError(f"{name}: a dependency entry has no 'name'")
        if dep.get("skip_reason"):
            unaudited.append(f"{dep['name']} ({dep['skip_reason']})")
            continue
        if "version" not in dep or "vulns" not in dep:
            unaudited.append(f"{dep['name']} (no version/vulns in the report)")
            continue
        audited += 1
        advisories.extend(_vulns(dep, name))
    return AuditReport(
        tool="pip-audit",
        format="pip-audit json",
        advisories=tuple(advisories),
        audited=audited,
        unaudited=tuple(unaudited),
    )

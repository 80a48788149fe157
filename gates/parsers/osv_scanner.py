"""osv-scanner ``--format json`` (google/osv-scanner v1/v2): ``results[].packages[]`` with full
OSV records in ``vulnerabilities`` and de-duplicated ``groups`` (aliases of one issue).

Tested on ``tests/corpus/audit/osv-scanner-go-stdlib-groups.json`` (1 package, 3 groups).
One advisory per *group* (research B5), severity from ``max_severity`` (a string score, ``""``
when none) or from the records' vectors. osv-scanner lists only vulnerable packages, so a clean
scan is ``{"results": []}``; the key must be there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gates.errors import InputError
from gates.io.safe import parse_json_text, read_text
from gates.parsers.audit_model import Advisory, AuditReport
from gates.parsers.cvss import severity_for_score
from gates.parsers.osv import OsvRecord, _range_state, parse_record, to_advisory
from gates.versions import parse_version


def load(path: Path) -> AuditReport:
    """Parse an osv-scanner JSON file."""
    return parse(read_text(path), str(path))


def _fixes(record: OsvRecord, ecosystem: str, name: str, version: str) -> tuple[str, ...]:
    try:
        parsed = parse_version(ecosystem, version)
    except InputError:
        return ()
    fixes: list[str] = []
    for aff in record.affected:
        if aff.name != name:
            continue
        for rng in aff.ranges:
            try:
                inside, fix = _range_state(rng, ecosystem, parsed)
            except InputError:
                continue
            if inside:
                fixes.extend(fix)
    return tuple(dict.fromkeys(fixes))


def _package_advisories(entry: dict[str, Any], name: str) -> list[Advisory]:
    pkg = entry.get("package")
    if not isinstance(pkg, dict) or not pkg.get("name"):
        raise InputError(f"{name}: a package entry has no 'package.name'")
    eco, pkg_name, version = (
        str(pkg.get("ecosystem", "")),
        str(pkg["name"]),
        str(pkg.get("version", "")),
    )
    records = {r.id: r for r in (parse_record(v, name) for v in entry.get("vulnerabilities") or ())}
    groups = entry.get("groups") or [{"ids": [rid]} for rid in records]
    found = []
    for group in groups:
        ids = [str(i) for i in group.get("ids") or ()]
        record = next((records[i] for i in ids if i in records), None)
        if record is None:
            record = OsvRecord(
                id=ids[0] if ids else "unknown", aliases=tuple(group.get("aliases") or ())
            )
        adv = to_advisory(record, pkg_name, eco, version, _fixes(record, eco, pkg_name, version))
        max_sev = str(group.get("max_severity") or "")
        if max_sev:
            try:
                score = float(max_sev)
            except ValueError:
                raise InputError(f"{name}: max_severity {max_sev!r} is not a number") from None
            adv = Advisory(
                **{
                    **adv.__dict__,
                    "severity": severity_for_score(score),
                    "severity_source": f"osv-scanner max_severity {score:.1f}",
                    "cvss_score": score,
                }
            )
        aliases = tuple(
            dict.fromkeys([*adv.aliases, *(str(a) for a in group.get("aliases") or ())])
        )
        found.append(
            Advisory(**{**adv.__dict__, "aliases": tuple(a for a in aliases if a != adv.id)})
        )
    return found


def parse(text: str, name: str = "osv-scanner.json") -> AuditReport:
    """Parse osv-scanner JSON text."""
    data = parse_json_text(text, name)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise InputError(f"{name}: not an osv-scanner JSON report (no 'results' list)")
    advisories: list[Advisory] = []
    packages = 0
    sources = []
    for result in data["results"]:
        if not isinstance(result, dict) or not isinstance(result.get("packages", []), list):
            raise InputError(f"{name}: a result entry is malformed")
        source = result.get("source") or result.get("packageSource") or {}
        sources.append(str(source.get("path", "?")) if isinstance(source, dict) else "?")
        for entry in result.get("packages") or ():
            packages += 1
            advisories.extend(_package_advisories(entry, name))
    return AuditReport(
        tool="osv-scanner",
        format="osv-scanner json",
        advisories=tuple(advisories),
        notes=(f"{packages} vulnerable packages in {len(sources)} sources",),
    )

"""OSV advisories (the OSV schema, https://ossf.github.io/osv-schema/) and offline matching.

A folder of OSV JSON records (one advisory per file, any depth, as ``osv.dev`` exports and
``tests/fixtures/osv/`` ship them) is loaded into an index by ecosystem and package name;
:meth:`OsvDatabase.match` returns the advisories affecting one resolved package version.

Supported: ecosystems ``npm`` (SemVer ordering) and ``PyPI`` (PEP 440 ordering); range types
``SEMVER`` and ``ECOSYSTEM`` with ``introduced`` / ``fixed`` / ``last_affected`` / ``limit`` events;
explicit ``versions`` lists; ``withdrawn`` records are ignored. ``GIT`` ranges cannot be judged
from a version and are ignored (a record usually carries an ECOSYSTEM range beside them).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gates.errors import InputError
from gates.io.safe import parse_json_text, read_text
from gates.parsers.audit_model import Advisory, severity_from
from gates.versions import normalise_name, parse_version

ECOSYSTEMS = ("npm", "PyPI")


def _dict(value: object) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty dict (hostile input never raises)."""
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Range:
    """One ``affected[].ranges[]`` entry: its type and ordered ``(kind, version)`` events."""

    type: str
    events: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Affected:
    """One ``affected[]`` entry: the package and which of its versions are affected."""

    ecosystem: str
    name: str
    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class OsvRecord:
    """The parts of an OSV record the gate uses."""

    id: str
    aliases: tuple[str, ...] = ()
    summary: str = ""
    severity: tuple[tuple[str, str], ...] = ()
    """``(type, vector)`` pairs, e.g. ``("CVSS_V3", "CVSS:3.1/AV:N/…")``."""
    database_severity: str = ""
    """GHSA's label in ``database_specific.severity`` (LOW/MODERATE/HIGH/CRITICAL)."""
    cwe: tuple[str, ...] = ()
    affected: tuple[Affected, ...] = ()
    withdrawn: bool = False
    url: str = ""
    source: str = ""


def _severity_pairs(items: object, name: str) -> tuple[tuple[str, str], ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise InputError(f"{name}: 'severity' must be a list")
    pairs = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("score"), str):
            raise InputError(f"{name}: severity entries need 'type' and a 'score' string")
        pairs.append((str(item.get("type", "")), item["score"]))
    return tuple(pairs)


def _parse_affected(item: object, name: str) -> Affected:
    if not isinstance(item, dict) or not isinstance(item.get("package"), dict):
        raise InputError(f"{name}: affected[] entries need a 'package' object")
    pkg = item["package"]
    if not isinstance(pkg.get("ecosystem"), str) or not isinstance(pkg.get("name"), str):
        raise InputError(f"{name}: affected package needs 'ecosystem' and 'name' strings")
    ranges = []
    for raw in item.get("ranges") or ():
        if not isinstance(raw, dict) or not isinstance(raw.get("events"), list):
            raise InputError(f"{name}: ranges[] entries need an 'events' list")
        events = []
        for event in raw["events"]:
            if not isinstance(event, dict) or len(event) != 1:
                raise InputError(f"{name}: each range event has exactly one key")
            ((kind, version),) = event.items()
            if kind not in ("introduced", "fixed", "last_affected", "limit"):
                raise InputError(f"{name}: unknown range event {kind!r}")
            events.append((kind, str(version)))
        ranges.append(Range(type=str(raw.get("type", "")), events=tuple(events)))
    versions = item.get("versions") or ()
    if not isinstance(versions, list | tuple):
        raise InputError(f"{name}: 'versions' must be a list")
    return Affected(
        ecosystem=pkg["ecosystem"],
        name=pkg["name"],
        ranges=tuple(ranges),
        versions=tuple(str(v) for v in versions),
        severity=_severity_pairs(item.get("severity"), name),
    )


def parse_record(data: Any, name: str) -> OsvRecord:
    """Validate one OSV record (``id`` and ``modified`` are required by the schema)."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise InputError(f"{name}: not an OSV record (no 'id')")
    if "modified" not in data:
        raise InputError(f"{name}: OSV record {data['id']} has no 'modified' (required)")
    db = _dict(data.get("database_specific"))
    refs = [r for r in data.get("references") or () if isinstance(r, dict)]
    advisory_url = next((str(r.get("url")) for r in refs if r.get("type") == "ADVISORY"), "")
    return OsvRecord(
        id=data["id"],
        aliases=tuple(str(a) for a in data.get("aliases") or ()),
        summary=str(data.get("summary") or data.get("details", "")[:120] or ""),
        severity=_severity_pairs(data.get("severity"), name),
        database_severity=str(db.get("severity") or ""),
        cwe=tuple(str(c) for c in db.get("cwe_ids") or ()),
        affected=tuple(_parse_affected(a, name) for a in data.get("affected") or ()),
        withdrawn=bool(data.get("withdrawn")),
        url=advisory_url or (f"https://osv.dev/vulnerability/{data['id']}"),
        source=name,
    )


def _range_state(rng: Range, ecosystem: str, version: Any) -> tuple[bool, list[str]]:
    """Whether ``version`` is inside ``rng``, and the fix versions above it."""
    if rng.type not in ("SEMVER", "ECOSYSTEM"):
        return False, []
    order_eco = "npm" if rng.type == "SEMVER" else ecosystem
    parsed = []
    for kind, text in rng.events:
        key = None if (kind == "introduced" and text == "0") else parse_version(order_eco, text)
        parsed.append((kind, text, key))
    # Sort by version ("0" first); the state after the last event <= version decides.
    parsed.sort(key=lambda e: (False, 0) if e[2] is None else (True, e[2]))
    affected = False
    for kind, _text, key in parsed:
        if kind == "introduced" and (key is None or version >= key):
            affected = True
        elif key is not None and (
            (kind in ("fixed", "limit") and version >= key)
            or (kind == "last_affected" and version > key)
        ):
            affected = False
    fixes = [
        text for kind, text, key in parsed if kind == "fixed" and key is not None and key > version
    ]
    return affected, fixes[:1]


@dataclass
class OsvDatabase:
    """An index of OSV records by ``(ecosystem, normalised name)`` and by id/alias."""

    records: list[OsvRecord] = field(default_factory=list)
    by_package: dict[tuple[str, str], list[tuple[OsvRecord, Affected]]] = field(
        default_factory=dict
    )
    by_id: dict[str, OsvRecord] = field(default_factory=dict)

    def add(self, record: OsvRecord) -> None:
        """Index one record (withdrawn records are kept out of matching)."""
        self.records.append(record)
        for key in (record.id, *record.aliases):
            self.by_id.setdefault(key, record)
        if record.withdrawn:
            return
        for aff in record.affected:
            if aff.ecosystem in ECOSYSTEMS:
                key2 = (aff.ecosystem, normalise_name(aff.ecosystem, aff.name))
                self.by_package.setdefault(key2, []).append((record, aff))

    def match(self, ecosystem: str, name: str, version: str) -> list[Advisory]:
        """Advisories affecting ``name==version``; an unparseable version → InputError."""
        candidates = self.by_package.get((ecosystem, normalise_name(ecosystem, name)), [])
        if not candidates:
            return []
        parsed = parse_version(ecosystem, version)
        found: dict[str, Advisory] = {}
        for record, aff in candidates:
            hit = version in aff.versions
            fixes: list[str] = []
            for rng in aff.ranges:
                inside, fix = _range_state(rng, ecosystem, parsed)
                if inside:
                    hit = True
                    fixes.extend(fix)
            if hit and record.id not in found:
                found[record.id] = to_advisory(record, name, ecosystem, version, tuple(fixes), aff)
        return list(found.values())


def to_advisory(
    record: OsvRecord,
    package: str,
    ecosystem: str,
    version: str | None,
    fixed: tuple[str, ...],
    affected: Affected | None = None,
) -> Advisory:
    """An :class:`Advisory` for one package from an OSV record (severity judged from vectors)."""
    vectors = list(record.severity) + list(affected.severity if affected else ())
    severity, source, score = severity_from(vectors, label=record.database_severity)
    ghsa = next((a for a in (record.id, *record.aliases) if a.startswith("GHSA-")), record.id)
    aliases = tuple(a for a in (record.id, *record.aliases) if a != ghsa)
    return Advisory(
        id=ghsa,
        package=package,
        ecosystem=ecosystem,
        version=version,
        aliases=aliases,
        title=record.summary,
        severity=severity,
        severity_source=source,
        cvss_score=score,
        fixed=fixed,
        url=record.url,
        cwe=record.cwe,
    )


def load_db(folder: Path, *, max_files: int = 200_000) -> OsvDatabase:
    """Load every ``*.json`` OSV record under ``folder``; a malformed record → InputError."""
    if not folder.is_dir():
        raise InputError(f"{folder}: OSV advisory folder not found")
    db = OsvDatabase()
    count = 0
    for dirpath, _dirs, files in os.walk(folder):
        for file in sorted(files):
            if not file.endswith(".json"):
                continue
            count += 1
            if count > max_files:
                raise InputError(f"{folder}: more than {max_files} advisory files")
            path = Path(dirpath) / file
            db.add(parse_record(parse_json_text(read_text(path), str(path)), str(path)))
    if not db.records:
        raise InputError(
            f"{folder}: no OSV advisories (*.json) found; refusing to audit against nothing"
        )
    return db

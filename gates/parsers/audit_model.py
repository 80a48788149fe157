"""The common shape every dependency-audit parser returns (npm audit, pip-audit, safety,
osv-scanner, offline OSV matching), so the ``dependencies`` gate judges them one way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gates.errors import InputError
from gates.model import Severity
from gates.parsers.cvss import parse_base_score, severity_for_score


@dataclass(frozen=True)
class Advisory:
    """One advisory affecting one package (version) of the project."""

    id: str
    """Preferred id: the GHSA id when known, else the tool's (PYSEC-…, safety number…)."""
    package: str
    ecosystem: str
    """``npm``, ``PyPI``, ``Go``… as OSV spells it."""
    version: str | None = None
    """Installed version when the report says it (npm audit v2 only gives a range)."""
    aliases: tuple[str, ...] = ()
    title: str = ""
    severity: Severity | None = None
    """``None`` when the source carries no severity (pip-audit, safety without an API key)."""
    severity_source: str = ""
    """Where the severity came from: ``CVSS:3.1/… = 7.5``, ``npm: moderate``, ``database: HIGH``."""
    cvss_score: float | None = None
    fixed: tuple[str, ...] = ()
    """Versions (or a remedy such as ``npm audit fix``) that fix it."""
    url: str = ""
    cwe: tuple[str, ...] = ()
    vulnerable_range: str = ""
    manifest: str = ""
    """The lock file or manifest the package was resolved from, when known."""


@dataclass(frozen=True)
class AuditReport:
    """A parsed audit: advisories plus what could not be audited (which makes the gate error)."""

    tool: str
    format: str
    advisories: tuple[Advisory, ...]
    audited: int | None = None
    """How many packages were audited, when the report says."""
    unaudited: tuple[str, ...] = ()
    """``name (reason)`` for each package the tool skipped or could not audit."""
    notes: tuple[str, ...] = ()


def severity_from(
    vectors: Iterable[tuple[str, str]], label: str | None = None, score: float | None = None
) -> tuple[Severity | None, str, float | None]:
    """Judge a severity from CVSS vectors ``(type, vector)``, a numeric score or a label.

    Order: a computable CVSS v3 vector, then a numeric score, then the database's label (GHSA's
    LOW/MODERATE/HIGH/CRITICAL, npm's ``moderate``…), then a CVSS v2 vector. CVSS v4 vectors are
    not computed; with nothing else the severity is unknown (``None``) and the source says why.
    """
    v4 = ""
    v2: tuple[float, str] | None = None
    for _kind, vector in vectors:
        if not vector:
            continue
        try:
            computed = parse_base_score(vector)
        except InputError:
            continue
        if computed is None:
            v4 = vector
        elif vector.startswith("CVSS:3"):
            return severity_for_score(computed), f"{vector} = {computed:.1f}", computed
        elif v2 is None:
            v2 = (computed, vector)
    if score is not None and score > 0:
        return severity_for_score(score), f"CVSS score {score:.1f}", score
    if label and label.strip().lower() not in ("unknown", "undefined", "none", ""):
        try:
            return Severity.parse(label), f"database: {label}", None
        except ValueError:
            pass
    if v2 is not None:
        return severity_for_score(v2[0]), f"{v2[1]} = {v2[0]:.1f} (CVSS v2)", v2[0]
    if v4:
        return None, f"CVSS v4 vector not computed ({v4}) and no database severity", None
    return None, "no severity in the source", None

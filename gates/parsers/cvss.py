"""CVSS base scores computed from vector strings, and the score → severity bands.

OSV records carry a CVSS *vector* (``CVSS:3.1/AV:N/AC:L/...``), not a number, so the score is
computed here with the formulas of the FIRST specifications (CVSS v3.1 §7.1 and Appendix A
``Roundup``; CVSS v3.0 rounds up to one decimal; CVSS v2 §3.2.1). CVSS v4 vectors are not
computed (its scoring uses a large lookup table of macro-vectors): callers fall back to the
database's own severity label and otherwise report the severity as unknown.

Bands are GitHub's (and NVD's v3 bands): ``>= 9.0`` critical, ``>= 7.0`` high, ``>= 4.0`` medium,
``> 0`` low, ``0`` none (info).
"""

from __future__ import annotations

import math

from gates.errors import InputError
from gates.model import Severity

_V3_WEIGHTS: dict[str, dict[str, float]] = {
    "AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
    "AC": {"L": 0.77, "H": 0.44},
    "UI": {"N": 0.85, "R": 0.62},
    "C": {"H": 0.56, "L": 0.22, "N": 0.0},
    "I": {"H": 0.56, "L": 0.22, "N": 0.0},
    "A": {"H": 0.56, "L": 0.22, "N": 0.0},
}
_V3_PR = {"U": {"N": 0.85, "L": 0.62, "H": 0.27}, "C": {"N": 0.85, "L": 0.68, "H": 0.5}}
_V2_WEIGHTS: dict[str, dict[str, float]] = {
    "AV": {"L": 0.395, "A": 0.646, "N": 1.0},
    "AC": {"H": 0.35, "M": 0.61, "L": 0.71},
    "Au": {"M": 0.45, "S": 0.56, "N": 0.704},
    "C": {"N": 0.0, "P": 0.275, "C": 0.660},
    "I": {"N": 0.0, "P": 0.275, "C": 0.660},
    "A": {"N": 0.0, "P": 0.275, "C": 0.660},
}


def _metrics(vector: str, parts: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in parts:
        key, sep, value = part.partition(":")
        if not sep or not value:
            raise InputError(f"CVSS vector {vector!r}: malformed metric {part!r}")
        found[key] = value
    return found


def _roundup_31(value: float) -> float:
    """CVSS v3.1 Appendix A: the smallest one-decimal number >= value, float-error safe."""
    as_int = round(value * 100000)
    if as_int % 10000 == 0:
        return as_int / 100000.0
    return (math.floor(as_int / 10000) + 1) / 10.0


def _v3_score(vector: str, metrics: dict[str, str], minor: str) -> float:
    try:
        scope = metrics["S"]
        weights = {k: _V3_WEIGHTS[k][metrics[k]] for k in _V3_WEIGHTS}
        pr = _V3_PR[scope][metrics["PR"]]
    except KeyError as exc:
        raise InputError(f"CVSS vector {vector!r}: missing or invalid base metric {exc}") from None
    iss = 1 - (1 - weights["C"]) * (1 - weights["I"]) * (1 - weights["A"])
    changed = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15
    impact = 6.42 * iss if scope == "U" else changed
    exploitability = 8.22 * weights["AV"] * weights["AC"] * pr * weights["UI"]
    if impact <= 0:
        return 0.0
    raw = impact + exploitability if scope == "U" else 1.08 * (impact + exploitability)
    raw = min(raw, 10.0)
    if minor == "0":
        return math.ceil(round(raw * 10, 6)) / 10.0
    return _roundup_31(raw)


def _v2_score(vector: str, metrics: dict[str, str]) -> float:
    try:
        w = {k: _V2_WEIGHTS[k][metrics[k]] for k in _V2_WEIGHTS}
    except KeyError as exc:
        raise InputError(f"CVSS vector {vector!r}: missing or invalid base metric {exc}") from None
    impact = 10.41 * (1 - (1 - w["C"]) * (1 - w["I"]) * (1 - w["A"]))
    exploitability = 20 * w["AV"] * w["AC"] * w["Au"]
    f_impact = 0.0 if impact == 0 else 1.176
    return round(((0.6 * impact) + (0.4 * exploitability) - 1.5) * f_impact, 1)


def parse_base_score(vector: str) -> float | None:
    """The base score of a CVSS v3.0/v3.1/v2 vector; ``None`` for CVSS v4 (not computed).

    A malformed vector raises :class:`InputError`.
    """
    text = vector.strip()
    if text.startswith("CVSS:4"):
        return None
    if text.startswith("CVSS:3."):
        head, _, rest = text.partition("/")
        minor = head.split(".", 1)[1]
        if minor not in ("0", "1"):
            raise InputError(f"CVSS vector {vector!r}: unknown CVSS version {head}")
        return _v3_score(vector, _metrics(vector, rest.split("/")), minor)
    if text.startswith("AV:") and "Au:" in text:
        return _v2_score(vector, _metrics(vector, text.strip("()").split("/")))
    raise InputError(f"CVSS vector {vector!r}: not a CVSS v2/v3/v4 vector")


def severity_for_score(score: float) -> Severity:
    """GitHub's bands: >=9 critical, >=7 high, >=4 medium, >0 low, 0 info."""
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0:
        return Severity.LOW
    return Severity.INFO

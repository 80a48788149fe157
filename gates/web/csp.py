"""Content-Security-Policy: parse a policy directive by directive and judge it as the MDN HTTP
Observatory does (``mdn/mdn-http-observatory`` ``src/analyzer/cspParser.js`` and
``src/analyzer/tests/csp.js``).

Judgement, in Observatory order (the first hit is the result):

- ``script-src`` (falling back to ``default-src``, then ``*``) holding ``'unsafe-inline'``,
  ``data:`` or a broad source (``*``, ``https:``, ``http:`` …), or ``object-src`` (same fallback)
  holding a broad source → ``csp-implemented-with-unsafe-inline`` (-20). A missing ``object-src``
  and ``default-src`` therefore counts as unsafe.
- a nonce or hash next to ``'unsafe-inline'`` removes ``'unsafe-inline'`` (CSP2 browsers ignore it);
  only a source of CSP3's base64 grammar counts (``'nonce-{{nonce}}'`` is an unfilled template
  that browsers drop, so it is no nonce: stricter than the Observatory's prefix test);
  ``'strict-dynamic'`` with a nonce/hash removes ``'self'`` and scheme/host sources; without one it
  makes the policy invalid.
- ``http:``/``ftp:`` sources on an https site → insecure scheme (-20; -10 for img/media only);
  ``'unsafe-eval'`` → -10; unsafe style only → 0; ``default-src 'none'`` → +10; otherwise +5.
- a directive repeated within one policy → ``csp-header-invalid`` (-25), except
  ``report-uri``/``report-to``.

Several policies (several headers, or a comma list) are combined by intersection: a source counts
only when every policy that sets the directive allows it (the Observatory's path matching is
simplified to exact source equality).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

BROAD = frozenset(
    {"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"}
)
UNSAFE_INLINE = frozenset({"'unsafe-inline'", "data:"})
NONCE_HASH_PREFIXES = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")
_ALLOWED_DUPLICATES = frozenset({"report-uri", "report-to"})
_PASSIVE = ("img-src", "media-src")


class CspInvalid(ValueError):
    """The policy cannot be parsed (empty, too short, a repeated directive)."""


@dataclass(frozen=True)
class CspVerdict:
    """The Observatory result for a policy, plus every issue found (not only the first)."""

    result: str
    passed: bool
    directives: dict[str, list[str]] = field(default_factory=dict)
    issues: tuple[str, ...] = ()


def split_policies(values: Sequence[str]) -> list[str]:
    """Header values → policies (a comma separates policies, RFC 9110 / CSP3 §2.2)."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def parse_policy(policy: str) -> dict[str, list[str]]:
    """One policy → ``{directive: [sources]}``, lower-cased; an empty ``*-src`` means ``'none'``."""
    text = policy.replace("\r", "").replace("\n", "").strip()
    if len(text) < len("img-src") - 1:
        raise CspInvalid(f"policy too short: {text!r}")
    parsed: dict[str, list[str]] = {}
    for entry in text.split(";"):
        tokens = entry.strip().split()
        if not tokens:
            continue
        name = tokens[0].lower()
        if name in parsed:
            if name in _ALLOWED_DUPLICATES:
                continue
            raise CspInvalid(f"directive {name} repeated")
        sources = [token.lower() for token in tokens[1:]]
        if not sources and name.endswith("-src"):
            sources = ["'none'"]
        parsed[name] = sources
    return parsed


def combine(policies: Sequence[str]) -> dict[str, list[str]]:
    """Parse every policy and intersect directives set by more than one (raises CspInvalid)."""
    combined: dict[str, list[str]] = {}
    for policy in policies:
        for name, sources in parse_policy(policy).items():
            if name in combined:
                kept = [s for s in combined[name] if s in sources]
                combined[name] = kept or ["'none'"]
            else:
                combined[name] = list(sources)
    return combined


_NONCE_OR_HASH = re.compile(r"'(?:nonce|sha256|sha384|sha512)-[a-z0-9+/_-]+={0,2}'")
"""CSP3 ``nonce-source``/``hash-source``: base64 (or base64url) only, so a template left unfilled
(``'nonce-{{nonce}}'``, ``'nonce-${NONCE}'``) is not a nonce (sources are lower-cased here)."""


def _has_nonce_or_hash(sources: Sequence[str]) -> bool:
    return any(_NONCE_OR_HASH.fullmatch(s) for s in sources)


def without_nonces(policy: str) -> str:
    """``policy`` with every ``'nonce-…'`` source removed: a nonce written in a static header file
    (vercel.json, ``_headers``) is the same on every response, so it protects nothing."""
    return re.sub(r"(?i)'nonce-[^']*'", "", policy)


def _effective(csp: dict[str, list[str]], name: str) -> list[str]:
    return list(csp.get(name) or csp.get("default-src") or ["*"])


def _insecure(sources: Sequence[str]) -> bool:
    return any(s.startswith(("http:", "ftp:")) for s in sources)


def evaluate(values: Sequence[str], *, https: bool, report_only: bool = False) -> CspVerdict:
    """Judge the CSP header values of a response (``values`` empty: no CSP)."""
    policies = split_policies(values)
    if not policies:
        result = (
            "csp-not-implemented-but-reporting-enabled" if report_only else "csp-not-implemented"
        )
        return CspVerdict(result, False, issues=("no Content-Security-Policy header",))
    try:
        csp = combine(policies)
    except CspInvalid as exc:
        return CspVerdict("csp-header-invalid", False, issues=(str(exc),))
    script = _effective(csp, "script-src")
    style = _effective(csp, "style-src")
    objects = list(csp.get("object-src") or csp.get("default-src") or ["*"])
    issues: list[str] = []
    for sources in (script, style):
        if _has_nonce_or_hash(sources) and "'unsafe-inline'" in sources:
            sources.remove("'unsafe-inline'")
    invalid = False
    if "'strict-dynamic'" in script:
        if _has_nonce_or_hash(script):
            script[:] = [
                s
                for s in script
                if not (s.startswith(tuple(BROAD)) or s in ("'self'", "'unsafe-inline'"))
            ]
        else:
            invalid = True
            issues.append("'strict-dynamic' in script-src without a nonce or hash")
    results: list[str] = []
    if invalid:
        results.append("csp-header-invalid")
    if any(s in BROAD or s in UNSAFE_INLINE for s in script) or any(s in BROAD for s in objects):
        results.append("csp-implemented-with-unsafe-inline")
        issues.extend(_unsafe_notes(csp, script, objects))
    active = [s for n, v in csp.items() if n not in (*_PASSIVE, "script-src") for s in v] + script
    if https and _insecure(active):
        results.append("csp-implemented-with-insecure-scheme")
        issues.append("http:/ftp: sources allowed for active content on an https site")
    if "'unsafe-eval'" in script or "'unsafe-eval'" in style:
        results.append("csp-implemented-with-unsafe-eval")
        issues.append("'unsafe-eval' allowed in script-src/style-src")
    passive = [s for n in _PASSIVE for s in (csp.get(n) or csp.get("default-src") or [])]
    if https and _insecure(passive):
        results.append("csp-implemented-with-insecure-scheme-in-passive-content-only")
        issues.append("images or media may load over http:")
    if any(s in BROAD or s in UNSAFE_INLINE for s in style):
        results.append("csp-implemented-with-unsafe-inline-in-style-src-only")
        issues.append("style-src allows 'unsafe-inline', data: or a broad source")
    if csp.get("default-src") == ["'none'"]:
        results.append("csp-implemented-with-no-unsafe-default-src-none")
    results.append("csp-implemented-with-no-unsafe")
    frame = csp.get("frame-ancestors")
    if frame is None:
        issues.append("no frame-ancestors directive (framing is not restricted by CSP)")
    elif any(s in BROAD for s in frame):
        issues.append("frame-ancestors allows any origin")
    result = results[0]
    passed = result in (
        "csp-implemented-with-no-unsafe",
        "csp-implemented-with-no-unsafe-default-src-none",
        "csp-implemented-with-unsafe-inline-in-style-src-only",
        "csp-implemented-with-insecure-scheme-in-passive-content-only",
    )
    return CspVerdict(result, passed, directives=csp, issues=tuple(issues))


def _unsafe_notes(csp: dict[str, list[str]], script: list[str], objects: list[str]) -> list[str]:
    notes: list[str] = []
    where = (
        "script-src"
        if "script-src" in csp
        else ("default-src (no script-src)" if "default-src" in csp else "script-src (not set)")
    )
    if "'unsafe-inline'" in script:
        notes.append(f"'unsafe-inline' allowed in {where}")
    if "data:" in script:
        notes.append(f"data: allowed in {where}")
    broad = sorted({s for s in script if s in BROAD})
    if broad:
        notes.append(f"wildcard/broad sources in {where}: {' '.join(broad)}")
    if "object-src" not in csp and "default-src" not in csp:
        notes.append("object-src missing (and no default-src): plugins may load from anywhere")
    elif any(s in BROAD for s in objects):
        notes.append("object-src allows a wildcard/broad source")
    return notes


def frame_ancestors_restricted(values: Sequence[str]) -> bool:
    """True when a parseable CSP sets ``frame-ancestors`` without a broad source."""
    try:
        csp = combine(split_policies(values))
    except CspInvalid:
        return False
    frame = csp.get("frame-ancestors")
    return frame is not None and not any(s in BROAD for s in frame)

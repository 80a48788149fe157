"""Credential patterns and the byte scanner behind the ``secrets`` gate.

Each file is read once as bytes and scanned with precompiled patterns that begin with a literal
(``AKIA``, ``ghp_``, ``eyJ``…), which CPython's regex engine finds with a fast prefix search; the
keyword-based "generic secret" pattern runs on a lower-cased copy (one C-level ``bytes.lower``) so
no case-insensitive alternation is needed, and Shannon entropy is computed only on captured
values (≤ 200 bytes), never on whole lines, so long minified bundle lines cost nothing extra.

JWTs are decoded (base64url payload, no signature check) to judge them: a Supabase key whose
payload ``role`` is ``service_role`` bypasses Row Level Security; ``anon`` keys are public by
design and are not reported.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace

from gates.model import Severity
from gates.redact import mask
from gates.security.credentials import is_placeholder, is_supabase_demo, jwt_claims


@dataclass(frozen=True)
class Pattern:
    """A credential pattern: ``group`` is the secret value inside the match."""

    rule: str
    regex: re.Pattern[bytes]
    severity: Severity
    title: str
    group: int = 0


_WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def _starts_word(data: bytes, start: int) -> bool:
    """True when ``start`` begins a word: the ``\\b`` every pattern needs, checked here because
    a leading ``\\b`` disables the regex engine's fast literal-prefix search (30x slower)."""
    return start == 0 or data[start - 1] not in _WORD


def _p(rule: str, pattern: bytes, severity: Severity, title: str, group: int = 0) -> Pattern:
    return Pattern(rule, re.compile(pattern), severity, title, group)


H, C, M, L = Severity.HIGH, Severity.CRITICAL, Severity.MEDIUM, Severity.LOW

PATTERNS: tuple[Pattern, ...] = (
    _p("private-key", rb"-----BEGIN[ A-Z0-9]{0,30}PRIVATE KEY(?: BLOCK)?-----", H, "Private key"),
    _p("aws-access-key-id", rb"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b", H, "AWS access key id"),
    _p("gcp-api-key", rb"AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])", L, "Google API key"),
    _p("stripe-live-secret-key", rb"sk_live_[0-9A-Za-z]{16,247}\b", C, "Stripe live secret key"),
    _p(
        "stripe-restricted-key",
        rb"rk_(?:live|test)_[0-9A-Za-z]{16,247}\b",
        H,
        "Stripe restricted key",
    ),
    _p("stripe-test-secret-key", rb"sk_test_[0-9A-Za-z]{16,247}\b", M, "Stripe test secret key"),
    _p("stripe-webhook-secret", rb"whsec_[0-9A-Za-z]{24,}\b", H, "Stripe webhook signing secret"),
    _p("github-token", rb"gh[pousr]_[A-Za-z0-9]{36,251}\b", H, "GitHub token"),
    _p(
        "github-fine-grained-pat",
        rb"github_pat_[A-Za-z0-9_]{60,255}\b",
        H,
        "GitHub fine-grained token",
    ),
    _p("slack-token", rb"xox[abposr]-[0-9A-Za-z-]{10,250}", H, "Slack token"),
    _p(
        "slack-webhook",
        rb"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{20,}",
        M,
        "Slack incoming webhook URL",
    ),
    _p(
        "openai-api-key",
        rb"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}",
        H,
        "OpenAI API key",
    ),
    _p("npm-token", rb"npm_[A-Za-z0-9]{36}\b", H, "npm access token"),
    _p("pypi-token", rb"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}", H, "PyPI upload token"),
    _p("sendgrid-api-key", rb"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b", H, "SendGrid API key"),
    _p(
        "supabase-secret-key",
        rb"sb_secret_[A-Za-z0-9_-]{20,}",
        C,
        "Supabase secret key (sb_secret_)",
    ),
)

JWT = re.compile(rb"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
AWS_SECRET = re.compile(
    rb"aws_?secret_?(?:access_?)?key[a-z0-9_]*[\"']?\s*(?::=|=>|=|:)\s*[\"'`]?([a-z0-9/+=]{40})(?![a-z0-9/+=])"
)
GENERIC = re.compile(
    rb"(?:secret|token|passw(?:or)?d|pwd|api_?key|apikey|access_?key|private_?key|auth_?key"
    rb"|credential|client_?secret|signing_?key)[a-z0-9_.-]{0,24}[\"']?\s*(?::=|=>|=|:)\s*"
    rb"([\"'`]?)([a-z0-9+/=_.~!@#$%^&*-]{16,200})"
)
PUBLIC_VAR = re.compile(
    rb"\b(?:PUBLIC_|VITE_|NEXT_PUBLIC_|NUXT_PUBLIC_|REACT_APP_|EXPO_PUBLIC_|GATSBY_)[A-Z0-9_]*[\"']?\s*[:=]"
)
ALLOW_MARK = b"gates:allow-secret"
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")


def shannon_entropy(text: str) -> float:
    """Bits per character of ``text``."""
    if not text:
        return 0.0
    counts = Counter(text)
    total = len(text)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def redact(value: str) -> str:
    """The one redaction format of every output (:func:`gates.redact.mask`): a short prefix
    (≤ 4 chars, ≤ a quarter of the value) and a sha256 digest, never the value."""
    return mask(value)


def secret_hash(value: str) -> str:
    """Full sha256 of a secret value (for fingerprints and the baseline; not reversible)."""
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()


def decode_jwt_payload(token: str) -> dict[str, object] | None:
    """The JSON payload of a JWT (no signature check), or ``None`` if it does not decode."""
    return jwt_claims(token)


@dataclass(frozen=True)
class Hit:
    """A candidate secret in one file (before context, allowlist and baseline are applied)."""

    rule: str
    severity: Severity
    title: str
    value: str
    start: int
    line_has_public_var: bool
    allowlisted: bool
    note: str = ""
    supabase_service: bool = False


def _line_bounds(data: bytes, start: int, end: int) -> tuple[int, int]:
    lo = data.rfind(b"\n", 0, start) + 1
    hi = data.find(b"\n", end)
    return lo, (len(data) if hi < 0 else hi)


def _hit(
    data: bytes,
    start: int,
    end: int,
    rule: str,
    severity: Severity,
    title: str,
    note: str = "",
    supabase_service: bool = False,
    value: str | None = None,
) -> Hit:
    lo, hi = _line_bounds(data, start, end)
    # Only the text before the value decides "assigned to a PUBLIC_* variable" (bounded window).
    before = data[max(lo, start - 200) : start]
    return Hit(
        rule,
        severity,
        title,
        data[start:end].decode("latin-1") if value is None else value,
        start,
        PUBLIC_VAR.search(before) is not None,
        ALLOW_MARK in data[lo:hi],
        note,
        supabase_service,
    )


def _jwt_hits(data: bytes) -> tuple[list[Hit], int]:
    hits, public = [], 0
    for match in JWT.finditer(data):
        if not _starts_word(data, match.start()):
            continue
        token = match.group(0).decode("latin-1")
        payload = decode_jwt_payload(token)
        if payload is None:
            continue
        role = payload.get("role")
        if role == "anon":
            public += 1
            continue
        if role == "service_role":
            demo = is_supabase_demo(token)
            hits.append(
                _hit(
                    data,
                    match.start(),
                    match.end(),
                    "supabase-service-role",
                    Severity.LOW if demo else Severity.CRITICAL,
                    "Supabase service_role key (bypasses Row Level Security)",
                    "the well-known local Supabase demo key" if demo else "",
                    True,
                )
            )
        else:
            hits.append(
                _hit(data, match.start(), match.end(), "jwt", Severity.LOW, "JSON Web Token")
            )
    return hits, public


def _generic_hits(data: bytes, lowered: bytes, threshold: float, template: bool) -> list[Hit]:
    hits = []
    for match in GENERIC.finditer(lowered):
        start, end = match.span(2)
        value = data[start:end].decode("latin-1")
        quote = match.group(1)
        if quote and lowered[end : end + 1] != quote:
            continue  # the value ran past the closing quote: not a plain string literal
        if lowered[end : end + 1] == b"(" or is_placeholder(value, template=template):
            continue
        if value[0] in "$=.%&*~" or (
            _IDENTIFIER.fullmatch(value) and ("." in value or not any(c.isdigit() for c in value))
        ):
            continue  # a reference ($request.x, module.attr, =expr), not a literal
        is_hex = all(ch in "0123456789abcdefABCDEF" for ch in value)
        if shannon_entropy(value) < (threshold - 0.5 if is_hex else threshold):
            continue
        hits.append(
            _hit(
                data,
                start,
                end,
                "high-entropy-assignment",
                Severity.MEDIUM,
                "High-entropy value assigned to a secret-looking name",
            )
        )
    return hits


# `"eyJ…" + "…"` (JS, Python), `"eyJ…" "…"` and `"eyJ…"⏎"…"` (Python, C): string literals
# joined by `+`, blanks or a line break (a bare `"a""b"` is left alone: nobody writes it).
_LITERAL = rb'"[^"\\\n]*(?:\\.[^"\\\n]*)*"' + rb"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'"
_JOIN = rb"(?:[ \t]*(?:\+[ \t\r\n]*|[\r\n]+[ \t]*)|[ \t]+)"
_LITERAL_PART = re.compile(_LITERAL)
_JOIN_GAP = re.compile(_JOIN)
_QUOTES_JOINED = re.compile(rb"[\"']" + _JOIN + rb"[\"']")
# base64 of `eyJ` (a JWT) and of `sb_secret_` at the start of a blob (Kubernetes Secret `data:`)
_BASE64 = re.compile(rb"(?:ZXlK|c2Jfc2VjcmV0X)[A-Za-z0-9+/]{24,8192}={0,2}")
_DUMMY_PREFIX = re.compile(r"^[A-Za-z]{2,12}[_.-](?:(?:live|test|proj|secret|pat)[_-])?")


def _derived(data: bytes) -> Iterator[tuple[int, bytes, str]]:
    """(offset, text, how) for text a reader of ``data`` would assemble: joined literals and
    decoded base64 blobs. Offsets point at where the pieces start in ``data``."""
    if _QUOTES_JOINED.search(data):
        for start, parts in _literal_runs(data):
            yield start, b"".join(parts), "joined from string literals"
    if b"ZXlK" in data or b"c2Jfc2VjcmV0X" in data:
        for match in _BASE64.finditer(data):
            if not _starts_word(data, match.start()):
                continue
            blob = match.group(0)
            try:
                decoded = base64.b64decode(blob + b"=" * (-len(blob) % 4))
            except (binascii.Error, ValueError):
                continue
            yield match.start(), decoded, "base64-decoded"


def _literal_runs(data: bytes) -> Iterator[tuple[int, list[bytes]]]:
    """Runs of 2+ string literals joined by ``+`` or a line break: one pass over the literals
    (a repeated regex group would cost several µs per piece on hostile input)."""
    run: list[bytes] = []
    start = last = 0
    for match in _LITERAL_PART.finditer(data):
        if run and _JOIN_GAP.fullmatch(data, last, match.start()):
            run.append(match.group(0)[1:-1])
        else:
            if len(run) > 1:
                yield start, run
            run, start = [match.group(0)[1:-1]], match.start()
        last = match.end()
    if len(run) > 1:
        yield start, run


def _dummy(hit: Hit) -> bool:
    """``ghp_xxxxxxxx…``, ``sk_test_your_key_here``: a known prefix around a placeholder."""
    return is_placeholder(_DUMMY_PREFIX.sub("", hit.value))


def scan_bytes(
    data: bytes, entropy_threshold: float = 3.5, *, template: bool = False
) -> tuple[list[Hit], int]:
    """All candidate secrets in ``data`` and the number of public (anon) JWTs seen.

    ``template``: the file is a template or test file (``.env.example``, ``tests/…``), where
    values made only of words are placeholders. Keys split over adjacent string literals or
    base64-encoded are found too (their hit points at the first piece).
    """
    hits, public = _scan_direct(data, entropy_threshold, template)
    derived = list(_derived(data))
    if not derived:
        return hits, public
    # every derived text in one buffer (one scan, not one per text), split by bytes no pattern
    # crosses; a hit is mapped back to its text by offset
    starts, pos = [], 0
    for _offset, text, _how in derived:
        starts.append(pos)
        pos += len(text) + len(_SEPARATOR)
    found, anon = _scan_direct(
        _SEPARATOR.join(t for _o, t, _h in derived), entropy_threshold, template, generic=False
    )
    public += anon
    seen = {h.value for h in hits}
    for hit in found:
        if hit.value in seen or any(hit.value in v for v in seen):
            continue
        seen.add(hit.value)
        offset, _text, how = derived[bisect.bisect_right(starts, hit.start) - 1]
        placed = _hit(
            data,
            offset,
            offset + 1,
            hit.rule,
            hit.severity,
            hit.title,
            hit.note,
            hit.supabase_service,
            hit.value,
        )
        hits.append(replace(placed, note=f"{hit.note}; {how}" if hit.note else how))
    return hits, public


_SEPARATOR = b"\n\0\n"


def _scan_direct(
    data: bytes, entropy_threshold: float, template: bool, *, generic: bool = True
) -> tuple[list[Hit], int]:
    hits: list[Hit] = []
    for pattern in PATTERNS:
        for match in pattern.regex.finditer(data):
            if not _starts_word(data, match.start()):
                continue
            start, end = match.span(pattern.group)
            hits.append(
                _hit(
                    data,
                    start,
                    end,
                    pattern.rule,
                    pattern.severity,
                    pattern.title,
                    supabase_service=pattern.rule == "supabase-secret-key",
                )
            )
    public = 0
    if b"eyJ" in data:
        jwt_hits, public = _jwt_hits(data)
        hits += jwt_hits
    lowered = data.lower()
    for match in AWS_SECRET.finditer(lowered):
        start, end = match.span(1)
        hits.append(
            _hit(
                data,
                start,
                end,
                "aws-secret-access-key",
                Severity.CRITICAL,
                "AWS secret access key",
            )
        )
    spans = [(h.start, h.start + len(h.value)) for h in hits]
    if generic:
        hits += [
            g
            for g in _generic_hits(data, lowered, entropy_threshold, template)
            if not any(lo <= g.start < hi for lo, hi in spans)
        ]
    # AWS's documentation keys (AKIAIOSFODNN7EXAMPLE…) are not credentials, nor are dummies.
    return [
        h
        for h in hits
        if not (h.rule.startswith("aws-") and "EXAMPLE" in h.value)
        and (h.rule in ("high-entropy-assignment", "jwt", "supabase-service-role") or not _dummy(h))
    ], public

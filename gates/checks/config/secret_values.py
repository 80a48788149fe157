"""Does a configuration VALUE look like a secret? (used by ``config`` on public-prefixed keys).

A SvelteKit ``PUBLIC_*`` variable is inlined into the browser bundle, and the guard is by name,
not by value: ``PUBLIC_SUPABASE_ANON_KEY=<service_role JWT>`` ships
the service key to every visitor. So values are judged by what they are:

- a JWT whose base64url payload has ``role: service_role`` (or any role but ``anon``) — secret;
  an ``anon`` JWT is public by design;
- ``sb_secret_…`` (new Supabase secret key) — secret; ``sb_publishable_…`` is public;
- a PEM private key, a URL/DSN with a password, well-known secret prefixes (``sk_live_``,
  ``ghp_``, ``AKIA…``, ``xoxb-``, ``whsec_``…);
- a long token with high Shannon entropy (detect-secrets' limits: 4.5 bits/char base64, 3.0 hex)
  that is none of the known public shapes (publishable keys, UUIDs, URLs without a password).

Only a kind and a reason come back, never the value.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from gates.redact import jwt_role
from gates.security.credentials import (
    is_placeholder,
    is_supabase_demo,
    non_credential,
    public_by_design,
    public_name,
    secret_name,
)

_JWT = re.compile(r"^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
_SECRET_PREFIXES = re.compile(
    r"^(?:sb_secret_|sk_live_|sk_test_|rk_live_|rk_test_|whsec_|ghp_|gho_|ghu_|ghs_|github_pat_"
    r"|glpat-|xox[abposr]-|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}|SG\.[\w-]{16,}\.|AKIA[0-9A-Z]{16}$"
    r"|npm_[A-Za-z0-9]{30,})"
)
_PUBLIC_PREFIXES = ("sb_publishable_", "pk_live_", "pk_test_")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_TOKEN = re.compile(r"^[A-Za-z0-9+/=_.\-]{20,}$")
_HEX = re.compile(r"^[0-9a-fA-F]{32,}$")
_PLACEHOLDER = re.compile(r"^\[?[<\[{]?(?:your|replace|change|example|xxx|\.\.\.)", re.I)
SECRET_NAME = re.compile(
    r"(?:KEY|SECRET|TOKEN|PASSWORD|PASSWD|PASS|PWD|DSN|PRIVATE|CREDENTIAL|AUTH|DATABASE_URL|_SALT)",
    re.I,
)
"""Key names whose values are treated as secrets for redaction (never shown, always masked)."""


@dataclass(frozen=True)
class SecretLike:
    """Why a value looks secret (no value inside)."""

    kind: str
    reason: str


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _jwt(value: str) -> SecretLike | None:
    role = jwt_role(value)
    if role == "anon":
        return None
    if role == "service_role" and is_supabase_demo(value):
        return SecretLike(
            "supabase-demo-key",
            "Supabase's well-known local demo service_role key (iss supabase-demo): public, "
            "but it must not reach a deployed environment",
        )
    if role == "service_role":
        return SecretLike(
            "supabase-service-role-jwt", "JWT with role service_role: bypasses Row Level Security"
        )
    shown = f"role {role}" if role else "no role claim"
    return SecretLike("jwt", f"JWT ({shown}) that is not an anon key")


def _url(value: str) -> SecretLike | None:
    try:
        parts = urlsplit(value)
        password = parts.password
    except ValueError:
        return None
    if parts.scheme and parts.netloc and password and not is_placeholder(value):
        return SecretLike("dsn-with-password", f"{parts.scheme} URL with an embedded password")
    return None


def classify(value: str) -> SecretLike | None:
    """A :class:`SecretLike` when ``value`` looks like a credential, else ``None``."""
    text = value.strip()
    if not text:
        return None
    if _PRIVATE_KEY.search(text):
        return SecretLike("private-key", "PEM private key")
    if _JWT.match(text):
        return _jwt(text)
    if "://" in text:
        return _url(text)
    if (
        text.startswith(_PUBLIC_PREFIXES)
        or _UUID.match(text)
        or _PLACEHOLDER.match(text)
        or public_by_design(text)
    ):
        return None
    if _SECRET_PREFIXES.match(text):
        label = "sb_secret_ key" if text.startswith("sb_secret_") else "a well-known secret prefix"
        return SecretLike("known-secret-prefix", f"value has {label}")
    return _high_entropy(text)


def _high_entropy(text: str) -> SecretLike | None:
    if (
        is_placeholder(text)
        or not _TOKEN.match(text)
        or not re.search(r"\d", text)
        or not re.search(r"[A-Za-z]", text)
    ):
        return None
    bits = entropy(text)
    limit = 3.0 if _HEX.match(text) else 4.5
    if bits >= limit:
        return SecretLike("high-entropy", f"{len(text)}-character token, {bits:.1f} bits/char")
    return None


def hint(value: str | None) -> str:
    """A redacted description: length and shape only."""
    if value is None:
        return "no value"
    if not value:
        return "empty"
    shape = "JWT" if _JWT.match(value.strip()) else ("URL" if "://" in value else "text")
    return f"{shape}, {len(value)} chars (redacted)"


def classify_public(name: str, value: str) -> SecretLike | None:
    """Judge a public-prefixed ``name=value``: the value's shape, then the NAME.

    A known secret shape always counts; a name that says SECRET/PRIVATE/PASSWORD/SERVICE_ROLE/
    TOKEN counts whatever the value's entropy, unless the value is public by design, a flag or a
    number; a high-entropy value under a public-by-design name (``…_CLIENT_ID``, ``…_SITE_KEY``)
    does not count.
    """
    hit = classify(value)
    if hit is not None and hit.kind == "high-entropy" and public_name(name):
        hit = None
    if hit is not None:
        return hit
    text = value.strip()
    if secret_name(name) and not public_by_design(text) and not non_credential(text):
        return SecretLike(
            "secret-name",
            "the name says it holds a secret (SECRET/PRIVATE/PASSWORD/SERVICE_ROLE/TOKEN), so "
            "whatever the value, the app ships a secret to browsers",
        )
    return None

"""What a credential value is, shared by the ``secrets`` and ``config`` gates.

- :func:`jwt_claims` decodes a JWT's payload (base64url JSON, no signature check);
  :func:`is_supabase_demo` recognises Supabase's well-known local demo keys (``iss:
  supabase-demo``, published in the Supabase CLI and every self-hosting guide: public, never a
  leak of a project's key).
- :data:`PUBLIC_BY_DESIGN` is the table of identifiers made to be shipped to browsers: they are
  not secrets, whatever their entropy (``docs/gates/config.md`` shows the table).
- :func:`is_placeholder` recognises template values (``your-key-here``,
  ``generate_32_character_random_string_here``, ``cloudinary://api_key:api_secret@cloud_name``,
  ``xxxxxxxx``); with ``template=True`` (a tracked ``.env.example`` or a test file) any value made
  only of words is one too, while a random-looking key still is not.
- :func:`secret_name` says a variable NAME claims to hold a secret (SECRET, PRIVATE, PASSWORD,
  SERVICE_ROLE, TOKEN), with the public-by-design names that contain such a word excepted.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from urllib.parse import urlsplit


def jwt_claims(token: str) -> dict[str, object] | None:
    """The JSON payload of a JWT (no signature check), or ``None`` if it does not decode."""
    parts = token.split(".")
    if len(parts) < 2:
        return None
    body = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        payload = json.loads(base64.urlsafe_b64decode(body))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        return None
    return payload if isinstance(payload, dict) else None


def is_supabase_demo(token: str) -> bool:
    """A Supabase local-development demo key (``iss: supabase-demo``): public knowledge."""
    claims = jwt_claims(token)
    return claims is not None and claims.get("iss") == "supabase-demo"


PUBLIC_BY_DESIGN: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (
        "Supabase anon / publishable key",
        re.compile(r"^sb_publishable_[A-Za-z0-9_-]+$"),
        "Row Level Security decides what it may read",
    ),
    (
        "Stripe publishable key",
        re.compile(r"^pk_(?:live|test)_[A-Za-z0-9]+$"),
        "made for Stripe.js",
    ),
    (
        "PostHog project API key",
        re.compile(r"^phc_[A-Za-z0-9]{20,}$"),
        "write-only event ingestion",
    ),
    (
        "Google OAuth client id",
        re.compile(r"^[0-9]+-[a-z0-9]+\.apps\.googleusercontent\.com$"),
        "public part of the OAuth client; the client secret is not",
    ),
    (
        "Sentry DSN",
        re.compile(r"^https://[0-9a-f]{16,}@[A-Za-z0-9.-]+\.sentry\.io/[0-9]+$"),
        "a public key: it can only send events",
    ),
    ("Mapbox public token", re.compile(r"^pk\.eyJ[A-Za-z0-9_.-]+$"), "scoped by URL restrictions"),
    (
        "Firebase / Google browser API key",
        re.compile(r"^AIza[0-9A-Za-z_-]{35}$"),
        "identifies the project; restrict it by HTTP referrer",
    ),
    (
        "Cloudflare Turnstile site key",
        re.compile(r"^0x4[A-Za-z0-9_-]{20,}$"),
        "the site key is embedded in the page",
    ),
)
"""(what, value shape, why it is public). The ``anon`` JWT is public too (by its ``role``)."""

_PUBLIC_NAME = re.compile(
    r"(?:_|^)(?:CLIENT_ID|SITE_?KEY|PUBLISHABLE_KEY|ANON_KEY|PUBLIC_KEY|MEASUREMENT_ID|APP_ID"
    r"|PROJECT_ID|POSTHOG_KEY|SEARCH_(?:ONLY_)?(?:API_)?KEY|VAPID_KEY)$"
)
"""Names whose value is public by design: a high-entropy value there is no finding."""

_SECRET_WORD = re.compile(
    r"(?:^|_)(?:SECRETS?|PRIVATE|PASSWORD|PASSWD|PWD|SERVICE_ROLE|SERVICE_KEY|TOKENS?)(?:_|$)"
)
_METADATA_SUFFIX = re.compile(
    r"_(?:URL|URI|ENDPOINT|HOST|NAME|HEADER|COOKIE|LENGTH|MIN_LENGTH|EXPIRY|EXPIRES_IN|TTL"
    r"|ENABLED|PATH|ROUTE|FIELD|PARAM)$"
)
"""A secret word followed by one of these names metadata (``PUBLIC_TOKEN_TTL``), not a secret."""
_NON_CREDENTIAL = re.compile(r"^(?:true|false|yes|no|on|off|[0-9]+[smhd]?|[0-9]*\.[0-9]+)$", re.I)


def public_by_design(value: str) -> str | None:
    """What the value is when it is a public-by-design identifier (the table), else ``None``."""
    text = value.strip()
    for what, shape, _why in PUBLIC_BY_DESIGN:
        if shape.match(text):
            return what
    claims = jwt_claims(text) if text.startswith("eyJ") else None
    if claims is not None and claims.get("role") == "anon":
        return "Supabase anon key"
    return None


def public_name(name: str) -> bool:
    """The variable name is one of the public-by-design identifiers (``…_CLIENT_ID``…)."""
    return _PUBLIC_NAME.search(name.upper()) is not None


def secret_name(name: str) -> bool:
    """The name says it holds a secret (SECRET/PRIVATE/PASSWORD/SERVICE_ROLE/TOKEN)."""
    upper = name.upper()
    return _SECRET_WORD.search(upper) is not None and not _METADATA_SUFFIX.search(upper)


def non_credential(value: str) -> bool:
    """A flag, number or duration (``true``, ``3600``, ``15m``): no credential at all."""
    return _NON_CREDENTIAL.match(value.strip()) is not None


_MARKER = re.compile(
    r"example|changeme|change_me|placeholder|your[_-]|xxxx|dummy|sample|redacted|\*\*\*\*"
    r"|<|>|\$\{|\{\{|process\.env|import\.meta",
    re.IGNORECASE,
)
_MARKER_WORDS = frozenset(
    {
        "your",
        "my",
        "here",
        "generate",
        "insert",
        "replace",
        "put",
        "todo",
        "fixme",
        "fake",
        "dummy",
        "test",
        "mock",
        "sample",
        "example",
        "placeholder",
        "change",
        "changeme",
        "random",
        "string",
        "value",
        "secret",
        "key",
        "token",
        "password",
        "pass",
        "name",
        "api",
        "cloud",
        "user",
        "username",
        "host",
        "enter",
        "xxx",
    }
)
_WORDS = re.compile(r"[A-Za-z]+|[0-9]+")


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORDS.findall(text)]


def _wordlike(text: str) -> bool:
    """Only dictionary-looking words (letters, lower-case or capitalised) and short numbers."""
    parts = re.split(r"[^A-Za-z0-9]+", text)
    parts = [p for p in parts if p]
    return len(parts) >= 2 and all(
        (p.isalpha() and (p.islower() or p.isupper() or p.istitle()) and len(p) <= 14)
        or (p.isdigit() and len(p) <= 4)
        for p in parts
    )


def is_placeholder(value: str, *, template: bool = False) -> bool:
    """A template value, not a credential (see the module docstring)."""
    text = value.strip().strip("\"'`")
    if not text:
        return True
    if "://" in text:
        try:
            parts = urlsplit(text)
            user, password = parts.username or "", parts.password or ""
        except ValueError:
            return False
        secret = password or user
        return bool(secret) and (
            is_placeholder(secret, template=template)
            or all(w in _MARKER_WORDS for w in _words(secret))
        )
    if _MARKER.search(text) or len(set(text.lower())) <= 2:
        return True
    words = _words(text)
    if _wordlike(text) and sum(w in _MARKER_WORDS for w in words) >= 2:
        return True
    return template and _wordlike(text)

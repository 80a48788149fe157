"""Rules of the ``config`` gate and the one helper that builds its findings (no values inside)."""

from __future__ import annotations

from typing import Any

from gates.checks.base import Rule
from gates.fingerprint import fingerprint
from gates.model import Finding, Location, Severity
from gates.web.findings import HEADER_RULES

_ENV_RULES = (
    Rule(
        "config-required-missing",
        Severity.HIGH,
        "Required setting missing",
        "The deploy would start without a setting the application needs.",
        "Set the key in the environment's env file or hosting settings.",
    ),
    Rule(
        "config-forbidden-value",
        Severity.HIGH,
        "Forbidden setting for this environment",
        "A value such as DEBUG=true is unsafe in this environment.",
        "Remove the key or change its value for this environment.",
    ),
    Rule(
        "config-format",
        Severity.HIGH,
        "Setting has the wrong format",
        "A malformed URL, number or flag fails at run time, after the deploy.",
        "Fix the value so it matches the declared format.",
    ),
    Rule(
        "config-not-different",
        Severity.HIGH,
        "Setting identical across environments",
        "Production pointed at the staging database/API (or the reverse) is a classic outage.",
        "Give each environment its own value.",
    ),
    Rule(
        "config-public-secret",
        Severity.CRITICAL,
        "Secret under a public prefix",
        "Variables under the public prefix (PUBLIC_, VITE_) are inlined into the JavaScript "
        "every visitor downloads; a service_role key there bypasses Row Level Security.",
        "Move the value to a private variable, rotate the exposed key, and use the anon or "
        "publishable key in the browser.",
        "https://supabase.com/docs/guides/api/api-keys",
        always_blocks=True,
    ),
    Rule(
        "config-public-demo-key",
        Severity.LOW,
        "Supabase local demo key under a public prefix",
        "Supabase's local demo keys (iss supabase-demo) are published with the Supabase CLI: "
        "they open nothing but a local stack, yet a deploy using one talks to no real project.",
        "Use the project's own anon key for deployed environments.",
        "https://supabase.com/docs/guides/self-hosting/docker#securing-your-services",
    ),
    Rule(
        "config-syntax",
        Severity.MEDIUM,
        "Unparseable env file line",
        "dotenv skips a line it cannot parse, so the key silently goes missing.",
        "Fix the quoting on that line.",
    ),
)
RULES = _ENV_RULES + HEADER_RULES
_SEVERITY = {rule.id: rule for rule in _ENV_RULES}


def finding(
    rule: str,
    path: str,
    line: int | None,
    message: str,
    fail_on: Severity,
    *,
    key: str,
    data: dict[str, Any] | None = None,
    always_blocks: bool = False,
    never_blocks: bool = False,
) -> Finding:
    """A config finding; ``key`` (a key name, never a value) makes the fingerprint stable."""
    meta = _SEVERITY[rule]
    always_blocks = always_blocks or meta.always_blocks
    return Finding(
        rule=rule,
        severity=meta.severity,
        message=message,
        location=Location(path, line),
        fingerprint=fingerprint(rule, path, "", key),
        blocks=always_blocks or (not never_blocks and meta.severity.at_least(fail_on)),
        title=meta.title,
        help_uri=meta.help_uri,
        data={"key": key, **(data or {})},
        always_blocks=always_blocks,
    )

"""``config``: the configuration a deploy will use, checked before it ships.

Example::

    config:
      type: config
      env_file: .env.${GATES_ENV}          # a missing file is an error
      from_process_env: false              # true: the process environment is a source too
      required:                            # a list (every env) or a mapping per env ("*": all)
        "*": [PUBLIC_SUPABASE_URL, PUBLIC_SUPABASE_ANON_KEY]
        production: [SUPABASE_SERVICE_ROLE_KEY]
      forbid: {production: {DEBUG: "true"}}     # or a list: [DEBUG, "LOG_LEVEL=trace"]
      formats: {PUBLIC_SUPABASE_URL: https-url, PORT: int, FEATURE_X: bool, REGION: "regex:^eu-"}
      differ:
        keys: [PUBLIC_SUPABASE_URL]
        files: {staging: .env.staging, production: .env.production}
      public_prefix: PUBLIC_               # also a list: [PUBLIC_, VITE_]
      headers_from: [vercel.json, svelte.config.js]
      headers_path: /
      min_score: 70
      require: [hsts, csp, nosniff]

Values never reach the report: findings name keys and a redacted shape (``JWT, 219 chars``), and
secret-looking values go to ``GateOutcome.secrets`` so the runner masks them anywhere. A
secret-looking value under ``public_prefix`` (a ``service_role`` JWT, ``sb_secret_``, a private
key, a DSN with a password, a high-entropy token) is ``critical`` and blocks in every
environment; an ``anon`` JWT or a publishable key does not.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from gates.checks.base import Check, GateContext, GateOutcome
from gates.checks.config.options import ConfigOptions, DifferOptions
from gates.checks.config.rules import RULES, finding
from gates.errors import InputError
from gates.model import Severity

if TYPE_CHECKING:
    from gates.parsers import dotenv
# the .env parser, secret classifier and header analysis are imported where they run:
# `gates validate` and other gate types never pay for them


def _for_env(spec: object, env: str | None) -> list[object]:
    """Entries of a list (all envs) or of a mapping's ``*`` and current-env keys."""
    if isinstance(spec, list):
        return list(spec)
    if isinstance(spec, dict):
        picked: list[object] = []
        for key in ("*", env):
            if key is not None and key in spec:
                value = spec[key]
                picked.extend(value.items() if isinstance(value, dict) else value)
        return picked
    return []


def _norm(value: object) -> str:
    return str(value).strip().lower()


def _check_format(fmt: str, value: str) -> str | None:
    """``None`` when ``value`` has format ``fmt``, else why not (no value inside)."""
    if fmt in ("url", "https-url"):
        parts = urlsplit(value)
        if not parts.scheme or not parts.netloc:
            return "is not an absolute URL"
        if fmt == "https-url" and parts.scheme != "https":
            return f"is a {parts.scheme}: URL, not https:"
        return None
    if fmt == "int":
        return None if re.fullmatch(r"[+-]?\d+", value.strip()) else "is not an integer"
    if fmt == "bool":
        ok = _norm(value) in ("true", "false", "1", "0", "yes", "no", "on", "off")
        return None if ok else "is not a boolean"
    if fmt.startswith("regex:"):
        return None if re.search(fmt[6:], value) else f"does not match /{fmt[6:]}/"
    raise ValueError(f"unknown format {fmt!r} (url, https-url, int, bool, regex:...)")


class _Source:
    """The merged key/value view and where each key came from."""

    def __init__(self) -> None:
        self.values: dict[str, str | None] = {}
        self.where: dict[str, tuple[str, int | None]] = {}

    def add(self, values: dict[str, str | None], path: str, lines: dict[str, int | None]) -> None:
        for key, value in values.items():
            self.values[key] = value
            self.where[key] = (path, lines.get(key))


_VITE_MARKERS = tuple(
    f"{stem}.config.{ext}"
    for stem in ("vite", "svelte")
    for ext in ("js", "mjs", "cjs", "ts", "mts")
)


def env_syntax(options: ConfigOptions, root: Path) -> str:
    """Whose rules read the env files: npm ``dotenv`` for a Vite/SvelteKit project, else
    python-dotenv (``env_syntax: auto``); an explicit ``npm``/``python`` wins."""
    if options.env_syntax != "auto":
        return options.env_syntax
    if any((root / name).is_file() for name in _VITE_MARKERS):
        return "npm"
    try:
        manifest = (root / "package.json").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "python"
    return "npm" if re.search(r'"(?:vite|@sveltejs/kit)"\s*:', manifest) else "python"


def _load_env(
    ctx: GateContext, relative: str, expand: bool, syntax: str
) -> tuple[dict[str, str | None], dotenv.EnvFile]:
    from gates.parsers import dotenv

    path = ctx.path(relative)
    env = dotenv.load(path, syntax)
    ctx.record(path)
    if not env.entries:
        # an emptied env file would pass every rule but `required` on no evidence at all
        raise InputError(f"{relative}: the env file holds no keys")
    values = dotenv.expand(env, ctx.environ) if expand else env.values()
    return values, env


def evaluate(options: ConfigOptions, ctx: GateContext) -> GateOutcome:
    """Load the env sources, then run every configured rule; see the module docstring."""
    if not options.env_file and not options.from_process_env and not options.headers_from:
        return GateOutcome.failed_closed(
            "nothing to check: set env_file, from_process_env: true or headers_from"
        )
    source = _Source()
    out = GateOutcome()
    fail_on = Severity(options.fail_on)
    if options.from_process_env:
        source.add(dict(ctx.environ), "<process env>", {})
    if options.env_file:
        values, env = _load_env(
            ctx, options.env_file, options.expand, env_syntax(options, ctx.root)
        )
        lines = {e.key: env.line_of(e.key) for e in env.entries}
        source.add(values, options.env_file, lines)
        for line, message in env.errors:
            out.findings.append(
                finding("config-syntax", options.env_file, line, message, fail_on, key=str(line))
            )
    out.secrets.extend(_secrets(source.values))
    _required(options, ctx, source, out, fail_on)
    _forbidden(options, ctx, source, out, fail_on)
    _formats(options, source, out, fail_on)
    _public(options, source, out)
    if options.differ:
        _differ(options.differ, ctx, options.expand, env_syntax(options, ctx.root), out, fail_on)
    if options.headers_from:
        from gates.checks.config.headers import header_findings

        header_findings(options, ctx, out, fail_on)
    checked = len(source.values)
    blocking = sum(1 for f in out.findings if f.blocks)
    if out.summary == "":
        out.summary = f"{checked} keys checked, {len(out.findings)} findings" + (
            f" ({blocking} blocking)" if blocking else ""
        )
    out.details.setdefault("keys", sorted(source.values))
    if options.env_file or options.differ:
        out.details["env_syntax"] = env_syntax(options, ctx.root)
    return out


def _secrets(values: dict[str, str | None]) -> list[str]:
    from gates.checks.config import secret_values

    found = []
    for key, value in values.items():
        if not value or len(value) < 8:
            continue
        if secret_values.SECRET_NAME.search(key) or secret_values.classify(value):
            found.append(value)
    return found


def _required(
    options: ConfigOptions, ctx: GateContext, source: _Source, out: GateOutcome, fail_on: Severity
) -> None:
    for key in _for_env(options.required, ctx.env_name):
        name = str(key)
        if source.values.get(name) in (None, ""):
            state = "empty" if name in source.values else "not set"
            path, line = source.where.get(name, (options.env_file or "<process env>", None))
            out.findings.append(
                finding(
                    "config-required-missing",
                    path,
                    line,
                    f"{name} is required{_env(ctx)} but {state}",
                    fail_on,
                    key=name,
                )
            )


def _env(ctx: GateContext) -> str:
    return f" in {ctx.env_name}" if ctx.env_name else ""


def _forbidden(
    options: ConfigOptions, ctx: GateContext, source: _Source, out: GateOutcome, fail_on: Severity
) -> None:
    for entry in _for_env(options.forbid, ctx.env_name):
        if isinstance(entry, tuple):
            key, banned = str(entry[0]), entry[1]
            banned_list = [_norm(b) for b in (banned if isinstance(banned, list) else [banned])]
        else:
            key, _, value = str(entry).partition("=")
            banned_list = [_norm(value)] if value else []
        if key not in source.values:
            continue
        actual = source.values[key]
        if banned_list and (actual is None or _norm(actual) not in banned_list):
            continue
        path, line = source.where[key]
        what = "has a forbidden value" if banned_list else "must not be set"
        out.findings.append(
            finding(
                "config-forbidden-value", path, line, f"{key} {what}{_env(ctx)}", fail_on, key=key
            )
        )


def _formats(options: ConfigOptions, source: _Source, out: GateOutcome, fail_on: Severity) -> None:
    from gates.checks.config import secret_values

    for key, fmt in options.formats.items():
        value = source.values.get(key)
        if value in (None, ""):
            continue
        assert value is not None
        why = _check_format(fmt, value)
        if why:
            path, line = source.where[key]
            out.findings.append(
                finding(
                    "config-format",
                    path,
                    line,
                    f"{key} {why} (expected {fmt.split(':')[0]}; {secret_values.hint(value)})",
                    fail_on,
                    key=key,
                )
            )


def _public(options: ConfigOptions, source: _Source, out: GateOutcome) -> None:
    from gates.checks.config import secret_values

    for key, value in source.values.items():
        if not value or not key.startswith(tuple(options.public_prefix)):
            continue
        hit = secret_values.classify_public(key, value)
        if hit is None:
            continue
        out.secrets.append(value)
        path, line = source.where[key]
        demo = hit.kind == "supabase-demo-key"
        out.findings.append(
            finding(
                "config-public-demo-key" if demo else "config-public-secret",
                path,
                line,
                f"{key} is public (prefix ships it to every browser) but holds a secret: "
                f"{hit.reason} [{secret_values.hint(value)}]",
                Severity.CRITICAL,
                key=key,
                data={"kind": hit.kind},
                always_blocks=not demo,
                never_blocks=demo,
            )
        )


def _differ(
    spec: DifferOptions,
    ctx: GateContext,
    expand: bool,
    syntax: str,
    out: GateOutcome,
    fail_on: Severity,
) -> None:
    loaded = {env: _load_env(ctx, path, expand, syntax)[0] for env, path in spec.files.items()}
    for values in loaded.values():
        out.secrets.extend(_secrets(values))
    for key in spec.keys:
        seen = {env: values.get(key) for env, values in loaded.items()}
        present = {env: v for env, v in seen.items() if v}
        if len(present) >= 2 and len(set(present.values())) < len(present):
            same = sorted(present)
            path = spec.files[same[-1]]
            out.findings.append(
                finding(
                    "config-not-different",
                    path,
                    None,
                    f"{key} is the same in {' and '.join(same)} "
                    f"({', '.join(spec.files[e] for e in same)}): a deploy would point at "
                    "the other environment's service",
                    fail_on,
                    key=key,
                )
            )


CHECK = Check(
    type="config",
    options=ConfigOptions,
    evaluate=evaluate,
    rules=RULES,
    summary="Per-environment settings, public-prefix secrets, configured headers",
    security=True,
)

__all__ = ["CHECK", "ConfigOptions", "evaluate"]

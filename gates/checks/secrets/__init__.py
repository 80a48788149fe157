"""``secrets``: credentials in the tracked tree and in the built client bundle.

Example::

    secrets:
      type: secrets
      paths: ["."]                          # tracked files under these folders (git ls-files)
      bundle: .svelte-kit/output/client     # every file here ships to browsers (one or a list)
      fail_on: medium                       # low | medium | high | critical (default medium)
      baseline: .secrets-baseline.json      # accepted findings, by fingerprint (optional)
      exclude: ["tests/fixtures/**"]        # globs, project-relative
      include_untracked: false              # also scan untracked, not-ignored files
      entropy_threshold: 3.5                # bits/char for generic secret assignments
      max_file_size: 5MiB                   # larger tracked source files are skipped and listed

Files come from ``git ls-files -z`` (so ``.gitignore`` is respected); outside a git repository
the tree is walked, skipping ``.git``/``node_modules``/virtualenvs and, best effort, the root
``.gitignore`` patterns. Symlinks leading out of the project are never read. Files are decoded as
their readers would (UTF-8/UTF-16 BOMs, BOM-less UTF-16, ``.gz``) and scanned in overlapping
windows (:mod:`gates.checks.secrets.reading`). Ordinary tracked binaries (a NUL byte in the
first 8 KiB) and files over ``max_file_size`` are skipped and listed; a **bundle file or a
tracked ``.env*`` file is always scanned** (any size; raw bytes if binary), and one that cannot
be (unreadable, a symlink out of the project, ``.br`` with no uncompressed copy, a broken
``.gz``) makes the gate ``error`` unless ``exclude`` names it. Keys split over adjacent string
literals (``"eyJ…" + "…"``) and base64-encoded (a Kubernetes ``Secret``'s ``data:``) are found.
Placeholders are not secrets (:mod:`gates.security.credentials`); in a template or test file
(``.env.example``, ``tests/…``) any value made only of words is a placeholder.

A Supabase ``service_role`` key (a JWT whose payload role is ``service_role``) or an
``sb_secret_…`` key in the bundle, assigned to a ``PUBLIC_*``/``VITE_*``-style variable, or in a
tracked ``.env*`` file is rule ``supabase-service-role-public``: critical and ALWAYS blocking (no
``fail_on``, inline allowlist or baseline entry makes it pass). An ``anon`` key is public by design
and not reported; Supabase's well-known local demo keys (``iss: supabase-demo``) are reported
``low`` and never block. Every finding shows a 4-character prefix and a sha256 digest, never
the value.

Inline allowlist: put ``gates:allow-secret`` on the line. Baseline file format::

    {"version": 1, "findings": [{"fingerprint": "3f0c…", "rule": "jwt", "path": "tests/x.py",
                                  "reason": "test token"}]}

Only ``fingerprint`` is required (rule/path/reason are for humans). Each run writes
``reports/artifacts/<gate>/secrets-baseline.json`` listing the current fingerprints to start one.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gates.checks.base import Check, GateContext, GateOutcome, Rule
from gates.checks.secrets.options import SecretsOptions
from gates.checks.secrets.patterns import PATTERNS, Hit, redact, secret_hash
from gates.errors import InputError, ToolError
from gates.fingerprint import fingerprint
from gates.io import globs
from gates.io.safe import read_json
from gates.model import Finding, Location, Severity

if TYPE_CHECKING:
    from gates.checks.secrets.scan import Scan

# The scanner (its readers, gzip) and git are imported by the gate's run, not by its import:
# loading a checklist (`gates validate`, the run's own process) needs the options and the rules.

_WALK_SKIP = {
    ".git",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".tox",
    ".nox",
}
PUBLIC_RULE = "supabase-service-role-public"


_RULE_WHY = (
    "A credential committed to the repository or shipped to browsers is readable by anyone "
    "with access."
)
_RULE_FIX = (
    "Revoke and rotate the credential now, remove it from the code (load it from the "
    "server-side environment), and purge it from git history; for a false positive add "
    "`gates:allow-secret` on the line or its fingerprint to the baseline."
)
RULES = (
    *(Rule(p.rule, p.severity, p.title, _RULE_WHY, _RULE_FIX) for p in PATTERNS),
    Rule("aws-secret-access-key", Severity.CRITICAL, "AWS secret access key", _RULE_WHY, _RULE_FIX),
    Rule(
        "high-entropy-assignment",
        Severity.MEDIUM,
        "High-entropy value assigned to a secret-looking name",
        "A random-looking string (Shannon entropy above the threshold) is assigned to a name like "
        "*secret*, *token*, *password* or *api_key*.",
        _RULE_FIX,
    ),
    Rule(
        "jwt",
        Severity.LOW,
        "JSON Web Token",
        "A signed token is committed; it may grant access until it expires.",
        _RULE_FIX,
    ),
    Rule(
        "supabase-service-role",
        Severity.CRITICAL,
        "Supabase service_role key",
        "The service_role key bypasses Row Level Security: whoever holds it can read and write "
        "every table.",
        _RULE_FIX,
        "https://supabase.com/docs/guides/api/api-keys",
    ),
    Rule(
        PUBLIC_RULE,
        Severity.CRITICAL,
        "Supabase service_role / secret key exposed publicly",
        "A service_role JWT or sb_secret_ key is in the client bundle, a PUBLIC_* variable or a "
        "tracked .env file: it reaches every browser (SvelteKit/Vite guard env vars by NAME, "
        "not by "
        "value). Always blocking; no allowlist or baseline can accept it.",
        "Rotate the key in the Supabase dashboard, use the anon/publishable key in client code and "
        "keep the service key in a private, server-only variable.",
        "https://supabase.com/docs/guides/api/api-keys",
        always_blocks=True,
    ),
)


def _gitignore_patterns(root: Path) -> list[str]:
    try:
        lines = (root / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    return [
        ln.strip().rstrip("/").lstrip("/")
        for ln in lines
        if ln.strip() and not ln.startswith(("#", "!"))
    ]


def _ignored(rel: str, patterns: list[str]) -> bool:
    return globs.any_match(patterns, rel)


def _walk(top: Path, root: Path, patterns: list[str] | None, skip: set[Path]) -> list[str]:
    out = []
    for dirpath, dirs, files in os.walk(top, followlinks=False):
        here = Path(dirpath)
        rel_dir = here.relative_to(root).as_posix()
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in _WALK_SKIP
            and (here / d).resolve() not in skip
            and not (patterns and _ignored(f"{rel_dir}/{d}".lstrip("./"), patterns))
        )
        for name in sorted(files):
            rel = (here / name).relative_to(root).as_posix()
            if patterns and _ignored(rel, patterns):
                continue
            out.append(rel)
    return out


def _tracked(options: SecretsOptions, ctx: GateContext) -> tuple[list[str], str]:
    # Without git's list (no repository, no git, a git that hangs past the gate's timeout) the
    # tree is walked: that scans at least as much. Once git has answered, a failing second
    # question is an error, never a silently shorter list.
    from gates.io import git

    try:
        names = git.tracked_files(ctx.run)
    except ToolError:
        return _walk(
            ctx.root, ctx.root, _gitignore_patterns(ctx.root), {ctx.out_dir.resolve()}
        ), "walk"
    if options.include_untracked:
        names += git.untracked_files(ctx.run)
    return names, "git ls-files"


def _load_baseline(options: SecretsOptions, ctx: GateContext) -> set[str]:
    if not options.baseline:
        return set()
    path = ctx.path(options.baseline)
    data = read_json(path)
    ctx.record(path)
    items = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and isinstance(i.get("fingerprint"), str) for i in items
    ):
        raise InputError(
            f'{options.baseline}: expected {{"version": 1, "findings": [{{"fingerprint": …}}]}}'
        )
    return {i["fingerprint"] for i in items}


def _finding(
    rel: str, context: str, line: int, hit: Hit, fail_on: Severity, accepted: set[str]
) -> Finding | None:
    demo = hit.supabase_service and hit.severity is Severity.LOW  # the public local demo key
    public = hit.supabase_service and context != "source" and not demo
    rule = PUBLIC_RULE if public else hit.rule
    severity = Severity.CRITICAL if public else hit.severity
    fp = fingerprint(rule, rel, secret_hash(hit.value))
    if hit.allowlisted and not public:
        return None
    baselined = fp in accepted and not public
    where = {
        "bundle": "in the client bundle",
        "env-file": "in a tracked .env file",
        "public-variable": "in a public (PUBLIC_/VITE_…) variable",
    }.get(context, "")
    note = f" ({hit.note})" if hit.note else ""
    return Finding(
        rule=rule,
        severity=severity,
        message=f"{hit.title}{' ' + where if where else ''}: {redact(hit.value)}{note}",
        location=Location(rel, line),
        fingerprint=fp,
        blocks=public or (severity.at_least(fail_on) and not baselined and not demo),
        title=hit.title,
        help_uri="https://supabase.com/docs/guides/api/api-keys" if hit.supabase_service else "",
        always_blocks=public,
        data={
            "redacted": redact(hit.value),
            "context": context,
            "baselined": baselined,
            "allowlist_ignored": bool(public and (hit.allowlisted or fp in accepted)),
        },
    )


def _collect(options: SecretsOptions, ctx: GateContext) -> tuple[Scan, str, int]:
    from gates.checks.secrets.scan import Scan, scan_file

    root = ctx.root.resolve()
    scan = Scan()
    names, how = _tracked(options, ctx)
    prefixes = [p.strip("/").removeprefix("./") for p in options.paths]
    selected = dict.fromkeys(prefixes, 0)
    for rel in names:
        if globs.any_match(options.exclude, rel):
            continue
        chosen = [p for p in prefixes if p in ("", ".") or rel == p or rel.startswith(p + "/")]
        if not chosen:
            continue
        for p in chosen:
            selected[p] += 1
        scan_file(rel, root, False, options, scan)
    scan.empty_paths = [p for p, count in selected.items() if count == 0]
    bundle_files = 0
    for folder in options.bundle:
        top = ctx.path(folder)
        if not top.is_dir():
            raise InputError(f"bundle folder {folder} not found: build the app first")
        files = _walk(top, root, None, set())
        if not files:
            raise InputError(f"bundle folder {folder} is empty: build the app first")
        bundle_files += len(files)
        for rel in files:
            if globs.any_match(options.exclude, rel):
                scan.excluded_bundle += 1
                continue
            scan_file(rel, root, True, options, scan)
    return scan, how, bundle_files


def evaluate(options: SecretsOptions, ctx: GateContext) -> GateOutcome:
    """Scan tracked files and the bundle; redact every value; fail closed on nothing scanned."""
    started = time.monotonic()
    accepted = _load_baseline(options, ctx)
    scan, how, bundle_files = _collect(options, ctx)
    fail_on = Severity(options.fail_on)
    findings: list[Finding] = []
    allowlisted = 0
    for rel, context, line, hit in scan.hits:
        item = _finding(rel, context, line, hit, fail_on, accepted)
        if item is None:
            allowlisted += 1
        else:
            findings.append(item)
    secrets = sorted({hit.value for _r, _c, _l, hit in scan.hits})
    candidate = {
        "version": 1,
        "findings": [
            {
                "fingerprint": f.fingerprint,
                "rule": f.rule,
                "path": f.location.path if f.location else "",
                "reason": "",
            }
            for f in findings
            if not f.always_blocks
        ],
    }
    (ctx.artifacts_dir / "secrets-baseline.json").write_text(json.dumps(candidate, indent=2) + "\n")
    details: dict[str, Any] = {
        "source": how,
        "files_scanned": scan.files,
        "bytes_scanned": scan.bytes,
        "bundle_files": bundle_files,
        "skipped_binary": scan.skipped_binary,
        "skipped_large": scan.skipped_large[:100],
        "skipped_outside_project": scan.skipped_outside[:100],
        "not_scanned": scan.unscanned[:100],
        "decoded_utf16": scan.decoded_utf16[:100],
        "precompressed_copies": scan.precompressed,
        "bundle_files_excluded": scan.excluded_bundle,
        "allowlisted": allowlisted,
        "baselined": sum(f.data["baselined"] for f in findings),
        "anon_keys_seen": scan.anon_keys,
        "fail_on": fail_on.value,
        "scan_s": round(time.monotonic() - started, 3),
    }
    if scan.empty_paths:
        return GateOutcome.failed_closed(
            f"paths {', '.join(scan.empty_paths)}: no "
            f"{'file' if how == 'walk' else 'tracked file'} selected (a typo, an excluded or "
            "untracked folder?): nothing there was scanned",
            details=details,
            secrets=secrets,
        )
    if scan.unscanned:
        shown = ", ".join(scan.unscanned[:5]) + (" …" if len(scan.unscanned) > 5 else "")
        return GateOutcome.failed_closed(
            f"{len(scan.unscanned)} shipped bundle or tracked env file(s) could not be scanned: "
            f"{shown}; a file not scanned is not clean (list it in exclude: to skip it on purpose)",
            findings=findings,
            details=details,
            secrets=secrets,
        )
    if scan.files == 0:
        return GateOutcome.failed_closed(
            "no files were scanned (empty selection?)", details=details, secrets=secrets
        )
    always = sum(f.always_blocks for f in findings)
    blocking = sum(f.blocks for f in findings)
    summary = (
        f"{len(findings)} secrets found, {blocking} blocking"
        + (f" ({always} Supabase service key(s) exposed publicly)" if always else "")
        if findings
        else f"no secrets in {scan.files} files ({scan.bytes} bytes)"
    )
    return GateOutcome(summary=summary, findings=findings, details=details, secrets=secrets)


__all__ = ["CHECK", "SecretsOptions", "evaluate"]

CHECK = Check(
    type="secrets",
    options=SecretsOptions,
    evaluate=evaluate,
    rules=RULES,
    summary="Credentials in tracked files and the client bundle; public service keys always block",
    security=True,
)

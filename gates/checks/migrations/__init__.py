"""``migrations``: Supabase/PostgreSQL migrations checked for order, immutability, rollbacks and
zero-downtime danger from the real parse tree, then dry-run on a real PostgreSQL.

Example::

    migrations:
      type: migrations
      dir: supabase/migrations          # <14-digit UTC timestamp>_<name>.sql (Supabase CLI)
      down: supabase/rollbacks          # <same file name>.sql undoes each migration
      lock: supabase/migrations.lock    # applied migrations (`gates migrations lock`)
      lock_base: origin/main            # its entries must survive unchanged (default: --base-ref)
      lint:
        disable: [prefer-text-field]    # rules not reported at all
        warn: [rls-enabled-no-policy]   # reported, never blocking
        exposed_schemas: [public]       # schemas the Supabase API exposes (RLS rules)
      fail_on: medium                   # findings at/above this severity block
      dry_run: {database: ephemeral, preset: supabase}   # or {dsn: "${SHADOW_DATABASE_URL}"}

Per statement, ``-- gates:ignore <rule-id>[, <rule-id>] <reason>`` on the line(s) right before it
silences a lint rule; ``-- gates:ignore-file <rule-id>`` does so for the whole file. Rules and
their fixes: ``gates explain <rule-id>`` and docs/gates/migrations.md.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gates.checks.base import Check, GateContext, GateOutcome, Subcommand
from gates.checks.migrations.lint_rules import RULES
from gates.checks.migrations.options import MigrationsOptions
from gates.errors import InputError, ToolError
from gates.io.safe import resolve_inside
from gates.model import Evidence, Severity

if TYPE_CHECKING:
    from gates.checks.migrations.inventory import Inventory
    from gates.checks.migrations.lockfile import LockEntry
    from gates.checks.migrations.problem import Problem
# inventory, lint, lock file and report are imported where they run (pglast only inside
# sqlsource.parse): `gates validate` and other gate types never pay for them


def evaluate(options: MigrationsOptions, ctx: GateContext) -> GateOutcome:
    """Inventory, lock, rollbacks, lint, then the dry run; see the module docstring."""
    from gates.checks.migrations import sqlsource
    from gates.checks.migrations.inventory import check_rollbacks, scan
    from gates.checks.migrations.lint import LintInput, lint

    deadline = time.monotonic() + ctx.timeout
    inventory = scan(ctx.root, options.dir)
    if not inventory.migrations:
        return GateOutcome.failed_closed(f"no applicable migration files in {options.dir}")
    for migration in inventory.migrations:
        # the digest of the very bytes judged, without reading and hashing each file again
        ctx.evidence.append(Evidence(migration.rel, migration.sha256, migration.size))
    problems = list(inventory.problems)
    locked = _check_lock(options, ctx, inventory, problems)
    rollbacks: dict[str, Path] | None = None
    if options.down:
        rollbacks, missing = check_rollbacks(ctx.root, inventory, options.down)
        problems += missing
        for path in rollbacks.values():
            ctx.record(path)
    texts = [m.text for m in inventory.migrations]
    parsed = dict(
        zip((m.name for m in inventory.migrations), sqlsource.parse_all(texts), strict=True)
    )
    linted = lint(
        [LintInput(m.name, m.rel, parsed[m.name]) for m in inventory.migrations],
        exposed_schemas=options.lint.exposed_schemas,
        transaction_per_file=options.lint.transaction_per_file,
    )
    problems += linted.problems
    details: dict[str, Any] = {"ignored_by_comment": linted.ignored}
    error = None
    tool_versions: dict[str, str] = {}
    if options.dry_run is not None:
        from gates.checks.migrations.gate_dry_run import dry_run

        try:
            ran = dry_run(
                options.dry_run,
                ctx,
                inventory,
                parsed,
                rollbacks,
                locked,
                deadline,
                details,
                lint=linted.problems,
            )
        except ToolError as exc:
            error = f"dry run could not run: {exc}"
        else:
            if ran.server_version:  # what the server itself says (SHOW server_version)
                tool_versions["postgres"] = ran.server_version
            if ran.unavailable:
                error = f"dry run could not run: {ran.unavailable}"
            else:
                problems += ran.problems
    outcome = _outcome(options, inventory, problems, locked, rollbacks, details, error)
    outcome.tool_versions = tool_versions
    return outcome


def _check_lock(
    options: MigrationsOptions, ctx: GateContext, inventory: Inventory, problems: list[Problem]
) -> set[str] | None:
    if not options.lock:
        return None
    from gates.checks.migrations import lockfile

    path = ctx.path(options.lock)
    entries = lockfile.load(path, options.lock)
    ctx.record(path)
    problems += lockfile.check(inventory, entries, options.lock)
    base_ref = options.lock_base or ctx.base_ref
    if base_ref:
        problems += _lock_against_base(options.lock, base_ref, entries, ctx)
    return {entry.name for entry in entries}


def _lock_against_base(
    lock_rel: str, base_ref: str, entries: list[LockEntry], ctx: GateContext
) -> list[Problem]:
    """A change may add lock entries, never remove or re-hash those of its base branch."""
    from gates.checks.migrations import lockfile
    from gates.io import git

    try:
        commit = git.commit_of(ctx.run, base_ref)
    except ToolError as exc:
        raise ToolError(f"lock base {base_ref!r}: {exc}") from None
    shown = git.file_at(ctx.run, commit, lock_rel)
    if shown is None:
        return []  # the lock is new in this change: nothing of the base to keep
    base = lockfile.parse(shown, f"{lock_rel}@{base_ref}")
    return lockfile.check_against_base(base, entries, lock_rel, base_ref)


def _outcome(
    options: MigrationsOptions,
    inventory: Inventory,
    problems: list[Problem],
    locked: set[str] | None,
    rollbacks: dict[str, Path] | None,
    details: dict[str, Any],
    error: str | None,
) -> GateOutcome:
    from gates.checks.migrations.report import migration_table, to_finding

    disabled = set(options.lint.disable)
    kept = [p for p in problems if p.rule not in disabled]
    fail_on = Severity(options.fail_on)
    findings = [to_finding(p, fail_on=fail_on, warn=options.lint.warn) for p in kept]
    names = [m.name for m in inventory.migrations]
    details["migrations"] = migration_table(
        names,
        locked,
        set(rollbacks) if rollbacks is not None else None,
        kept,
        details.pop("dry_run_rows", {}),
    )
    new = len(names) if locked is None else len([n for n in names if n not in locked])
    blocking = sum(1 for f in findings if f.blocks)
    summary = (
        f"{len(names)} migrations ({new} new): {blocking} blocking, "
        f"{len(findings) - blocking} other findings"
    )
    if "dry_run" in details:
        summary += f"; dry run {details['dry_run']['outcome']}"
    secrets = [options.dry_run.dsn] if options.dry_run and options.dry_run.dsn else []
    series = details.pop("dry_run_series", [])
    if error:
        outcome = GateOutcome.failed_closed(
            error, findings=findings, details=details, secrets=secrets
        )
    else:
        outcome = GateOutcome(summary=summary, findings=findings, details=details, secrets=secrets)
    outcome.series = list(series)
    return outcome


def write_lock(options: MigrationsOptions, root: Path) -> Path:
    """``gates migrations lock``: record every current migration as applied; returns the path."""
    if not options.lock:
        raise InputError("this migrations gate has no `lock:` path to write")
    from gates.checks.migrations import lockfile
    from gates.checks.migrations.inventory import scan

    inventory = scan(root, options.dir)
    bad = [
        p.message
        for p in inventory.problems
        if p.rule in ("migration-name-invalid", "migration-duplicate-version")
    ]
    if bad:
        raise InputError("fix the migration names before locking: " + "; ".join(bad))
    path = resolve_inside(root, options.lock)
    lockfile.write(path, inventory.migrations)
    return path


def _lock_command(options: MigrationsOptions, root: Path) -> str:
    return f"wrote {write_lock(options, root)}"


CHECK = Check(
    type="migrations",
    options=MigrationsOptions,
    evaluate=evaluate,
    rules=RULES,
    summary="Migration order, immutability, rollbacks, lint and a dry run on PostgreSQL",
    commands=(
        Subcommand(
            "lock",
            "write the lock file of applied migrations",
            _lock_command,
            "Write the lock file that records the applied migrations and their digests.",
        ),
    ),
)

"""Apply migrations on a real PostgreSQL: up, snapshot, down (new ones, in reverse), up again.

Each migration file runs like the Supabase CLI runs it: all its statements in one transaction.
Files that manage their own transactions (BEGIN/COMMIT) or contain CONCURRENTLY run statement by
statement in autocommit. Before each *new* migration (not in the lock) the schema is
snapshotted; after all are applied, each new migration's rollback runs in reverse order and the
schema must equal the snapshot taken before that migration. Then the rolled-back migrations are
applied again and the schema must equal the one after the first pass.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from gates.checks.migrations import schema_snapshot
from gates.checks.migrations.dry_types import DryRunResult, Script
from gates.checks.migrations.live import (
    LiveOptions,
    fill_tables,
    history_in_dump,
    judge_probe,
    start_probe,
)
from gates.checks.migrations.preset import SUPABASE, search_path_sql
from gates.checks.migrations.problem import Problem
from gates.errors import ToolError, ToolTimeout


class _Runner:
    def __init__(self, conninfo: str, deadline: float) -> None:
        self.conninfo = conninfo
        self.deadline = deadline

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise ToolTimeout("the migrations dry run ran past the gate's timeout")
        return left

    def connect(self) -> Any:
        import psycopg

        try:
            conn = psycopg.connect(
                self.conninfo,
                autocommit=True,
                connect_timeout=max(2, int(min(self.remaining(), 30))),
            )
        except psycopg.OperationalError as exc:
            raise ToolError(f"cannot connect to the dry-run database: {exc}") from exc
        self.reset(conn)
        return conn

    def reset(self, conn: Any) -> None:
        conn.execute("RESET ALL")
        conn.execute(f"SET statement_timeout = {int(self.remaining() * 1000) + 1}")

    def apply(
        self, conn: Any, script: Script, on_statement: Callable[[int, Any], None] | None = None
    ) -> tuple[str, int | None] | None:
        """Run one file; ``(message, line)`` of the first error, or None. ``on_statement``
        hears the line of each statement as it is sent (the probe's timeline), and line 0 right
        before COMMIT, when the file still holds every lock it took."""
        import psycopg

        sql = script.sql
        units = [(s.text, s.line) for s in sql.statements]
        if sql.syntax_error is not None or not units:
            units, mode = [(sql.text, 1)], "whole"
        elif any(_autocommit_node(s.node) for s in sql.statements):
            mode = "autocommit"
        else:
            mode = "transaction"
        failure: tuple[str, int | None] | None = None
        try:
            if mode == "transaction":
                conn.execute("BEGIN")
            for text, line in units:
                self.remaining()
                if on_statement is not None:
                    on_statement(line, conn)
                try:
                    conn.execute(text)
                except psycopg.Error as exc:
                    failure = _error(exc, text, line)
                    break
            else:
                if mode == "transaction":
                    if on_statement is not None:
                        on_statement(0, conn)  # every lock of the file is still held here
                    conn.execute("COMMIT")
                elif conn.info.transaction_status != 0:
                    # the failure is this file's, not the next one's that would run inside it
                    failure = ("the file leaves a transaction open (BEGIN without COMMIT)", None)
        finally:
            if not conn.closed and conn.info.transaction_status != 0:  # not IDLE
                with suppress(psycopg.Error):
                    conn.execute("ROLLBACK")
            if not conn.closed:
                self.reset(conn)
        return failure

    def missing_extensions(self, conn: Any, script: Script) -> list[str]:
        """Extensions the file creates that this server cannot provide."""
        from pglast import ast

        wanted: list[str] = [
            str(s.node.extname)
            for s in script.sql.statements
            if isinstance(s.node, ast.CreateExtensionStmt)
        ]
        if not wanted:
            return []
        rows = conn.execute(
            "SELECT name FROM pg_available_extensions WHERE name = ANY(%s)", (wanted,)
        ).fetchall()
        have = {r[0] for r in rows}
        return [name for name in wanted if name not in have]


def _autocommit_node(node: Any) -> bool:
    from pglast import ast

    if isinstance(node, ast.TransactionStmt):
        return True
    if isinstance(node, ast.ReindexStmt):
        return any(p.defname == "concurrently" for p in node.params or ())
    return bool(getattr(node, "concurrent", False))


def _error(exc: Any, text: str, line: int) -> tuple[str, int | None]:
    diag = exc.diag
    message = diag.message_primary or str(exc).splitlines()[0]
    if diag.sqlstate:
        message += f" (SQLSTATE {diag.sqlstate})"
    position = diag.statement_position
    if position and position.isdigit():
        line += text[: int(position) - 1].count("\n")
    return message, line


def run(
    conninfo: str,
    migrations: Sequence[Script],
    rollbacks: Mapping[str, Script],
    new: set[str],
    *,
    preset: str | None,
    deadline: float,
    live: LiveOptions | None = None,
) -> DryRunResult:
    """The dry run (see the module docstring) against the database at ``conninfo``."""
    runner = _Runner(conninfo, deadline)
    result = DryRunResult(rows={m.name: {"dry_run": "not run"} for m in migrations})
    live = live or LiveOptions()
    with runner.connect() as conn:
        result.server = str(conn.execute("SHOW server_version").fetchone()[0])
        if preset == "supabase":
            conn.execute(SUPABASE)
            conn.execute(search_path_sql(conn.info.dbname))
    if live.restore is not None:
        live.restore(conninfo)
        with runner.connect() as conn:
            in_dump = history_in_dump(conn)
        skip = in_dump if in_dump is not None else set(live.applied)
        result.live["restore"] = {
            "applied_in_dump": sorted(skip),
            "from": "supabase_migrations.schema_migrations" if in_dump is not None else "lock",
        }
        for migration in migrations:
            if migration.name in skip or migration.name.split("_", 1)[0] in skip:
                result.rows[migration.name]["dry_run"] = "in the restored dump"
        migrations = [m for m in migrations if result.rows[m.name]["dry_run"] == "not run"]
    with runner.connect() as conn:
        before: dict[str, schema_snapshot.Snapshot] = {}
        filled = False
        for position, migration in enumerate(migrations, 1):
            missing = runner.missing_extensions(conn, migration)
            if missing:
                names = ", ".join(missing)
                result.rows[migration.name]["dry_run"] = f"not judged: extension {names} missing"
                result.unavailable = (
                    f"{migration.rel} creates extension {names}, which the dry-run PostgreSQL "
                    f"({result.server}) does not have; it and the {len(migrations) - position} "
                    "migration(s) after it were not applied (install the extension's package, "
                    "e.g. postgresql-15-<name>, or use `dsn:` with a server that has it)"
                )
                return result
            if migration.name in new:
                if live.data is not None and not filled:
                    filled = True
                    fill_tables(conn, live, result, runner.remaining())
                before[migration.name] = schema_snapshot.take(conn)
            probe = None
            if live.probe is not None and migration.name in new:
                probe = start_probe(runner.connect, conn, migration, live)
            try:
                ok = _step(
                    runner,
                    conn,
                    migration,
                    result,
                    "apply",
                    "dry-run-apply-failed",
                    migration.rel,
                    on_statement=probe.mark if probe else None,
                )
            except BaseException:
                if probe is not None:
                    probe.stop()  # no probe thread or connection outlives a timeout or signal
                raise
            if probe is not None:
                judge_probe(probe.stop(), migration, live, result)
            if not ok:
                _first_failure(result, migrations, position)
                return result
        if not rollbacks or not new:
            return result
        final = schema_snapshot.take(conn)
        undone = _roll_back(runner, conn, migrations, rollbacks, new, before, result)
        if undone is None:
            return result
        for migration in reversed(undone):
            if not _step(
                runner, conn, migration, result, "reapply", "dry-run-reapply-failed", migration.rel
            ):
                return result
        changes = schema_snapshot.diff(final, schema_snapshot.take(conn))
        if changes and undone:
            name = undone[-1].name
            result.diffs[f"{name} (re-applied)"] = changes
            result.problems.append(
                Problem(
                    "dry-run-reapply-failed",
                    "after down and up again the schema differs from the "
                    f"first apply: {changes[0]}",
                    undone[-1].rel,
                    None,
                    "",
                    name,
                    {"schema_diff": changes},
                )
            )
    return result


def _first_failure(result: DryRunResult, migrations: Sequence[Script], position: int) -> None:
    """The failure is the first in apply order; the migrations after it never ran."""
    failed = result.problems[-1]
    result.problems[-1] = Problem(
        failed.rule,
        f"{failed.message} (the first failure in apply order: file {position} of "
        f"{len(migrations)}; the {len(migrations) - position} after it were not applied)",
        failed.path,
        failed.line,
        failed.snippet,
        failed.migration,
        {**failed.data, "apply_order": position},
    )
    for later in migrations[position:]:
        result.rows[later.name]["dry_run"] = "not run (an earlier migration failed)"


def _step(
    runner: _Runner,
    conn: Any,
    script: Script,
    result: DryRunResult,
    phase: str,
    rule: str,
    rel: str,
    migration: str = "",
    on_statement: Callable[[int, Any], None] | None = None,
) -> bool:
    migration = migration or script.name
    started = time.monotonic()
    error = runner.apply(conn, script, on_statement)
    row = result.rows.setdefault(migration, {})
    row[f"{phase}_s"] = round(time.monotonic() - started, 4)
    if error is None:
        row["dry_run"] = {"apply": "applied", "rollback": "rolled back", "reapply": "re-applied"}[
            phase
        ]
        return True
    message, line = error
    row["dry_run"] = f"{phase} failed"
    result.problems.append(
        Problem(rule, f"{phase} of {script.name} failed: {message}", rel, line, message, migration)
    )
    return False


def _roll_back(
    runner: _Runner,
    conn: Any,
    migrations: Sequence[Script],
    rollbacks: Mapping[str, Script],
    new: set[str],
    before: Mapping[str, schema_snapshot.Snapshot],
    result: DryRunResult,
) -> list[Script] | None:
    """Roll back new migrations newest first; the ones undone, or None after a problem."""
    undone: list[Script] = []
    for migration in reversed(migrations):
        if migration.name not in new:
            break
        rollback = rollbacks.get(migration.name)
        if rollback is None:
            break  # rollback-missing is reported by the inventory
        if not _step(
            runner,
            conn,
            rollback,
            result,
            "rollback",
            "dry-run-rollback-failed",
            rollback.rel,
            migration.name,
        ):
            return None
        changes = schema_snapshot.diff(before[migration.name], schema_snapshot.take(conn))
        if changes:
            result.rows[migration.name]["dry_run"] = "rollback differs"
            result.diffs[migration.name] = changes
            result.problems.append(
                Problem(
                    "dry-run-rollback-mismatch",
                    f"rollback of {migration.name} does not restore the schema ({len(changes)} "
                    f"difference(s)): {changes[0]}",
                    rollback.rel,
                    None,
                    "",
                    migration.name,
                    {"schema_diff": changes},
                )
            )
            return None
        undone.append(migration)
    return undone


@contextmanager
def scratch_database(dsn: str, deadline: float) -> Iterator[str]:
    """A database created on the server at ``dsn`` for the dry run, dropped afterwards."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    name = f"gates_dry_run_{secrets.token_hex(6)}"
    admin = _Runner(dsn, deadline)
    with admin.connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_conninfo(dsn, dbname=name)
    finally:
        cleanup = _Runner(dsn, time.monotonic() + 30)
        with suppress(psycopg.Error, ToolError), cleanup.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

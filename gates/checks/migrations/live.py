"""The dry run made to look like production (issue 19): which migrations a restored dump already
holds, generated rows, and live probes during each new migration, judged against
``probe.max_blocked`` next to the lint rule that predicted the block."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gates.checks.migrations.problem import Problem

if TYPE_CHECKING:
    from gates.checks.migrations.dry_types import DryRunResult, Script


@dataclass
class LiveOptions:
    """What makes the dry run look like production (issue 19): restored or generated data and
    live traffic during each new migration."""

    restore: Callable[[str], None] | None = None
    """Restores the dump into the database at the given conninfo (raises ToolError)."""
    applied: frozenset[str] = frozenset()
    """Migrations assumed in the dump when it has no supabase_migrations history (the lock)."""
    data: Any = None
    """:class:`~gates.checks.migrations.options.DataOptions` or None."""
    probe: Any = None
    """:class:`~gates.checks.migrations.options.ProbeOptions` or None."""
    lint: Sequence[Problem] = ()
    """The lint's problems: which rule predicted a measured block."""


def history_in_dump(conn: Any) -> set[str] | None:
    """Versions the Supabase CLI recorded as applied in the restored database, or None."""
    if conn.execute("SELECT to_regclass('supabase_migrations.schema_migrations')").fetchone()[0]:
        rows = conn.execute("SELECT version FROM supabase_migrations.schema_migrations").fetchall()
        return {str(r[0]) for r in rows}
    return None


def fill_tables(conn: Any, live: LiveOptions, result: DryRunResult, remaining_s: float) -> None:
    from gates.checks.migrations.datagen import fill

    budget = min(live.data.budget, max(1.0, remaining_s * 0.5))
    report = fill(conn, live.data.rows, seed=live.data.seed, budget_s=budget)
    result.live["data"] = {
        "rows_asked": live.data.rows,
        "seed": live.data.seed,
        "duration_s": report.duration_s,
        "rows": report.rows,
        "problems": report.problems,
    }


def start_probe(connect: Callable[[], Any], conn: Any, migration: Script, live: LiveOptions) -> Any:
    from gates.checks.migrations.probe import Probe

    tables = touched_tables(conn, migration)
    probe = Probe(
        connect,
        tables,
        conn.info.backend_pid,
        interval=live.probe.interval,
        max_blocked=live.probe.max_blocked,
    )
    probe.start()
    return probe


def touched_tables(conn: Any, script: Script) -> list[str]:
    """Existing tables (and views) the file names: relations, referenced tables, the tables of
    indexes it drops."""
    from pglast import ast
    from pglast.enums.parsenodes import ObjectType as OT

    names: list[str] = []
    indexes: list[str] = []
    for stmt in script.sql.statements:
        for node in _walk(stmt.node):
            if isinstance(node, ast.RangeVar):
                names.append(f"{node.schemaname or 'public'}.{node.relname}")
        if isinstance(stmt.node, ast.DropStmt):
            for obj in stmt.node.objects or ():
                parts = [n.sval for n in obj] if isinstance(obj, tuple) else []
                key = ".".join(parts) if len(parts) > 1 else f"public.{parts[0]}" if parts else ""
                (indexes if stmt.node.removeType == OT.OBJECT_INDEX else names).append(key)
    rows = conn.execute(
        """
        SELECT DISTINCT format('%%I.%%I', n.nspname, c.relname)
        FROM unnest(%s::text[]) AS x(name)
        JOIN pg_class c ON c.oid = to_regclass(x.name)
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm')
        UNION
        SELECT format('%%I.%%I', n.nspname, c.relname)
        FROM unnest(%s::text[]) AS x(name)
        JOIN pg_index i ON i.indexrelid = to_regclass(x.name)
        JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        """,
        (sorted(set(names)), sorted(set(indexes))),
    ).fetchall()
    return sorted(r[0] for r in rows)


def _walk(node: Any) -> Iterator[Any]:
    from pglast import ast

    if isinstance(node, ast.Node):
        yield node
        for name in node:
            yield from _walk(getattr(node, name, None))
    elif isinstance(node, tuple | list):
        for item in node:
            yield from _walk(item)


def judge_probe(probed: Any, migration: Script, live: LiveOptions, result: DryRunResult) -> None:
    from gates.checks.migrations.probe import mode_name

    limit = live.probe.max_blocked
    row = result.rows[migration.name]
    row["locks"] = [
        f"{mode_name(s.mode)} on {s.table}{'' if s.granted else ' (waited)'} "
        f"{s.from_s:.3f}-{s.to_s:.3f}s" + (f" (line {s.line})" if s.line else "")
        for s in probed.locks
    ]
    summary: dict[str, Any] = {}
    for table in probed.tables:
        worst = probed.longest(table)
        if worst is None:
            continue
        mine = [w for w in probed.waits if w.table == table]
        summary[table] = {
            "probes": len(mine),
            "max_wait_ms": round(worst.waited_s * 1000, 1),
            "timed_out": sum(1 for w in mine if w.timed_out),
        }
        if worst.waited_s <= limit:
            continue
        span = probed.strongest(table, worst.at_s, worst.at_s + worst.waited_s)
        line = span.line if span else None
        mode = mode_name(span.mode) if span else "a lock"
        predicted = sorted(
            {
                p.rule
                for p in live.lint
                if p.migration == migration.name
                and (p.line == line or p.data.get("table") == table)
                and not p.rule.startswith("dry-run-")
            }
        )
        said = (
            "predicted by lint rule " + ", ".join(predicted)
            if predicted
            else "no lint rule predicted it"
        )
        waited = ("at least " if worst.timed_out else "") + f"{worst.waited_s * 1000:.0f} ms"
        snippet = next((st.text for st in migration.sql.statements if st.line == line), "")
        result.problems.append(
            Problem(
                "dry-run-blocked-traffic",
                f"{mode} on {table} (line {line or '?'}) blocked {worst.kind} probes for "
                f"{waited} (max_blocked {limit * 1000:.0f} ms); {said}",
                migration.rel,
                line,
                snippet,
                migration.name,
                {
                    "table": table,
                    "lock_mode": mode,
                    "blocked_ms": round(worst.waited_s * 1000, 1),
                    "probe": worst.kind,
                    "predicted_by": predicted,
                },
            )
        )
    row["probe_ms"] = round(probed.duration_s * 1000, 1)
    result.live.setdefault("migrations", {})[migration.name] = {
        "duration_s": probed.duration_s,
        "locks": [
            {
                "table": s.table,
                "mode": mode_name(s.mode),
                "granted": s.granted,
                "from_s": round(s.from_s, 4),
                "to_s": round(s.to_s, 4),
                "line": s.line,
            }
            for s in probed.locks
        ],
        "probes": summary,
        "probes_stopped": probed.stopped,
    }
    result.series += probed.series(migration.name)

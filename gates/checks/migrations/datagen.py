"""``data: {rows: N}``: fill the tables that exist before the new migrations with generated rows.

Rows are generated inside PostgreSQL (``INSERT … SELECT … FROM generate_series``), so 200 k rows
take seconds. Values follow each column's type and are a deterministic function of the row
number and the seed; every generated value of a column is distinct (it embeds the row number), so
primary keys and unique constraints hold. Columns with a default, identity or generation
expression get it. Foreign keys are filled from the referenced table's rows (numbered once and
joined by number, so the fill stays linear), tables in
dependency order; a nullable self-reference is NULL. When a table's rows still violate one of
its checks, the fill is retried with its nullable columns NULL, then the table is reported with
PostgreSQL's message and 0 rows. The fill stops adding tables when its time budget is spent.
As superuser the fill runs with ``session_replication_role = replica`` (the foreign keys hold by
construction, so their per-row triggers and the application's triggers are skipped, as in a
data restore); checks, NOT NULL and unique indexes are enforced as always.
"""

# ruff: noqa: S608  (identifiers are quoted with quote_ident by the server, values are generated)
from __future__ import annotations

import time
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

SKIPPED_SCHEMAS = (
    "pg_catalog",
    "information_schema",
    "pg_toast",
    "extensions",
    "graphql",
    "graphql_public",
    "vault",
    "realtime",
    "supabase_migrations",
    "pgsodium",
)
"""Schemas of the platform and extensions: not the application's data."""

_PLATFORM_TABLES: dict[str, set[str]] = {"auth": {"users"}, "storage": set()}
"""In the platform's schemas only the tables the application's rows refer to are filled."""

BATCH = 50_000


@dataclass
class FillReport:
    """How many rows each table got, and why a table got fewer than asked."""

    rows: dict[str, int] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    duration_s: float = 0.0


@dataclass
class _Column:
    name: str
    type_sql: str
    base: str
    """``typname`` of the base type (for domains: the domain's base)."""
    category: str
    not_null: bool
    fill: bool
    """False when the column's default/identity/generation fills it."""
    enum: bool = False
    length: int | None = None


def _tables(conn: Any) -> list[str]:
    rows = conn.execute(
        """
        SELECT format('%%I.%%I', n.nspname, c.relname), n.nspname, c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND n.nspname <> ALL(%s) AND n.nspname NOT LIKE 'pg\\_%%'
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
        ORDER BY 1
        """,
        (list(SKIPPED_SCHEMAS),),
    ).fetchall()
    return [
        key
        for key, schema, name in rows
        if schema not in _PLATFORM_TABLES or name in _PLATFORM_TABLES[schema]
    ]


def _columns(conn: Any, table: str) -> list[_Column]:
    rows = conn.execute(
        """
        SELECT a.attname, format_type(a.atttypid, a.atttypmod),
               coalesce(bt.typname, t.typname), coalesce(bt.typcategory, t.typcategory),
               a.attnotnull,
               a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '',
               coalesce(bt.typtype, t.typtype) = 'e',
               CASE WHEN a.atttypmod > 4 AND coalesce(bt.typname, t.typname)
                         IN ('varchar', 'bpchar') THEN a.atttypmod - 4 END
        FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
        WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """,
        (table,),
    ).fetchall()
    return [
        _Column(name, type_sql, base, cat, nn, not has_default, enum, length)
        for name, type_sql, base, cat, nn, has_default, enum, length in rows
    ]


def _foreign_keys(conn: Any, table: str) -> dict[str, tuple[str, str]]:
    """Single-column foreign keys: column -> (referenced table, referenced column)."""
    rows = conn.execute(
        """
        SELECT a.attname, format('%%I.%%I', n.nspname, r.relname), ra.attname
        FROM pg_constraint c
        JOIN pg_class r ON r.oid = c.confrelid JOIN pg_namespace n ON n.oid = r.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
        WHERE c.contype = 'f' AND c.conrelid = %s::regclass AND cardinality(c.conkey) = 1
        """,
        (table,),
    ).fetchall()
    return {col: (ref, refcol) for col, ref, refcol in rows}


def _value(col: _Column, seed: int) -> str | None:
    """A SQL expression of row number ``i`` for ``col``, or None when no generator fits."""
    i = f"(i + {seed})"
    base = col.base
    if col.enum:
        labels = f"enum_range(NULL::{col.type_sql})"
        return f"({labels})[1 + i % cardinality({labels})]"
    if base in ("int2",):
        return f"({i} % 32767)::int2"
    if base in ("int4", "int8", "oid"):
        return f"{i}"
    if base in ("numeric", "float4", "float8", "money"):
        return f"({i} * 0.5)"
    if base == "bool":
        return "(i % 2 = 0)"
    if base in ("text", "varchar", "bpchar", "citext", "name"):
        text = f"('v' || {i})"
        return f"left({text}, {col.length})" if col.length else text
    if base == "uuid":
        return f"lpad(to_hex({i}), 32, '0')::uuid"
    if base in ("timestamptz", "timestamp", "date"):
        return f"(timestamp '2024-01-01' + {i} * interval '1 second')"
    if base in ("time", "timetz"):
        return f"(time '00:00' + ({i} % 86400) * interval '1 second')"
    if base == "interval":
        return f"({i} * interval '1 second')"
    if base in ("json", "jsonb"):
        return f"jsonb_build_object('i', {i})"
    if base == "bytea":
        return f"decode(md5({i}::text), 'hex')"
    if base in ("inet", "cidr"):
        return f"('10.' || ({i} / 65536 % 256) || '.' || ({i} / 256 % 256) || '.' || ({i} % 256))"
    if col.category == "A":
        return "'{}'"
    return None


def _order(conn: Any, tables: list[str]) -> list[str]:
    """Referenced tables before the tables referring to them (cycles keep their order)."""
    deps = {t: {ref for ref, _ in _foreign_keys(conn, t).values() if ref != t} for t in tables}
    done: list[str] = []
    pending = list(tables)
    while pending:
        ready = [t for t in pending if not (deps[t] & set(pending))]
        if not ready:
            ready = pending[:1]
        for t in ready:
            pending.remove(t)
            done.append(t)
    return done


def fill(conn: Any, rows: int, *, seed: int, budget_s: float) -> FillReport:
    """Fill every application table with ``rows`` rows (see the module docstring)."""
    import psycopg

    report = FillReport()
    started = time.monotonic()
    # the rows satisfy the foreign keys by construction: skip the per-row RI triggers (and
    # the application's triggers), as a data restore does; superuser only
    with suppress(psycopg.Error):
        conn.execute("SET session_replication_role = replica")
    for table in _order(conn, _tables(conn)):
        if time.monotonic() - started > budget_s:
            report.rows[table] = 0
            report.problems[table] = "the fill's time budget was spent before this table"
            continue
        _fill_table(conn, table, rows, seed, report, started + budget_s)
    conn.execute("RESET session_replication_role")
    for table, count in report.rows.items():
        if count:
            conn.execute(f"ANALYZE {table}")
    report.duration_s = round(time.monotonic() - started, 3)
    return report


def _fill_table(
    conn: Any, table: str, rows: int, seed: int, report: FillReport, deadline: float
) -> None:
    import psycopg

    columns = _columns(conn, table)
    fks = _foreign_keys(conn, table)
    last_error = ""
    for nulls in (False, True):
        names, values, joins, missing = [], [], [], []
        for n, col in enumerate(columns):
            if not col.fill:
                continue
            if col.name in fks:
                ref, refcol = fks[col.name]
                if ref == table:
                    if col.not_null:
                        missing.append(col.name)
                    continue
                alias = f"r{n}"
                # the referenced rows numbered once, joined by number (a hash join): each row
                # points at a deterministic, spread-out referenced row
                joins.append(
                    f"JOIN (SELECT {_ident(refcol)} AS v, row_number() OVER "
                    f"(ORDER BY {_ident(refcol)}) - 1 AS rn FROM {ref}) {alias} "
                    f"ON {alias}.rn = (i::bigint * 7919) % "
                    f"(SELECT greatest(count(*), 1) FROM {ref})"
                )
                expr = f"{alias}.v"
            elif nulls and not col.not_null:
                continue
            else:
                generated = _value(col, seed)
                if generated is None:
                    if col.not_null:
                        missing.append(f"{col.name} ({col.type_sql})")
                    continue
                expr = f"{generated}::{col.type_sql}"
            names.append(_ident(col.name))
            values.append(expr)
        if missing:
            report.rows[table] = 0
            report.problems[table] = "no generator for NOT NULL column(s) " + ", ".join(missing)
            return
        done = 0
        try:
            while done < rows and time.monotonic() < deadline:
                upto = min(rows, done + BATCH)
                source = " ".join([f"generate_series({done + 1}, {upto}) AS g(i)", *joins])
                target = f"({', '.join(names)})" if names else ""
                select = ", ".join(values) if values else ""
                # no column to fill (all defaults): a zero-column SELECT inserts default rows
                conn.execute(f"INSERT INTO {table} {target} SELECT {select} FROM {source}")
                done = upto
        except psycopg.Error as exc:
            last_error = (exc.diag.message_primary or str(exc)).strip()
            conn.execute(f"DELETE FROM {table}")
            continue
        report.rows[table] = done
        if done < rows:
            report.problems[table] = "the fill's time budget ended this table early"
        return
    report.rows[table] = 0
    report.problems[table] = f"generated rows were refused: {last_error}"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'

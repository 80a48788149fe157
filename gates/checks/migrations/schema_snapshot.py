"""A comparable picture of a database's schema, read from the catalogs, and a readable diff.

A snapshot maps a category (``tables``, ``columns``, ``indexes``, ``constraints``, ``policies``,
``functions``, ``triggers``, ``types``, ``extensions``, ``schemas``) to ``{object: definition}``.
Definitions come from ``pg_get_*def`` and ``format_type`` so they hold no OIDs: the same schema
built twice gives equal snapshots. Objects that belong to an extension are summarised by the
extension.
"""

# ruff: noqa: S608  (the queries are constants; nothing user-given is formatted into them)
from __future__ import annotations

from typing import Any

Snapshot = dict[str, dict[str, str]]

_USER_NS = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
)
_NOT_EXT = (
    "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} "
    "AND d.classid = '{cat}'::regclass AND d.deptype = 'e')"
)

QUERIES: dict[str, str] = {
    "schemas": f"""SELECT n.nspname, coalesce(n.nspacl::text, '')
                   FROM pg_namespace n WHERE {_USER_NS}""",
    "tables": f"""
        SELECT n.nspname || '.' || c.relname,
               CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'
                 WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                 WHEN 'f' THEN 'foreign table' END
               || CASE WHEN c.relrowsecurity THEN ' rls' ELSE '' END
               || CASE WHEN c.relforcerowsecurity THEN ' force-rls' ELSE '' END
               || coalesce(' acl=' || c.relacl::text, '')
               || CASE WHEN c.relkind IN ('v', 'm') THEN ' as ' || pg_get_viewdef(c.oid) ELSE '' END
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND {_USER_NS}
          AND {_NOT_EXT.format(oid="c.oid", cat="pg_class")}""",
    "columns": f"""
        SELECT n.nspname || '.' || c.relname || '.' || a.attname,
               format_type(a.atttypid, a.atttypmod)
               || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
               || coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), '')
               || CASE a.attidentity WHEN 'a' THEN ' identity always'
                    WHEN 'd' THEN ' identity by default' ELSE '' END
               || CASE WHEN a.attgenerated = 's' THEN ' generated stored' ELSE '' END
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND {_USER_NS} AND {_NOT_EXT.format(oid="c.oid", cat="pg_class")}""",
    "indexes": f"""
        SELECT n.nspname || '.' || i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_namespace n ON n.oid = i.relnamespace
        WHERE {_USER_NS} AND {_NOT_EXT.format(oid="x.indrelid", cat="pg_class")}""",
    "constraints": f"""
        SELECT n.nspname || '.' || c.relname || '.' || k.conname, pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER_NS} AND {_NOT_EXT.format(oid="c.oid", cat="pg_class")}""",
    "policies": """
        SELECT schemaname || '.' || tablename || '.' || policyname,
               permissive || ' ' || cmd || ' to ' || array_to_string(roles, ',')
               || coalesce(' using ' || qual, '') || coalesce(' check ' || with_check, '')
        FROM pg_policies""",
    "functions": f"""
        SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid)
               || ')',
               'returns ' || coalesce(pg_get_function_result(p.oid), '') || ' language '
               || l.lanname || ' ' || p.provolatile::text
               || CASE WHEN p.prosecdef THEN ' security definer' ELSE '' END
               || coalesce(' set ' || array_to_string(p.proconfig, ','), '')
               || coalesce(' acl=' || p.proacl::text, '') || ' body md5 ' || md5(p.prosrc)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_language l ON l.oid = p.prolang
        WHERE {_USER_NS} AND {_NOT_EXT.format(oid="p.oid", cat="pg_proc")}""",
    "triggers": f"""
        SELECT n.nspname || '.' || c.relname || '.' || t.tgname, pg_get_triggerdef(t.oid)
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND {_USER_NS}""",
    "types": f"""
        SELECT n.nspname || '.' || t.typname,
               CASE t.typtype WHEN 'e' THEN 'enum ' || (SELECT string_agg(e.enumlabel, ','
                      ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)
                 WHEN 'd' THEN 'domain ' || format_type(t.typbasetype, t.typtypmod)
                 ELSE 'composite' END
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE t.typtype IN ('e', 'd') AND {_USER_NS}
          AND {_NOT_EXT.format(oid="t.oid", cat="pg_type")}""",
    "extensions": """
        SELECT e.extname, e.extversion || ' in ' || n.nspname
        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace""",
}


def take(conn: Any) -> Snapshot:
    """Snapshot the schema seen by the psycopg connection ``conn``."""
    snapshot: Snapshot = {}
    for category, query in QUERIES.items():
        rows = conn.execute(query).fetchall()
        snapshot[category] = {str(key): str(value) for key, value in rows}
    return snapshot


def diff(before: Snapshot, after: Snapshot, *, limit: int = 60) -> list[str]:
    """Readable differences: ``+ tables: public.x (table)``, ``- …``, ``~ a: old -> new``."""
    lines: list[str] = []
    for category in QUERIES:
        old, new = before.get(category, {}), after.get(category, {})
        for key in sorted(new.keys() - old.keys()):
            lines.append(f"+ {category}: {key}: {new[key][:200]}")
        for key in sorted(old.keys() - new.keys()):
            lines.append(f"- {category}: {key}: {old[key][:200]}")
        for key in sorted(old.keys() & new.keys()):
            if old[key] != new[key]:
                lines.append(f"~ {category}: {key}: {old[key][:200]} -> {new[key][:200]}")
    if len(lines) > limit:
        lines = [*lines[:limit], f"… and {len(lines) - limit} more differences"]
    return lines

"""The machinery of the ``migrations`` gate (gates/checks/migrations.py stays small).

inventory (file names, order), lockfile (immutability), sqlsource (pglast parse, lines, ignore
comments), replay (which tables exist before each migration), lint + lint_rules (dangerous
operations from the parse tree), ephemeral_pg + preset + dry_run + schema_snapshot (a real
PostgreSQL: up, down, up, schema compared).
"""

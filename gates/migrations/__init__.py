"""The machinery of the ``migrations`` gate (gates/checks/migrations.py stays small).

inventory (file names, order), lockfile (immutability), sqlsource (pglast parse, lines, ignore
comments), replay (which tables exist before each migration), lint + lint_rules (dangerous
operations from the parse tree), ephemeral_pg + preset + dry_run + schema_snapshot (a real
PostgreSQL: up, down, up, schema compared).
"""

# The registry first: lint_rules imports gates.checks.base, whose package imports every gate
# type, including gates.checks.migrations, which imports lint_rules (a cycle when a test imports
# gates.migrations.* before gates.checks).
import gates.checks  # noqa: F401

"""Who may read and write what: grants to anon judged against the schema after the last
migration (does the table have RLS? is the function SECURITY DEFINER?), policies that open
every row, and the RLS rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gates.checks.migrations.problem import Problem
from gates.checks.migrations.sqlsource import ALL

if TYPE_CHECKING:
    from gates.checks.migrations.replay import SchemaState


@dataclass(frozen=True)
class Grant:
    """A grant to anon/PUBLIC, judged after the last migration (does the table have RLS? is
    the function SECURITY DEFINER?)."""

    kind: str
    """``table``, ``schema`` (ALL TABLES IN SCHEMA) or ``function``."""
    targets: tuple[str, ...]
    problem: Problem
    ignores: frozenset[str]


def to_anon(roles: Any) -> bool:
    """Whether a grantee/role list names anon or PUBLIC (a policy without TO is PUBLIC)."""
    from pglast.enums.parsenodes import RoleSpecType as RT

    if not roles:
        return True
    return any(
        r.roletype == RT.ROLESPEC_PUBLIC or getattr(r, "rolename", None) == "anon" for r in roles
    )


def always_true(expr: Any) -> bool:
    """``true``, ``(true)``, ``'t'::boolean`` or ``1 = 1``: a condition every row meets."""
    from pglast import ast

    if isinstance(expr, ast.A_Const):
        return isinstance(expr.val, ast.Boolean) and bool(expr.val.boolval)
    if isinstance(expr, ast.TypeCast) and isinstance(expr.arg, ast.A_Const):
        val = getattr(expr.arg.val, "sval", None)
        return isinstance(val, str) and val.lower() in ("t", "true", "yes", "on", "1")
    if isinstance(expr, ast.A_Expr) and expr.name and getattr(expr.name[0], "sval", "") == "=":
        left, right = expr.lexpr, expr.rexpr
        if isinstance(left, ast.A_Const) and isinstance(right, ast.A_Const):
            return left(skip_none=True).get("val") == right(skip_none=True).get("val")
    return False


def judge_grants(grants: Sequence[Grant], state: SchemaState, problems: list[Problem]) -> int:
    """A grant to anon is a finding when it opens a table that has no RLS after the last
    migration, or a SECURITY DEFINER function; Supabase's default grants on tables with RLS
    are not. Returns how many were silenced by ignore comments."""
    ignored = 0
    for grant in grants:
        if grant.kind == "table":
            opened = [t for t in grant.targets if t in state.tables and not state.tables[t].rls]
            what = "table(s) without row level security"
        else:
            opened = [f for f in grant.targets if f in state.definer_functions]
            what = "SECURITY DEFINER function(s)"
        if not opened:
            continue
        if "grant-to-anon" in grant.ignores or ALL in grant.ignores:
            ignored += 1
            continue
        message = f"grants anon (everyone with the anon key) access to {what}: " + ", ".join(opened)
        p = grant.problem
        problems.append(
            Problem(p.rule, message, p.path, p.line, p.snippet, p.migration, {"objects": opened})
        )
    return ignored


def judge_rls(state: SchemaState, problems: list[Problem], exposed_schemas: Sequence[str]) -> int:
    """Tables created by the migrations in an exposed schema: RLS on, and some policy. Returns
    how many were silenced by ignore comments."""
    ignored = 0
    for info in state.tables.values():
        schema = info.key.split(".", 1)[0]
        if not info.created_in or schema not in exposed_schemas:
            continue
        if not info.rls:
            rule, msg = "rls-not-enabled", f"table {info.key} has no ROW LEVEL SECURITY enabled"
        elif info.policies == 0:
            rule, msg = "rls-enabled-no-policy", f"table {info.key} has RLS enabled but no policy"
        else:
            continue
        if rule in info.ignores or ALL in info.ignores:
            ignored += 1
            continue
        problems.append(
            Problem(
                rule, msg, info.path, info.line, info.snippet, info.created_in, {"table": info.key}
            )
        )
    return ignored

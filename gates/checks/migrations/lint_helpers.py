"""Small pure helpers for the lint rules: volatility of defaults, type changes, lock levels."""

from __future__ import annotations

import re
from typing import Any, Protocol


class Linter(Protocol):
    """What a rule module needs of the file linter (lint.py): emit a problem, know the tables."""

    def emit(self, rule: str, message: str, **data: Any) -> None: ...

    def existing(self, key: str) -> bool:
        """Did table ``key`` exist before this file (not created in it)?"""
        ...

    def exclusive(self, key: str, what: str, mode: str = "ACCESS EXCLUSIVE") -> None:
        """Note a write-blocking lock on ``key`` (it needs a lock_timeout first)."""
        ...

    def populated(self, key: str) -> bool:
        """Was ``key`` created and filled in this file (CREATE TABLE AS)?"""
        ...

    def foreign_key(self, con: Any, what: str) -> None:
        """Note the SHARE ROW EXCLUSIVE lock a foreign key takes on the referenced table."""
        ...


NON_VOLATILE_FUNCTIONS = frozenset(
    {
        "now",
        "transaction_timestamp",
        "statement_timestamp",
        "current_setting",
        "timezone",
        "lower",
        "upper",
        "btrim",
        "trim",
        "concat",
        "make_interval",
        "make_date",
        "to_jsonb",
        "to_json",
        "jsonb_build_object",
        "json_build_object",
        "jsonb_build_array",
        "json_build_array",
        "array_fill",
        "length",
        "char_length",
        "md5",
        "abs",
        "round",
    }
)
"""Functions PostgreSQL marks stable or immutable: a default calling only these is evaluated
once when the column is added (PostgreSQL 11+), so no rewrite. Any other call is treated as
possibly volatile (conservative)."""

SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"})
_VARCHAR = re.compile(r"^(?:varchar|character varying)(?:\((\d+)\))?$")


def _walk(value: Any) -> Any:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk(item)


def function_calls(expr: Any) -> list[str]:
    """Names of the functions an expression node calls (``nextval``, ``auth.uid``)."""
    if expr is None:
        return []
    tree = expr(skip_none=True)
    calls = []
    for node in _walk(tree):
        if node.get("@") == "FuncCall":
            calls.append(".".join(part.get("sval", "") for part in node.get("funcname", ())))
    return calls


def column_constraints(coldef: Any) -> dict[str, Any]:
    """A ColumnDef's constraints by kind name (``CONSTR_NOTNULL`` -> the Constraint node)."""
    return {c.contype.name: c for c in coldef.constraints or ()}


def volatile_default(coldef: Any) -> str | None:
    """Why adding this column rewrites the table (volatile default, serial, stored generated,
    identity), or ``None``."""
    names = [n.sval for n in coldef.typeName.names] if coldef.typeName is not None else []
    if names and names[-1] in SERIAL_TYPES:
        return f"{names[-1]} adds a nextval() default"
    cons = column_constraints(coldef)
    if "CONSTR_GENERATED" in cons:
        return "a stored generated column is computed for every row"
    if "CONSTR_IDENTITY" in cons:
        return "an identity column fills every row"
    default = cons.get("CONSTR_DEFAULT")
    if default is None:
        return None
    volatile = [
        c
        for c in function_calls(default.raw_expr)
        if c.removeprefix("pg_catalog.") not in NON_VOLATILE_FUNCTIONS
    ]
    if volatile:
        return f"default calls {', '.join(volatile)}() (volatile or not known to be stable)"
    return None


def is_varchar_n(type_name: Any) -> bool:
    """``varchar(n)`` (a length limit), not plain ``varchar``."""
    names = [n.sval for n in type_name.names]
    return bool(names) and names[-1] == "varchar" and bool(type_name.typmods)


def is_safe_type_change(old: str | None, new: str) -> bool:
    """True for changes PostgreSQL does without a rewrite: varchar(n) -> text / varchar /
    varchar(m >= n), text -> varchar without limit."""
    if old is None:
        return False
    old_m, new_m = _VARCHAR.match(old), _VARCHAR.match(new)
    if new == "text":
        return old == "text" or old_m is not None
    if new_m and old == "text":
        return new_m.group(1) is None
    if new_m and old_m:
        if new_m.group(1) is None:
            return True
        return old_m.group(1) is not None and int(new_m.group(1)) >= int(old_m.group(1))
    return False


def access_exclusive(subtype_name: str, constraint_kind: str | None = None) -> bool:
    """Whether an ALTER TABLE subcommand takes ACCESS EXCLUSIVE (most do)."""
    if subtype_name == "AT_AddConstraint" and constraint_kind == "CONSTR_FOREIGN":
        return False  # SHARE ROW EXCLUSIVE
    weaker = (
        "AT_ValidateConstraint",
        "AT_SetStatistics",
        "AT_ClusterOn",
        "AT_DropCluster",
        "AT_AttachPartition",
        "AT_SetOptions",
        "AT_ResetOptions",
        "AT_SetRelOptions",
        "AT_ResetRelOptions",
        "AT_ReplicaIdentity",
    )
    return subtype_name not in weaker and "Trig" not in subtype_name


SLOW_UNDER_LOCK = frozenset(
    {
        "changing-column-type",
        "adding-not-nullable-field",
        "adding-field-with-default",
        "require-concurrent-index-creation",
        "constraint-missing-not-valid",
        "constraint-without-index",
        "ban-vacuum-full",
        "ban-cluster",
        "update-without-where",
        "delete-without-where",
    }
)
"""Rules whose statement scans or rewrites an existing table while holding a lock that blocks
traffic: the statements ``require-statement-timeout`` judges."""


_INT_TYPES = frozenset({"int4", "int2", "int", "integer", "smallint"})
_INT_SERIALS = frozenset({"serial", "serial4", "serial2", "smallserial"})


def is_int_primary_key(col: Any, table_pk: set[str]) -> bool:
    """A ColumnDef of 32 bits or less that is the primary key (inline, or the table's
    single-column ``PRIMARY KEY (col)`` named in ``table_pk``)."""
    if col.typeName is None:
        return False
    names = [n.sval for n in col.typeName.names if n.sval != "pg_catalog"]
    if not names or (names[-1] not in _INT_TYPES and names[-1] not in _INT_SERIALS):
        return False
    cons = {c.contype.name for c in col.constraints or ()}
    return "CONSTR_PRIMARY" in cons or col.colname in table_pk

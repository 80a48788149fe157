"""Lint rules for ALTER TABLE subcommands (the most varied statement)."""

from __future__ import annotations

from typing import Any

from gates.checks.migrations.lint_helpers import (
    Linter,
    access_exclusive,
    column_constraints,
    is_safe_type_change,
    is_varchar_n,
    volatile_default,
)
from gates.checks.migrations.replay import TableInfo, type_text


def check_alter_table(linter: Linter, key: str, node: Any, info: TableInfo | None) -> None:
    """Emit the ALTER TABLE problems of ``node`` on table ``key`` (known as ``info``)."""
    from pglast.enums.parsenodes import ObjectType as OT

    if node.objtype != OT.OBJECT_TABLE:
        return
    existing = linter.existing(key)
    for cmd in node.cmds or ():
        kind = cmd.def_.contype.name if cmd.subtype.name == "AT_AddConstraint" else None
        if existing and access_exclusive(cmd.subtype.name, kind):
            linter.exclusive(key, f"ALTER TABLE ({cmd.subtype.name.removeprefix('AT_')})")
        if kind == "CONSTR_FOREIGN":
            if existing:
                linter.exclusive(
                    key, "ALTER TABLE (AddConstraint FOREIGN KEY)", "SHARE ROW EXCLUSIVE"
                )
            linter.foreign_key(cmd.def_, f"foreign key on {key}")
        if cmd.subtype.name == "AT_AlterColumnType" and is_varchar_n(cmd.def_.typeName):
            linter.emit(
                "prefer-text-field", f"{key}.{cmd.name} becomes {type_text(cmd.def_.typeName)}"
            )
        if cmd.subtype.name == "AT_AddColumn":
            _add_column(linter, key, cmd.def_, existing)
        elif existing:
            _existing_table_cmd(linter, key, cmd, info)
        elif kind == "CONSTR_FOREIGN" and linter.populated(key):
            # CREATE TABLE AS filled it in this file: validating the key scans every row while
            # the referenced table is held SHARE ROW EXCLUSIVE
            _add_constraint(linter, key, cmd.def_)


def _existing_table_cmd(linter: Linter, key: str, cmd: Any, info: TableInfo | None) -> None:
    name = cmd.subtype.name
    if name == "AT_DropColumn":
        linter.emit("ban-drop-column", f"drops column {key}.{cmd.name}", table=key)
    elif name == "AT_AlterColumnType":
        new = type_text(cmd.def_.typeName)
        old = info.columns.get(cmd.name) if info else None
        if not is_safe_type_change(old, new):
            linter.emit(
                "changing-column-type",
                f"changes {key}.{cmd.name} from {old or 'its type'} to {new}",
                table=key,
            )
    elif name == "AT_SetNotNull":
        linter.emit("adding-not-nullable-field", f"SET NOT NULL on {key}.{cmd.name}", table=key)
    elif name == "AT_AddConstraint":
        _add_constraint(linter, key, cmd.def_)


def _add_constraint(linter: Linter, key: str, con: Any) -> None:
    kind = con.contype.name
    label = con.conname or kind.removeprefix("CONSTR_").lower()
    if kind in ("CONSTR_FOREIGN", "CONSTR_CHECK") and not con.skip_validation:
        linter.emit(
            "constraint-missing-not-valid",
            f"adds {kind.removeprefix('CONSTR_')} constraint {label} on {key} without NOT VALID",
            table=key,
        )
    elif kind in ("CONSTR_PRIMARY", "CONSTR_UNIQUE") and not con.indexname:
        linter.emit(
            "constraint-without-index",
            f"adds {kind.removeprefix('CONSTR_')} constraint {label} on {key} without USING INDEX",
            table=key,
        )


def _add_column(linter: Linter, key: str, col: Any, existing: bool) -> None:
    if col.typeName is not None and is_varchar_n(col.typeName):
        linter.emit("prefer-text-field", f"{key}.{col.colname} is {type_text(col.typeName)}")
    if not existing:
        return
    cons = column_constraints(col)
    required = "CONSTR_NOTNULL" in cons or "CONSTR_PRIMARY" in cons or col.is_not_null
    filled = any(k in cons for k in ("CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"))
    if required and not filled:
        linter.emit(
            "adding-required-field",
            f"adds NOT NULL column {key}.{col.colname} without a default",
            table=key,
        )
    why = volatile_default(col)
    if why:
        linter.emit(
            "adding-field-with-default",
            f"adds column {key}.{col.colname}: {why}; the table is rewritten",
            table=key,
        )
    for kind in ("CONSTR_PRIMARY", "CONSTR_UNIQUE"):
        if kind in cons:
            linter.emit(
                "constraint-without-index",
                f"adds column {key}.{col.colname} with an inline "
                f"{kind.removeprefix('CONSTR_')} constraint (index built under lock)",
                table=key,
            )
    for kind in ("CONSTR_FOREIGN", "CONSTR_CHECK"):
        if kind in cons:
            linter.emit(
                "constraint-missing-not-valid",
                f"adds column {key}.{col.colname} with an inline "
                f"{kind.removeprefix('CONSTR_')} constraint that cannot be NOT VALID; "
                "add the column, then ADD CONSTRAINT ... NOT VALID",
                table=key,
            )

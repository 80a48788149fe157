"""Replay migrations' DDL, statement by statement, to know which tables exist and how.

Tracks tables (``schema.name``, unqualified names are ``public``) created, dropped, renamed or
moved by CREATE/DROP/ALTER TABLE, with their columns' types, whether row level security is on
and how many policies they have. Only what the lint rules need: it is no substitute for the
dry run on a real PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class TableInfo:
    """What the replay knows about one table."""

    key: str
    columns: dict[str, str] = field(default_factory=dict)
    """column name -> type as written (``varchar(20)``, ``text``, ``int4``)."""
    rls: bool = False
    policies: int = 0
    created_in: str = ""
    """Migration file name that created it; empty when it existed before (``auth.users``)."""
    path: str = ""
    line: int | None = None
    snippet: str = ""
    ignores: frozenset[str] = frozenset()


def qualified(rangevar: Any) -> str:
    """``schema.name`` of a ``pglast.ast.RangeVar`` (``public`` when unqualified)."""
    return f"{rangevar.schemaname or 'public'}.{rangevar.relname}"


def names_key(names: Any) -> str:
    """``schema.name`` from a list of ``String`` nodes (``DROP TABLE a.b``)."""
    parts = [n.sval for n in names]
    return ".".join(parts) if len(parts) > 1 else f"public.{parts[0]}"


def type_text(type_name: Any) -> str:
    """A ``TypeName`` as text: ``varchar(20)``, ``text``, ``int4[]`` (``pg_catalog.`` dropped)."""
    parts = [n.sval for n in type_name.names if n.sval != "pg_catalog"]
    text = ".".join(parts)
    mods = []
    for mod in type_name.typmods or ():
        val = getattr(mod, "val", None)
        mods.append(str(getattr(val, "ival", getattr(val, "sval", "?"))))
    if mods:
        text += f"({','.join(mods)})"
    if type_name.arrayBounds:
        text += "[]"
    return text


class SchemaState:
    """Tables known after the statements replayed so far."""

    def __init__(self) -> None:
        self.tables: dict[str, TableInfo] = {}
        self.definer_functions: set[str] = set()
        """``schema.name`` of functions that are SECURITY DEFINER (any overload)."""

    def apply(self, node: Any, origin: TableInfo | None = None) -> None:
        """Replay one statement. ``origin`` carries where a CREATE TABLE was written."""
        from pglast import ast
        from pglast.enums.parsenodes import ObjectType as OT

        if isinstance(node, ast.CreateStmt):
            self._create(node, origin)
        elif isinstance(node, ast.CreateTableAsStmt) and node.objtype == OT.OBJECT_TABLE:
            key = qualified(getattr(node.into, "rel", None))
            self.tables.setdefault(key, _origin(key, origin))
        elif isinstance(node, ast.DropStmt):
            self._drop(node)
        elif isinstance(node, ast.RenameStmt) and node.relation is not None:
            self._rename(node)
        elif isinstance(node, ast.AlterObjectSchemaStmt) and node.objectType == OT.OBJECT_TABLE:
            old = qualified(node.relation)
            if old in self.tables:
                info = self.tables.pop(old)
                info.key = f"{node.newschema}.{old.split('.', 1)[1]}"
                self.tables[info.key] = info
        elif isinstance(node, ast.AlterTableStmt) and node.objtype == OT.OBJECT_TABLE:
            self._alter(node)
        elif isinstance(node, ast.CreatePolicyStmt):
            self.table(qualified(node.table)).policies += 1
        elif isinstance(node, ast.CreateFunctionStmt):
            self._security(names_key(node.funcname), node.options, created=True)
        elif isinstance(node, ast.AlterFunctionStmt) and node.func is not None:
            func: Any = node.func
            self._security(names_key(func.objname), node.actions, created=False)

    def _security(self, key: str, options: Any, *, created: bool) -> None:
        for opt in options or ():
            if opt.defname == "security":
                if getattr(opt.arg, "boolval", False):
                    self.definer_functions.add(key)
                else:
                    self.definer_functions.discard(key)
                return
        if created:  # CREATE OR REPLACE without SECURITY DEFINER is SECURITY INVOKER
            self.definer_functions.discard(key)

    def table(self, key: str) -> TableInfo:
        """The table ``key``, created as pre-existing (unknown origin) when not seen yet."""
        return self.tables.setdefault(key, TableInfo(key))

    def _create(self, node: Any, origin: TableInfo | None) -> None:
        from pglast import ast

        key = qualified(node.relation)
        if key in self.tables and node.if_not_exists:
            return
        info = _origin(key, origin)
        for elt in node.tableElts or ():
            if isinstance(elt, ast.ColumnDef) and elt.typeName is not None and elt.colname:
                info.columns[elt.colname] = type_text(elt.typeName)
        self.tables[key] = info

    def _drop(self, node: Any) -> None:
        from pglast.enums.parsenodes import ObjectType as OT

        for obj in node.objects or ():
            if node.removeType == OT.OBJECT_TABLE:
                self.tables.pop(names_key(obj), None)
            elif node.removeType == OT.OBJECT_POLICY and len(obj) >= 2:
                info = self.tables.get(names_key(obj[:-1]))
                if info is not None and info.policies > 0:
                    info.policies -= 1

    def _rename(self, node: Any) -> None:
        from pglast.enums.parsenodes import ObjectType as OT

        old = qualified(node.relation)
        if node.renameType == OT.OBJECT_TABLE and old in self.tables:
            info = self.tables.pop(old)
            info.key = f"{node.relation.schemaname or 'public'}.{node.newname}"
            self.tables[info.key] = info
        elif node.renameType == OT.OBJECT_COLUMN and old in self.tables:
            columns = self.tables[old].columns
            if node.subname in columns:
                columns[node.newname] = columns.pop(node.subname)

    def _alter(self, node: Any) -> None:
        from pglast.enums.parsenodes import AlterTableType as AT

        info = self.table(qualified(node.relation))
        for cmd in node.cmds or ():
            if cmd.subtype in (AT.AT_EnableRowSecurity, AT.AT_ForceRowSecurity):
                info.rls = True
            elif cmd.subtype == AT.AT_DisableRowSecurity:
                info.rls = False
            elif cmd.subtype == AT.AT_AddColumn and cmd.def_ is not None:
                if cmd.def_.typeName is not None:
                    info.columns[cmd.def_.colname] = type_text(cmd.def_.typeName)
            elif cmd.subtype == AT.AT_DropColumn:
                info.columns.pop(cmd.name, None)
            elif cmd.subtype == AT.AT_AlterColumnType and cmd.def_ is not None:
                info.columns[cmd.name] = type_text(cmd.def_.typeName)


def _origin(key: str, origin: TableInfo | None) -> TableInfo:
    if origin is None:
        return TableInfo(key)
    return TableInfo(
        key,
        created_in=origin.created_in,
        path=origin.path,
        line=origin.line,
        snippet=origin.snippet,
        ignores=origin.ignores,
    )

"""Lint migrations from the PostgreSQL parse tree (pglast); never regexes over SQL.

Files are linted in order while :class:`~.replay.SchemaState` replays their DDL,
so each statement knows whether its table existed before this migration (a table created
earlier in the *same* file is new and exempt from the locking rules; a table never seen, such as
``auth.users``, counts as existing). The rules and their reasons are in
:mod:`gates.checks.migrations.lint_rules`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from gates.checks.migrations.lint_access import (
    Grant,
    always_true,
    judge_grants,
    judge_rls,
    to_anon,
)
from gates.checks.migrations.lint_helpers import SLOW_UNDER_LOCK, is_int_primary_key, is_varchar_n
from gates.checks.migrations.problem import Problem
from gates.checks.migrations.replay import SchemaState, TableInfo, names_key, qualified, type_text
from gates.checks.migrations.sqlsource import ALL, MAX_IDENTIFIER_BYTES, SqlFile, Statement


@dataclass(frozen=True)
class LintInput:
    """One migration file to lint."""

    name: str
    path: str
    sql: SqlFile


@dataclass
class LintResult:
    """Problems found, and how many were silenced by ignore comments."""

    problems: list[Problem] = field(default_factory=list)
    ignored: int = 0


def lint(
    files: Sequence[LintInput],
    *,
    exposed_schemas: Sequence[str] = ("public",),
    transaction_per_file: bool = True,
) -> LintResult:
    """Lint ``files`` in migration order; RLS rules judge the schema after the last one."""
    state = SchemaState()
    result = LintResult()
    grants: list[Grant] = []
    for item in files:
        if item.sql.syntax_error is not None:
            err = item.sql.syntax_error
            result.problems.append(
                Problem(
                    "syntax-error",
                    f"syntax error: {err.message}",
                    item.path,
                    err.line,
                    err.message,
                    item.name,
                )
            )
            continue
        _FileLinter(item, state, result, transaction_per_file, grants).run()
    result.ignored += judge_grants(grants, state, result.problems)
    result.ignored += judge_rls(state, result.problems, exposed_schemas)
    return result


class _FileLinter:
    def __init__(
        self,
        item: LintInput,
        state: SchemaState,
        result: LintResult,
        transaction_per_file: bool,
        grants: list[Grant] | None = None,
    ) -> None:
        self.item = item
        self.state = state
        self.result = result
        self.transaction_per_file = transaction_per_file
        self.grants = grants if grants is not None else []
        self.created_here: set[str] = set()
        self.populated_here: set[str] = set()
        self.indexes_here: set[str] = set()
        self.views_here: set[str] = set()
        self.lock_timeout = False
        self.lock_timeout_reported = False
        self.statement_timeout = False
        self.statement_timeout_reported = False
        self.nesting_reported = False
        self.long_names: set[str] = set()
        self.in_transaction = False
        self.definers: dict[str, Statement] = {}
        self.stmt: Statement | None = None
        # a file that cannot run in one transaction: each statement commits on its own
        self.autocommit = not transaction_per_file or any(
            bool(getattr(s.node, "concurrent", False)) for s in item.sql.statements
        )

    def run(self) -> None:
        for stmt in self.item.sql.statements:
            self.stmt = stmt
            self._long_identifiers(stmt)
            handler = getattr(self, "_" + type(stmt.node).__name__, None)
            if handler is not None:
                handler(stmt.node)
            origin = TableInfo(
                "",
                created_in=self.item.name,
                path=self.item.path,
                line=stmt.line,
                snippet=stmt.text,
                ignores=stmt.ignores,
            )
            self.state.apply(stmt.node, origin)
        for func, stmt in self.definers.items():
            self.stmt = stmt
            self.emit(
                "security-definer-search-path",
                f"SECURITY DEFINER function {func} has no SET search_path",
            )

    def emit(self, rule: str, message: str, **data: Any) -> None:
        stmt = self.stmt
        assert stmt is not None
        ignores = stmt.ignores | self.item.sql.file_ignores
        if rule in ignores or ALL in ignores:
            self.result.ignored += 1
            return
        self.result.problems.append(
            Problem(rule, message, self.item.path, stmt.line, stmt.text, self.item.name, data)
        )
        slow = rule in SLOW_UNDER_LOCK and not self.statement_timeout
        if slow and not self.statement_timeout_reported:
            self.statement_timeout_reported = True
            self.emit(
                "require-statement-timeout",
                f"no statement_timeout is set before this statement ({rule}), which holds "
                "its lock for as long as the table takes to scan or rewrite",
                **data,
            )

    def existing(self, key: str) -> bool:
        return key not in self.created_here

    def populated(self, key: str) -> bool:
        """Created in this file by CREATE TABLE AS (with data): new, but not empty."""
        return key in self.populated_here

    def exclusive(self, key: str, what: str, mode: str = "ACCESS EXCLUSIVE") -> None:
        """A write-blocking lock on a pre-existing table needs a lock_timeout first."""
        if self.existing(key) and not self.lock_timeout and not self.lock_timeout_reported:
            self.lock_timeout_reported = True
            self.emit(
                "require-lock-timeout",
                f"{what} takes a {mode} lock on {key} and no lock_timeout is set "
                "before it in this file",
                table=key,
                lock_mode=mode,
            )

    def foreign_key(self, con: Any, what: str) -> None:
        """A foreign key locks the referenced table SHARE ROW EXCLUSIVE (writes wait)."""
        if con.pktable is not None:
            ref = qualified(con.pktable)
            self.exclusive(ref, f"{what} referencing {ref}", "SHARE ROW EXCLUSIVE")

    def robust(self, ok: bool, what: str) -> None:
        if self.autocommit and not ok:
            self.emit(
                "prefer-robust-stmts",
                f"{what} in a file that runs statement by statement (not in one transaction): "
                "a retry after a partial failure fails here",
            )

    def int_primary_key(self, key: str, col: Any, table_pk: set[str]) -> None:
        if is_int_primary_key(col, table_pk):
            self.emit(
                "prefer-bigint-over-int",
                f"primary key {key}.{col.colname} is {type_text(col.typeName)} (32 bits or less)",
                table=key,
            )

    def _long_identifiers(self, stmt: Statement) -> None:
        for name in stmt.long_identifiers:
            if name not in self.long_names:
                self.long_names.add(name)
                self.emit(
                    "identifier-too-long",
                    f"identifier {name[:40]}… is {len(name.encode())} bytes; "
                    f"PostgreSQL keeps only the first {MAX_IDENTIFIER_BYTES}",
                )

    def concurrently(self, what: str) -> None:
        many = self.transaction_per_file and len(self.item.sql.statements) > 1
        if self.in_transaction or many:
            self.emit(
                "ban-concurrent-index-creation-in-transaction",
                f"{what} CONCURRENTLY runs inside a transaction block (Supabase applies "
                "each file in one transaction): put it alone in its own migration file",
            )

    # --- statement handlers (named after pglast.ast classes) ---------------------------------

    def _CreateStmt(self, node: Any) -> None:
        from pglast import ast

        key = qualified(node.relation)
        self.robust(bool(node.if_not_exists), f"CREATE TABLE {key} without IF NOT EXISTS")
        self.created_here.add(key)
        table_pk: set[str] = set()
        for elt in node.tableElts or ():
            if isinstance(elt, ast.Constraint):
                con: Any = elt
                if con.contype.name == "CONSTR_PRIMARY" and len(con.keys or ()) == 1:
                    table_pk.add(con.keys[0].sval)
                if con.contype.name == "CONSTR_FOREIGN":
                    self.foreign_key(con, f"CREATE TABLE {key} with a foreign key")
        for col in _column_defs(node.tableElts):
            if col.typeName is not None and is_varchar_n(col.typeName):
                self.emit("prefer-text-field", f"{key}.{col.colname} is {type_text(col.typeName)}")
            self.int_primary_key(key, col, table_pk)
            for con in col.constraints or ():
                if con.contype.name == "CONSTR_FOREIGN":
                    self.foreign_key(con, f"CREATE TABLE {key} with a foreign key")

    def _CreateTableAsStmt(self, node: Any) -> None:
        key = qualified(node.into.rel)
        self.created_here.add(key)
        if not node.into.skipData:
            self.populated_here.add(key)

    def _ViewStmt(self, node: Any) -> None:
        self.views_here.add(qualified(node.view))

    def _CreateTrigStmt(self, node: Any) -> None:
        key = qualified(node.relation)
        self.exclusive(key, f"CREATE TRIGGER {node.trigname}", "SHARE ROW EXCLUSIVE")

    def _AlterTableStmt(self, node: Any) -> None:
        from gates.checks.migrations.lint_alter import check_alter_table

        key = qualified(node.relation)
        check_alter_table(self, key, node, self.state.tables.get(key))

    def _DropStmt(self, node: Any) -> None:
        from pglast.enums.parsenodes import ObjectType as OT

        kind = node.removeType
        for obj in node.objects or ():
            if kind == OT.OBJECT_TABLE:
                key = names_key(obj)
                if self.existing(key):
                    self.emit("ban-drop-table", f"DROP TABLE {key}", table=key)
                    self.exclusive(key, "DROP TABLE")
            elif kind == OT.OBJECT_POLICY and len(obj) >= 2:
                self.exclusive(names_key(obj[:-1]), "DROP POLICY")
            elif kind == OT.OBJECT_SCHEMA:
                name = getattr(obj, "sval", "?")
                self.emit("ban-drop-schema", f"DROP SCHEMA {name}", schema=name)
            elif kind == OT.OBJECT_INDEX:
                name = names_key(obj).removeprefix("public.")
                if node.concurrent:
                    self.concurrently("DROP INDEX")
                    self.robust(bool(node.missing_ok), f"DROP INDEX {name} without IF EXISTS")
                elif name not in self.indexes_here:
                    self.emit("require-concurrent-index-deletion", f"DROP INDEX {name}")
                    # the lock is on the index's table, which the name does not say
                    self.exclusive(names_key(obj), f"DROP INDEX {name} (on its table)")
            elif kind in (OT.OBJECT_VIEW, OT.OBJECT_MATVIEW):
                key = names_key(obj)
                if key not in self.views_here:
                    self.exclusive(key, "DROP VIEW")

    def _AlterPolicyStmt(self, node: Any) -> None:
        self.exclusive(qualified(node.table), "ALTER POLICY")

    def _DropdbStmt(self, node: Any) -> None:
        self.emit("ban-drop-database", f"DROP DATABASE {node.dbname}")

    def _RenameStmt(self, node: Any) -> None:
        from pglast.enums.parsenodes import ObjectType as OT

        if node.relation is None:
            return
        key = qualified(node.relation)
        if not self.existing(key):
            return
        if node.renameType == OT.OBJECT_TABLE:
            self.emit("renaming-table", f"renames table {key} to {node.newname}", table=key)
        elif node.renameType == OT.OBJECT_COLUMN:
            self.emit(
                "renaming-column",
                f"renames column {key}.{node.subname} to {node.newname}",
                table=key,
            )
        self.exclusive(key, "RENAME")

    def _IndexStmt(self, node: Any) -> None:
        key = qualified(node.relation)
        if node.idxname:
            self.indexes_here.add(node.idxname)
        if node.concurrent:
            self.concurrently("CREATE INDEX")
            self.robust(bool(node.if_not_exists), f"CREATE INDEX CONCURRENTLY {node.idxname or ''}")
        elif self.existing(key):
            self.emit(
                "require-concurrent-index-creation",
                f"CREATE INDEX {node.idxname or ''} on existing table {key} without "
                "CONCURRENTLY blocks writes while it builds",
                table=key,
            )

    def _VacuumStmt(self, node: Any) -> None:
        if any(opt.defname == "full" for opt in node.options or ()):
            self.emit("ban-vacuum-full", "VACUUM FULL rewrites the table under ACCESS EXCLUSIVE")

    def _ClusterStmt(self, node: Any) -> None:
        self.emit("ban-cluster", "CLUSTER rewrites the table under ACCESS EXCLUSIVE")

    def _LockStmt(self, node: Any) -> None:
        tables = ", ".join(qualified(r) for r in node.relations)
        self.emit("ban-lock-table", f"explicit LOCK on {tables}")

    def _TruncateStmt(self, node: Any) -> None:
        keys = [qualified(r) for r in node.relations]
        if any(self.existing(k) for k in keys):
            self.emit("ban-truncate", "TRUNCATE " + ", ".join(keys))
            self.exclusive(keys[0], "TRUNCATE")

    def _DeleteStmt(self, node: Any) -> None:
        key = qualified(node.relation)
        if node.whereClause is None and self.existing(key):
            self.emit("delete-without-where", f"deletes every row of {key} (no WHERE)", table=key)

    def _UpdateStmt(self, node: Any) -> None:
        key = qualified(node.relation)
        if node.whereClause is None and self.existing(key):
            self.emit("update-without-where", f"updates every row of {key} (no WHERE)", table=key)

    def _VariableSetStmt(self, node: Any) -> None:
        if node.name == "lock_timeout":
            self.lock_timeout = True
        elif node.name == "statement_timeout":
            self.statement_timeout = True

    def _TransactionStmt(self, node: Any) -> None:
        from pglast.enums.parsenodes import TransactionStmtKind as TK

        if node.kind in (TK.TRANS_STMT_BEGIN, TK.TRANS_STMT_START):
            self.in_transaction = True
            if self.transaction_per_file and not self.nesting_reported:
                self.nesting_reported = True
                self.emit(
                    "transaction-nesting",
                    "BEGIN inside a file the Supabase CLI already runs as one transaction",
                )
        elif node.kind in (TK.TRANS_STMT_COMMIT, TK.TRANS_STMT_ROLLBACK):
            self.in_transaction = False

    def _CreateFunctionStmt(self, node: Any) -> None:
        options = {opt.defname: opt for opt in node.options or ()}
        security = options.get("security")
        if security is None or not getattr(security.arg, "boolval", False):
            return
        fixed = any(
            opt.defname == "set" and getattr(opt.arg, "name", "") == "search_path"
            for opt in node.options or ()
        )
        if not fixed:
            assert self.stmt is not None
            self.definers[_func_name(node.funcname)] = self.stmt

    def _AlterFunctionStmt(self, node: Any) -> None:
        for action in node.actions or ():
            if action.defname == "set" and getattr(action.arg, "name", "") == "search_path":
                self.definers.pop(_func_name(node.func.objname), None)

    def _GrantStmt(self, node: Any) -> None:
        from pglast.enums.parsenodes import GrantTargetType as GT
        from pglast.enums.parsenodes import ObjectType as OT

        if not node.is_grant or not to_anon(node.grantees):
            return
        if node.objtype == OT.OBJECT_TABLE and node.targtype == GT.ACL_TARGET_OBJECT:
            kind, targets = "table", tuple(qualified(r) for r in node.objects or ())
        elif node.objtype == OT.OBJECT_TABLE and node.targtype == GT.ACL_TARGET_ALL_IN_SCHEMA:
            schemas = {o.sval for o in node.objects or ()}
            # the tables that exist now; later ones get the schema's default privileges
            kind = "table"
            targets = tuple(k for k in self.state.tables if k.split(".", 1)[0] in schemas)
        elif node.objtype == OT.OBJECT_FUNCTION and node.targtype == GT.ACL_TARGET_OBJECT:
            kind, targets = "function", tuple(_func_name(o.objname) for o in node.objects or ())
        else:
            return  # schemas, sequences, default privileges: Supabase's own defaults
        stmt = self.stmt
        assert stmt is not None
        problem = Problem("grant-to-anon", "", self.item.path, stmt.line, stmt.text, self.item.name)
        self.grants.append(Grant(kind, targets, problem, stmt.ignores | self.item.sql.file_ignores))

    def _CreatePolicyStmt(self, node: Any) -> None:
        key = qualified(node.table)
        self.exclusive(key, "CREATE POLICY")
        if node.permissive is False or node.cmd_name == "select":
            return
        if not to_anon(node.roles):
            return
        check = node.with_check if node.cmd_name == "insert" else node.qual
        if node.cmd_name == "all" and check is None:
            check = node.with_check
        if always_true(check) and node.cmd_name == "insert":
            self.emit(
                "rls-policy-anon-inserts-any-row",
                f"policy {node.policy_name} on {key} lets anon INSERT rows of any content "
                "(WITH CHECK (true))",
                table=key,
            )
        elif always_true(check):
            self.emit(
                "rls-policy-anon-writes-all-rows",
                f"policy {node.policy_name} on {key} lets anon {node.cmd_name.upper()} every row "
                f"({'WITH CHECK' if node.cmd_name == 'insert' else 'USING'} (true))",
                table=key,
            )


def _column_defs(elements: Any) -> Iterator[Any]:
    from pglast import ast

    for elt in elements or ():
        if isinstance(elt, ast.ColumnDef):
            yield elt


def _func_name(names: Any) -> str:
    parts = [n.sval for n in names]
    return ".".join(parts) if len(parts) > 1 else f"public.{parts[0]}"

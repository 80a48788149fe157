"""``sqlsource.parse_tree`` builds the same tree as ``pglast.parse_sql``, only faster.

It sets pglast's ``Node.__setattr__`` check aside and gives the node classes generated
``__init__``s while pglast's own parser builds the tree. These tests hold it to the tree built
with the check: every node, every attribute, value and type (an enum member stays that enum's
member, a tuple a tuple), over every SQL file of the corpus (real migrations of public projects)
and statements picked for their node kinds; and they check that pglast's check and its
``__init__``s are back afterwards, also after a syntax error, and that a pglast unlike this one
keeps its check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pglast import ast, parse_sql
from pglast.enums.parsenodes import ObjectType
from pglast.parser import ParseError

from gates.checks.migrations import sqlsource
from gates.checks.migrations.sqlsource import parse_all, parse_tree
from tests.conftest import CORPUS

SQL_FILES = sorted(CORPUS.rglob("*.sql"))

PICKED = [
    "ALTER TABLE t ADD COLUMN c varchar(10)[] NOT NULL DEFAULT 'x' COLLATE \"C\";",
    "CREATE POLICY p ON t FOR SELECT TO authenticated USING (auth.uid() = user_id);",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t USING gin (to_tsvector('english', body));",
    "COMMENT ON COLUMN t.c IS 'é';",
    "DO $$ BEGIN RAISE NOTICE 'x'; END $$;",
    "SELECT 1.5, -2, true, NULL, B'101', x'1F', $1::int, (ARRAY[1,2])[1:2] FROM t "
    "WHERE a BETWEEN 1 AND 2 AND b IN (1, 2) OR c IS NOT DISTINCT FROM d;",
    "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
    "SET search_path = '' AS $$ BEGIN RETURN NEW; END $$;",
    "GRANT SELECT ON ALL TABLES IN SCHEMA public TO anon; REVOKE ALL ON t FROM public;",
    "BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE; COMMIT;",
    "WITH x AS (DELETE FROM t RETURNING *) INSERT INTO u SELECT * FROM x "
    "ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v;",
]


def assert_same(built: Any, checked: Any, where: str) -> None:
    assert type(built) is type(checked), where
    if isinstance(checked, ast.Node):
        for name in checked:
            assert_same(getattr(built, name), getattr(checked, name), f"{where}.{name}")
    elif isinstance(checked, tuple):
        assert len(built) == len(checked), where
        for index, (b, c) in enumerate(zip(built, checked, strict=True)):
            assert_same(b, c, f"{where}[{index}]")
    else:
        assert built == checked, where


def checked_tree(text: str) -> Any:
    assert "__setattr__" in ast.Node.__dict__  # the check is in place
    return parse_sql(text)


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_the_tree_of_every_corpus_file_is_the_checked_tree(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    try:
        checked = checked_tree(text)
    except ParseError:
        with pytest.raises(ParseError):
            parse_tree(text)
        return
    assert_same(parse_tree(text), checked, path.name)


def test_the_corpus_has_sql_to_compare() -> None:
    assert len(SQL_FILES) >= 50


@pytest.mark.parametrize("text", PICKED)
def test_picked_statements_build_the_checked_tree(text: str) -> None:
    assert_same(parse_tree(text), checked_tree(text), "stmts")


def test_enum_values_stay_enum_members() -> None:
    (raw,) = parse_tree("COMMENT ON TABLE t IS 'x';")
    assert raw.stmt.objtype is ObjectType.OBJECT_TABLE


def pglast_inits() -> dict[type, object]:
    return {cls: cls.__dict__.get("__init__") for cls in sqlsource._conversions()}


def test_the_check_is_back_after_a_parse_and_after_a_syntax_error() -> None:
    checked = ast.Node.__dict__["__setattr__"]
    inits = pglast_inits()
    assert sqlsource._fast_inits()  # this pglast: the generated inits are used
    parse_tree("SELECT 1;")
    assert ast.Node.__dict__["__setattr__"] is checked
    assert pglast_inits() == inits
    with pytest.raises(ParseError):
        parse_tree("SELEC 1;")
    with pytest.raises(ParseError), sqlsource._building():
        with sqlsource._building():  # re-entered: only the outer one restores
            parse_tree("SELECT 1;")
            assert "__setattr__" not in ast.Node.__dict__
        assert "__setattr__" not in ast.Node.__dict__
        parse_tree("SELEC 1;")
    assert ast.Node.__dict__["__setattr__"] is checked
    assert pglast_inits() == inits
    not_a_name: Any = 1
    with pytest.raises(ValueError, match="Bad value"):
        ast.RangeVar(relname=not_a_name)  # a hand-built node is checked again


def test_parse_all_gives_what_parse_gives_file_by_file() -> None:
    texts = [path.read_text(encoding="utf-8") for path in SQL_FILES[:20]]
    texts.append("SELEC 1;")  # a syntax error in the middle of a batch stops nothing
    texts.append(PICKED[0])
    assert parse_all(texts) == [sqlsource.parse(text) for text in texts]
    assert parse_all(texts)[-2].syntax_error is not None


def test_a_node_init_unlike_its_slots_keeps_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """A class with a bool to convert whose ``__init__`` does not take its slots in order: a
    generated ``__init__`` could not stand in for it, so pglast's check stays."""

    def init(self: Any, *args: Any) -> None:
        raise AssertionError("not called")

    monkeypatch.setattr(ast.ColumnDef, "__init__", init)
    monkeypatch.setattr(sqlsource, "_FAST_INITS", {})
    assert sqlsource._fast_inits() == {}
    checked = ast.Node.__dict__["__setattr__"]
    with sqlsource._building():
        assert ast.Node.__dict__["__setattr__"] is checked


def test_a_converter_for_a_c_type_it_does_not_know_keeps_the_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gates.checks.migrations import sqlsource

    slots: Any = vars(ast.ColumnDef)["__slots__"]
    info = slots["storage"]
    assert sqlsource._conversions()  # this pglast: conversions known
    monkeypatch.setitem(slots, "storage", info._replace(c_type="NewCType", adaptor=str))
    monkeypatch.setattr(sqlsource, "_CONVERSIONS", {})
    monkeypatch.setattr(sqlsource, "_FAST_INITS", {})
    assert sqlsource._conversions() == {}
    assert sqlsource._fast_inits() == {}
    checked = ast.Node.__dict__["__setattr__"]
    seen: list[object] = []

    def parse_sql(text: str) -> list[Any]:
        seen.append(ast.Node.__dict__["__setattr__"])
        return []

    monkeypatch.setattr("pglast.parse_sql", parse_sql)
    parse_tree("SELECT 1;")
    assert seen == [checked]  # parsed with the check in place


def test_another_thread_parses_only_after_the_window_closes() -> None:
    """The window is under a lock: a parse in another thread waits for it, so it never builds
    while the first restores pglast's check, nor restores it under the first one's parse."""
    import threading

    done = threading.Event()

    def other() -> None:
        parse_tree("SELECT 1;")
        done.set()

    with sqlsource._building():
        thread = threading.Thread(target=other, daemon=True)
        thread.start()
        assert not done.wait(0.5)  # waiting on the lock
        assert "__setattr__" not in ast.Node.__dict__
    assert done.wait(30)
    thread.join(30)
    assert "__setattr__" in ast.Node.__dict__

"""Lint rules of the migrations gate, from the real PostgreSQL parse tree (pglast)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from gates.checks.migrations import sqlsource
from gates.checks.migrations.lint import LintInput, lint
from gates.checks.migrations.lint_rules import LINT_RULES, RULES, RULES_BY_ID
from tests.conftest import CORPUS, IN_CI, REPO, require_component

PRIOR = """
create table public.t (id bigint primary key, a int, b varchar(10), c text);
alter table public.t enable row level security;
create policy p on public.t for select using (true);
"""


def rules_of(sql: str, prior: str = PRIOR, **kwargs: object) -> list[str]:
    files = (
        [
            LintInput(
                "20240101000000_prior.sql", "m/20240101000000_prior.sql", sqlsource.parse(prior)
            )
        ]
        if prior
        else []
    )
    files.append(LintInput("20240102000000_x.sql", "m/20240102000000_x.sql", sqlsource.parse(sql)))
    result = lint(files, **kwargs)  # type: ignore[arg-type]
    return [p.rule for p in result.problems if p.migration == "20240102000000_x.sql"]


# rule id -> (SQL that must be flagged, SQL doing the same job safely)
CASES: dict[str, tuple[str, str]] = {
    "syntax-error": ("alter tabel t add column x int;", "alter table t add column x int;"),
    "ban-drop-table": ("drop table t;", "create table n (i int); drop table n;"),
    "ban-drop-column": ("alter table t drop column a;", "alter table t add column z int;"),
    "ban-drop-schema": ("drop schema legacy cascade;", "create schema legacy;"),
    "ban-drop-database": ("drop database app;", "create schema app;"),
    "renaming-table": ("alter table t rename to t2;", "create view t2 as select * from t;"),
    "renaming-column": ("alter table t rename column a to a2;", "alter table t add column a2 int;"),
    "changing-column-type": (
        "alter table t alter column a type bigint;",
        "alter table t alter column b type text;",
    ),
    "adding-required-field": (
        "alter table t add column d int not null;",
        "alter table t add column d int not null default 0;",
    ),
    "adding-not-nullable-field": (
        "alter table t alter column a set not null;",
        "alter table t add constraint a_nn check (a is not null) not valid;",
    ),
    "adding-field-with-default": (
        "alter table t add column u uuid default gen_random_uuid();",
        "alter table t add column u timestamptz default now();",
    ),
    "require-concurrent-index-creation": (
        "create index t_a on t (a);",
        "create index concurrently t_a on t (a);",
    ),
    "require-concurrent-index-deletion": ("drop index t_a;", "drop index concurrently t_a;"),
    "ban-concurrent-index-creation-in-transaction": (
        "set lock_timeout = '1s';\ncreate index concurrently t_a on t (a);",
        "create index concurrently t_a on t (a);",
    ),
    "constraint-missing-not-valid": (
        "alter table t add constraint fk foreign key (a) references t (id);",
        "alter table t add constraint fk foreign key (a) references t (id) not valid;",
    ),
    "constraint-without-index": (
        "alter table t add constraint u unique (a);",
        "alter table t add constraint u unique using index t_a_key;",
    ),
    "ban-vacuum-full": ("vacuum full t;", "vacuum t;"),
    "ban-cluster": ("cluster t using t_pkey;", "analyze t;"),
    "ban-lock-table": ("lock table t in access exclusive mode;", "select 1 from t limit 1;"),
    "require-lock-timeout": (
        "alter table t add column e int;",
        "set lock_timeout = '5s';\nalter table t add column e int;",
    ),
    "ban-truncate": ("truncate t cascade;", "create table n (i int); truncate n;"),
    "delete-without-where": ("delete from t;", "delete from t where id = 1;"),
    "update-without-where": ("update t set a = 1;", "update t set a = 1 where id = 2;"),
    "rls-not-enabled": (
        "create table public.n (i int);",
        "create table public.n (i int);\nalter table public.n enable row level "
        "security;\ncreate policy p on public.n using (true);",
    ),
    "rls-enabled-no-policy": (
        "create table public.n (i int); alter table public.n enable row level security;",
        "create table public.n (i int); alter table public.n enable row level security;\n"
        "create policy own on public.n for select to authenticated using (auth.uid() is not null);",
    ),
    "security-definer-search-path": (
        "create function f() returns int language sql security definer as $$ select 1 $$;",
        "create function f() returns int language sql security definer set search_path = '' "
        "as $$ select 1 $$;",
    ),
    "grant-to-anon": ("grant select on t to anon;", "grant select on t to authenticated;"),
    "prefer-text-field": (
        "create table public.n (s varchar(20));",
        "create table public.n (s text check (char_length(s) <= 20));",
    ),
}


def test_every_lint_rule_has_a_case() -> None:
    assert set(CASES) == {rule.id for rule in LINT_RULES}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_flags_the_danger(rule: str) -> None:
    bad, _ = CASES[rule]
    assert rule in rules_of(bad)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_passes_the_safe_alternative(rule: str) -> None:
    _, good = CASES[rule]
    assert rule not in rules_of(good)


def test_rules_are_documented_and_kebab_case() -> None:
    for rule in RULES:
        assert rule.id == rule.id.lower() and " " not in rule.id and "_" not in rule.id
        assert rule.why and rule.fix and rule.title
    assert len(RULES_BY_ID) == len(RULES)


def test_new_table_in_same_file_is_exempt_from_locking_rules() -> None:
    sql = (
        "create table public.n (id int primary key, a int);\n"
        "alter table public.n enable row level security;\n"
        "create policy p on public.n using (true);\n"
        "create index n_a on public.n (a);\n"
        "alter table public.n add column b int not null;\n"
        "alter table public.n alter column a set not null;\n"
    )
    assert rules_of(sql) == []


def test_replay_knows_tables_dropped_and_renamed_earlier() -> None:
    prior = PRIOR + "alter table public.t rename to t_old;\n"
    # t_old existed before this migration, so an index on it blocks writes
    assert "require-concurrent-index-creation" in rules_of("create index i on t_old (a);", prior)
    # a table created, then dropped and re-created in this file is new
    assert (
        rules_of(
            "create table public.z (i int); create index zi on public.z (i);"
            "alter table public.z enable row level security;"
            "create policy p on public.z using (true);",
            prior,
        )
        == []
    )


def test_safe_varchar_widening_is_not_a_type_change() -> None:
    assert "changing-column-type" not in rules_of("alter table t alter column b type varchar(20);")
    assert "changing-column-type" in rules_of("alter table t alter column b type varchar(5);")


def test_line_numbers_after_non_ascii() -> None:
    # pglast reports character offsets (it converts libpg_query's byte offsets): lines must be
    # right even after multi-byte characters.
    sql = "-- ünïcödé 日本語 ✓\nselect 'é';\n\n/* ß */ alter table t\n  drop column a;\n"
    parsed = sqlsource.parse(sql)
    assert [s.line for s in parsed.statements] == [2, 4]
    result = lint(
        [
            LintInput("1_x.sql", "1_x.sql", sqlsource.parse(PRIOR)),
            LintInput("2_x.sql", "2_x.sql", parsed),
        ]
    )
    assert {(p.rule, p.line) for p in result.problems} >= {("ban-drop-column", 4)}


def test_syntax_error_has_line_and_parser_message() -> None:
    sql = "-- ✓ ü\ncreate table ok (i int);\n\nalter table ok add colum x int;\n"
    parsed = sqlsource.parse(sql)
    assert parsed.syntax_error is not None
    assert parsed.syntax_error.line == 4
    assert "syntax error" in parsed.syntax_error.message
    result = lint([LintInput("1_x.sql", "m/1_x.sql", parsed)])
    assert [(p.rule, p.line, p.path) for p in result.problems] == [("syntax-error", 4, "m/1_x.sql")]


def test_ignore_comment_applies_to_the_next_statement_only() -> None:
    sql = (
        "-- gates:ignore ban-drop-column, renaming-column  planned contract step\n"
        "alter table t drop column a;\n"
        "alter table t drop column c;\n"
    )
    parsed = sqlsource.parse(sql)
    result = lint(
        [LintInput("1.sql", "1.sql", sqlsource.parse(PRIOR)), LintInput("2.sql", "2.sql", parsed)]
    )
    drops = [p for p in result.problems if p.rule == "ban-drop-column"]
    assert [p.line for p in drops] == [3]
    assert result.ignored == 1


def test_ignore_file_comment() -> None:
    sql = (
        "-- gates:ignore-file ban-drop-column\nalter table t drop column a;\n"
        "alter table t drop column c;\n"
    )
    assert "ban-drop-column" not in rules_of(sql)


def test_concurrently_allowed_without_transaction_per_file() -> None:
    sql = "create index concurrently i1 on t (a);\ncreate index concurrently i2 on t (c);"
    assert "ban-concurrent-index-creation-in-transaction" in rules_of(sql)
    assert "ban-concurrent-index-creation-in-transaction" not in rules_of(
        sql, transaction_per_file=False
    )
    assert "ban-concurrent-index-creation-in-transaction" in rules_of(
        "begin; create index concurrently i1 on t (a); commit;", transaction_per_file=False
    )


def _corpus_dirs() -> list[Path]:
    return sorted(p for p in (CORPUS / "migrations").iterdir() if p.is_dir())


@pytest.mark.parametrize("folder", _corpus_dirs(), ids=lambda p: p.name)
def test_corpus_folders_lint_without_crash(folder: Path) -> None:
    files = sorted(folder.glob("*.sql"))
    assert files
    items = [LintInput(f.name, f.name, sqlsource.parse(f.read_text())) for f in files]
    result = lint(items)
    assert all(p.rule in RULES_BY_ID and p.line and p.line >= 1 for p in result.problems)
    assert not [p for p in result.problems if p.rule == "syntax-error"]
    for problem in result.problems:  # each line points into its file
        text = (folder / problem.path).read_text()
        assert problem.line is not None and problem.line <= text.count("\n") + 1


def test_corpus_findings_are_sane() -> None:
    def rules(folder: str) -> set[str]:
        files = sorted((CORPUS / "migrations" / folder).glob("*.sql"))
        return {
            p.rule
            for p in lint(
                [LintInput(f.name, f.name, sqlsource.parse(f.read_text())) for f in files]
            ).problems
        }

    # nextjs-subscription-payments: handle_new_user() is SECURITY DEFINER without search_path
    assert "security-definer-search-path" in rules("nextjs-subscription-payments")
    # quantalyze creates indexes on existing tables without CONCURRENTLY and grants to anon
    assert {"require-concurrent-index-creation", "grant-to-anon"} <= rules("quantalyze")
    # lodgeical2 enables RLS on its public tables in 008: no table is left without RLS
    assert "rls-not-enabled" not in rules("lodgeical2")


# squawk rule -> the gates rule(s) covering the same danger (the rule families)
SQUAWK_FAMILIES = {
    "ban-drop-table": {"ban-drop-table"},
    "ban-drop-column": {"ban-drop-column"},
    "ban-drop-database": {"ban-drop-database"},
    "renaming-table": {"renaming-table"},
    "renaming-column": {"renaming-column"},
    "changing-column-type": {"changing-column-type"},
    "adding-required-field": {"adding-required-field"},
    "adding-not-nullable-field": {"adding-not-nullable-field"},
    "adding-field-with-default": {"adding-field-with-default"},
    "require-concurrent-index-creation": {"require-concurrent-index-creation"},
    "require-concurrent-index-deletion": {"require-concurrent-index-deletion"},
    "ban-concurrent-index-creation-in-transaction": {
        "ban-concurrent-index-creation-in-transaction"
    },
    "constraint-missing-not-valid": {"constraint-missing-not-valid"},
    "adding-foreign-key-constraint": {"constraint-missing-not-valid"},
    "disallowed-unique-constraint": {"constraint-without-index"},
    "adding-serial-primary-key-field": {"constraint-without-index"},
    "prefer-repack": {"ban-vacuum-full", "ban-cluster"},
    "ban-truncate-cascade": {"ban-truncate"},
    "require-lock-timeout": {"require-lock-timeout"},
}

DANGEROUS = """
alter table t drop column a;
alter table t rename column c to c2;
alter table t rename to t3;
alter table t3 alter column b type int;
alter table t3 add column d int not null;
alter table t3 alter column id set not null;
alter table t3 add column u uuid default gen_random_uuid();
create index t3_a on t3 (a);
drop index t3_old;
alter table t3 add constraint fk foreign key (a) references t3 (id);
alter table t3 add constraint u unique (a);
alter table t3 add constraint pk primary key (id);
vacuum full t3;
cluster t3;
truncate t3 cascade;
drop table t3;
drop database app;
"""


def _squawk() -> list[str] | None:
    """squawk-cli pinned by benchmarks/package-lock.json (.ci/install-system-deps installs it)."""
    local = REPO / "benchmarks" / "node_modules" / ".bin" / "squawk"
    return [str(local)] if local.is_file() else None


def _squawk_by_file(squawk: list[str], files: list[Path]) -> dict[str, set[str]]:
    run = subprocess.run(
        [*squawk, "--reporter", "json", "--assume-in-transaction", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr
    found: dict[str, set[str]] = {}
    for v in json.loads(run.stdout or "[]"):
        rule = v["rule_name"]
        # squawk 2.66 asks for lock_timeout before *any* DDL; the family is statements
        # taking ACCESS EXCLUSIVE, which squawk names in its help text.
        if rule == "require-lock-timeout" and "ACCESS EXCLUSIVE" not in (v.get("help") or ""):
            continue
        if rule in SQUAWK_FAMILIES:
            found.setdefault(Path(v["file"]).name, set()).add(rule)
    return found


@pytest.mark.slow
def test_gates_flags_every_danger_squawk_flags(tmp_path: Path) -> None:
    squawk = _squawk()
    require_component("squawk", squawk is not None, "npm install --prefix benchmarks")
    assert squawk is not None
    folders = [*_corpus_dirs(), tmp_path]
    (tmp_path / "1_prior.sql").write_text(PRIOR)
    (tmp_path / "2_dangerous.sql").write_text(DANGEROUS)
    missed = []
    compared = 0
    for folder in folders:
        files = sorted(folder.glob("*.sql"))
        theirs = _squawk_by_file(squawk, files)
        items = [LintInput(f.name, f.name, sqlsource.parse(f.read_text())) for f in files]
        ours: dict[str, set[str]] = {}
        for problem in lint(items).problems:
            ours.setdefault(problem.migration, set()).add(problem.rule)
        for name, rules in theirs.items():
            for rule in rules:
                compared += 1
                if rule == "require-lock-timeout" and _only_new_tables(folder / name):
                    continue  # squawk does not exempt tables created in the same transaction
                if not SQUAWK_FAMILIES[rule] & ours.get(name, set()):
                    missed.append(f"{folder.name}/{name}: {rule}")
    assert compared > 30
    assert missed == []


def _only_new_tables(path: Path) -> bool:
    """ACCESS EXCLUSIVE statements of the file touch only tables the file itself creates."""
    result = lint([LintInput(path.name, path.name, sqlsource.parse(path.read_text()))])
    return "require-lock-timeout" not in {p.rule for p in result.problems}


def test_squawk_comparison_is_not_skipped_in_ci() -> None:
    if IN_CI:
        assert shutil.which("npm") is not None


@pytest.mark.parametrize(
    "comment",
    ["-- gates:ignore-file\n", "-- gates:ignore-file Reviewed by DBA\n", "-- gates:ignore\n"],
)
def test_ignore_comment_without_rule_ids_silences_nothing(comment: str) -> None:
    # documented form: `gates:ignore <rule-id>…`; a bare ignore must not be a blanket pass
    sql = comment + "alter table t drop column a;\ncreate table u (i int);\n"
    found = rules_of(sql)
    assert "ban-drop-column" in found
    assert "rls-not-enabled" in found

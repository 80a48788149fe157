"""``preset: supabase`` on a real PostgreSQL: what real Supabase migrations use exists, a missing
extension is reported as such, and a failing history is blamed on its first failing file."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from gates.checks.base import GateContext, GateOutcome
from gates.checks.migrations import evaluate
from gates.checks.migrations.options import MigrationsOptions
from tests.checks.migrations.test_dry_run import _have_pg
from tests.conftest import require_component

pytestmark = pytest.mark.postgres

# What real migrations of Supabase apps do with GoTrue's and Storage's own objects: a signup
# trigger reading raw_user_meta_data, an admin view over the token columns, storage policies
# using storage.foldername(), realtime authorisation on realtime.messages.
GOTRUE = """
set lock_timeout = '5s';
create table public.profiles (id uuid primary key references auth.users (id), name text);
alter table public.profiles enable row level security;
create policy own on public.profiles for select to authenticated using (auth.uid() = id);
create function public.handle_new_user() returns trigger language plpgsql security definer
set search_path = '' as $$
begin
  insert into public.profiles (id, name) values (new.id, new.raw_user_meta_data ->> 'name');
  return new;
end $$;
create trigger on_auth_user_created after insert on auth.users
  for each row execute function public.handle_new_user();
create view public.pending_users with (security_invoker = true) as
  select id, email, confirmation_token, recovery_token, email_change, email_change_token_new,
         email_change_token_current, email_change_confirm_status, phone_change,
         raw_app_meta_data ->> 'provider' as provider, is_sso_user, is_anonymous, banned_until,
         confirmed_at, reauthentication_token
  from auth.users where email_confirmed_at is null;
insert into auth.users (id, email, raw_user_meta_data, raw_app_meta_data, aud, role)
  values ('00000000-0000-0000-0000-000000000001', 'a@example.com', '{"name": "A"}',
          '{"provider": "email"}', 'authenticated', 'authenticated');
insert into auth.identities (provider_id, user_id, identity_data, provider)
  values ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000001',
          '{"email": "A@example.com"}', 'email');
insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);
create policy avatar_owner on storage.objects for insert to authenticated
  with check (bucket_id = 'avatars' and (storage.foldername(name))[1] = auth.uid()::text);
create policy topic_members on realtime.messages for select to authenticated
  using (realtime.topic() = 'room:' || auth.uid()::text);
select extensions.uuid_generate_v4(), extensions.gen_random_bytes(4);
grant select on public.profiles to anon, authenticated, service_role;
"""


@pytest.fixture(autouse=True)
def _need_postgres() -> None:
    require_component("postgresql", _have_pg(), "apt-get install postgresql")


def _run(tmp_path: Path, files: dict[str, str], **opts: Any) -> GateOutcome:
    root = tmp_path / "proj"
    folder = root / "supabase" / "migrations"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    options = MigrationsOptions.model_validate(
        {"type": "migrations", "dry_run": {"database": "ephemeral", "preset": "supabase"}, **opts}
    )
    ctx = GateContext(gate_id="migrations", root=root, out_dir=root / "reports", timeout=120)
    return evaluate(options, ctx)


def test_gotrue_storage_and_realtime_objects_exist(tmp_path: Path) -> None:
    outcome = _run(tmp_path, {"20240101000000_app.sql": GOTRUE})
    assert outcome.error is None
    assert [f.rule for f in outcome.findings if f.blocks] == []
    assert outcome.details["dry_run"]["outcome"] == "applied"


def test_missing_extension_is_reported_as_such_not_as_the_migrations_failure(
    tmp_path: Path,
) -> None:
    files = {
        "20240101000000_a.sql": "create table public.a (id bigint primary key);\n"
        "alter table public.a enable row level security;\n",
        "20240102000000_vec.sql": "create extension if not exists no_such_ext_gates;\n"
        "alter table public.a add column e int;\n",
        "20240103000000_b.sql": "select 1;\n",
    }
    outcome = _run(tmp_path, files, lint={"warn": ["require-lock-timeout"]})
    assert outcome.error is not None
    assert "no_such_ext_gates" in outcome.error and "does not have" in outcome.error
    assert not [f for f in outcome.findings if f.rule.startswith("dry-run-")]
    rows = {r["migration"]: r["dry_run"] for r in outcome.details["migrations"]}
    assert rows["20240101000000_a.sql"] == "applied"
    assert "extension no_such_ext_gates missing" in rows["20240102000000_vec.sql"]


@pytest.mark.parametrize(
    "second",
    [
        "alter table public.nope add column x int;\n",  # a table used before it exists
        "begin;\ncreate table public.half (i int);\n",  # leaves its transaction open
    ],
)
def test_first_failure_is_blamed_on_the_first_file_that_fails(tmp_path: Path, second: str) -> None:
    files = {
        "20240101000000_a.sql": "create table public.a (id bigint primary key);\n",
        "20240102000000_b.sql": second,
        "20240103000000_c.sql": "create table public.c (id bigint primary key);\n",
        "20240104000000_d.sql": "alter table public.zzz add column y int;\n",
    }
    outcome = _run(tmp_path, files, lint={"disable": ["rls-not-enabled", "transaction-nesting"]})
    failures = [f for f in outcome.findings if f.rule == "dry-run-apply-failed"]
    assert len(failures) == 1
    assert failures[0].location is not None
    assert failures[0].location.path == "supabase/migrations/20240102000000_b.sql"
    assert "file 2 of 4" in failures[0].message
    rows = {r["migration"]: r["dry_run"] for r in outcome.details["migrations"]}
    assert rows["20240103000000_c.sql"].startswith("not run")
    assert rows["20240104000000_d.sql"].startswith("not run")

drop policy if exists "profiles are editable by their owner" on public.profiles;
drop policy if exists "profiles are readable by their owner" on public.profiles;
drop table if exists public.profiles;

set lock_timeout = '5s';
-- Orders belong to a profile; customers see only their own.
create table public.orders (
  id bigint generated always as identity primary key,
  profile_id uuid not null references public.profiles (id) on delete cascade,
  total_cents integer not null check (total_cents >= 0),
  status text not null default 'pending' check (status in ('pending', 'paid', 'shipped', 'cancelled')),
  created_at timestamptz not null default now()
);

alter table public.orders enable row level security;

create policy "orders are readable by their owner"
  on public.orders for select
  to authenticated
  using ((select auth.uid()) = profile_id);

create policy "orders are created by their owner"
  on public.orders for insert
  to authenticated
  with check ((select auth.uid()) = profile_id);

drop policy if exists "orders are created by their owner" on public.orders;
drop policy if exists "orders are readable by their owner" on public.orders;
drop table if exists public.orders;

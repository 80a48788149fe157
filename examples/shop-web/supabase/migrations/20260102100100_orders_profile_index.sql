-- Its own file: CREATE INDEX CONCURRENTLY cannot run inside a transaction block.
create index concurrently if not exists orders_profile_id_idx on public.orders (profile_id);

drop index concurrently if exists public.orders_profile_id_idx;

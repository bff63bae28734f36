-- Function list_sizes_near_days.
CREATE OR REPLACE FUNCTION list_sizes_near_days() RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 548 $$;

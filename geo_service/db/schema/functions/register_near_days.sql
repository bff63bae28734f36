-- Function register_near_days.
CREATE OR REPLACE FUNCTION register_near_days() RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 183 $$;

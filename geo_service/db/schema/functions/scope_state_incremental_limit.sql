-- Function scope_state_incremental_limit.
-- Above this many changed memberships in one statement a full refresh is as quick and simpler to trust.
CREATE OR REPLACE FUNCTION scope_state_incremental_limit() RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT 2000
$$;

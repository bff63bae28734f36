-- Function kept_state_defer: inside an import that defers the kept scenario state (kept_state_deferred()), note that
-- the kept state of scenarios ``p_scenario_ids`` is stale and return true: the trigger function that asks returns
-- without refreshing, and the importer refreshes every noted scenario once, at the end of its transaction
-- (kept_state_flush). Outside such an import it notes nothing and returns false: the trigger refreshes as before.
-- ``p_kind`` is 'state' (the whole kept state: refresh_scenario_state) or 'locations' (only where members lie:
-- refresh_scenario_network_locations). The notes are transaction-local settings, so a rolled-back import or
-- savepoint takes them with it.
CREATE OR REPLACE FUNCTION kept_state_defer(p_kind text, p_scenario_ids integer[]) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    setting text := 'geo_service.kept_pending_' || p_kind;
BEGIN
    IF NOT kept_state_deferred() THEN
        RETURN false;
    END IF;
    IF p_kind NOT IN ('state', 'locations') THEN
        RAISE EXCEPTION 'kept_state_defer: unknown kind %', p_kind;
    END IF;
    PERFORM set_config(setting, ARRAY(
        SELECT DISTINCT x
          FROM unnest(coalesce(nullif(current_setting(setting, true), ''), '{}')::integer[]
                      || coalesce(p_scenario_ids, '{}')) x
         WHERE x IS NOT NULL
         ORDER BY x)::text, true);
    RETURN true;
END $$;

-- Function scope_state_on_payments: trigger function on practice_payments. A payments file that comes, changes or
-- goes may change which file a scenario's kept extended-hours aggregates read (scenario_hours_extract) and what it
-- says: the kept network facts of every scenario of the file's dataset are computed again (the kept members and
-- practice state do not read payments).
CREATE OR REPLACE FUNCTION scope_state_on_payments() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT extract_id) INTO ids FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT extract_id) INTO ids FROM new_rows;
    END IF;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(st.scenario_id) INTO ids
      FROM scenario_states st WHERE st.scenario_id = ANY (scenarios_of_extracts(ids));
    -- Inside an import that defers the kept state, its whole refresh at the end includes these facts.
    IF ids IS NOT NULL AND NOT kept_state_defer('state', ids) THEN
        PERFORM refresh_scenario_network_facts(ids);
    END IF;
    RETURN NULL;
END $$;

-- Function scope_state_on_facts.
CREATE OR REPLACE FUNCTION scope_state_on_facts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT extract_id) INTO ids FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT extract_id) INTO ids FROM new_rows;
    END IF;
    IF ids IS NOT NULL THEN
        ids := scenarios_of_extracts(ids);
        IF NOT kept_state_defer('state', ids) THEN
            PERFORM refresh_scenario_state(ids);
        END IF;
    END IF;
    RETURN NULL;
END $$;

-- Function scope_state_on_extracts.
CREATE OR REPLACE FUNCTION scope_state_on_extracts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.extract_date IS DISTINCT FROM o.extract_date OR n.dataset IS DISTINCT FROM o.dataset;
    IF ids IS NOT NULL THEN
        ids := scenarios_of_extracts(ids);
        IF NOT kept_state_defer('state', ids) THEN
            PERFORM refresh_scenario_state(ids);
        END IF;
    END IF;
    RETURN NULL;
END $$;

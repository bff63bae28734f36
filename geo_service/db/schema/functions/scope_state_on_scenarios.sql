-- Function scope_state_on_scenarios.
CREATE OR REPLACE FUNCTION scope_state_on_scenarios() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(id) INTO ids FROM new_rows;
    ELSE
        SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE (n.as_of, n.nation, n.dataset, n.register_extract_id, n.list_size_extract_id, n.location_extract_id)
               IS DISTINCT FROM
               (o.as_of, o.nation, o.dataset, o.register_extract_id, o.list_size_extract_id, o.location_extract_id);
    END IF;
    IF ids IS NOT NULL AND NOT kept_state_defer('state', ids) THEN
        PERFORM refresh_scenario_state(ids);
    END IF;
    RETURN NULL;
END $$;

-- Function scope_state_on_memberships.
CREATE OR REPLACE FUNCTION scope_state_on_memberships() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
    changed integer[];
    fresh integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT scenario_id), array_agg(id) INTO ids, changed FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT scenario_id), array_agg(id) INTO ids, changed FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT x.scenario_id), array_agg(DISTINCT x.id) INTO ids, changed
          FROM (SELECT scenario_id, id FROM new_rows UNION ALL SELECT scenario_id, id FROM old_rows) x;
    END IF;
    -- Scenarios still there (a cascaded delete of a scenario takes its kept state with it).
    SELECT array_agg(s.id) INTO ids FROM scenarios s WHERE s.id = ANY (ids);
    IF ids IS NULL OR kept_state_defer('state', ids) THEN
        RETURN NULL;
    END IF;
    IF cardinality(changed) > scope_state_incremental_limit() THEN
        PERFORM refresh_scenario_state(ids);
        RETURN NULL;
    END IF;
    -- No kept state yet: build it whole.
    SELECT array_agg(x.id) INTO fresh FROM unnest(ids) x (id)
     WHERE NOT EXISTS (SELECT 1 FROM scenario_states st WHERE st.scenario_id = x.id);
    IF fresh IS NOT NULL THEN
        PERFORM refresh_scenario_state(fresh);
        ids := ARRAY(SELECT x FROM unnest(ids) x WHERE x <> ALL (fresh));
    END IF;
    IF cardinality(ids) > 0 THEN
        PERFORM refresh_scenario_members(ids, changed);
    END IF;
    RETURN NULL;
END $$;

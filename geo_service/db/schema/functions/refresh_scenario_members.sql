-- Function refresh_scenario_members.
CREATE OR REPLACE FUNCTION refresh_scenario_members(p_scenario_ids integer[], p_membership_ids integer[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    whole integer[];
    rest integer[];
    touched integer[];
BEGIN
    SELECT array_agg(st.scenario_id) INTO whole
      FROM scenario_states st
     WHERE st.scenario_id = ANY (p_scenario_ids)
       AND (EXISTS (SELECT 1 FROM memberships m
                     WHERE m.id = ANY (p_membership_ids) AND m.scenario_id = st.scenario_id
                       AND NOT EXISTS (SELECT 1 FROM scenario_practice_state ps
                                        WHERE ps.scenario_id = st.scenario_id AND ps.practice_id = m.practice_id))
            OR EXISTS (SELECT 1 FROM scenario_practice_state ps
                        WHERE ps.scenario_id = st.scenario_id AND NOT ps.active_gp
                          AND NOT EXISTS (SELECT 1 FROM memberships m
                                           WHERE m.scenario_id = st.scenario_id AND m.practice_id = ps.practice_id)));
    IF whole IS NOT NULL THEN
        PERFORM refresh_scenario_state(whole);
    END IF;
    rest := ARRAY(SELECT x FROM unnest(p_scenario_ids) x WHERE whole IS NULL OR x <> ALL (whole));
    IF cardinality(rest) = 0 THEN
        RETURN;
    END IF;
    -- The networks the memberships were in (kept) and are in now: their kept facts are computed again.
    touched := ARRAY(SELECT sm.network_id FROM scenario_members sm
                      WHERE sm.scenario_id = ANY (rest) AND sm.membership_id = ANY (p_membership_ids)
                     UNION
                     SELECT m.network_id FROM memberships m
                      WHERE m.scenario_id = ANY (rest) AND m.id = ANY (p_membership_ids));
    DELETE FROM scenario_members
     WHERE scenario_id = ANY (rest) AND membership_id = ANY (p_membership_ids);
    PERFORM fill_scenario_members(rest, p_membership_ids);
    PERFORM refresh_scenario_network_facts(rest, touched);
END $$;

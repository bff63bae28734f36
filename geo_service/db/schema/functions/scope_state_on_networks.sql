-- Function scope_state_on_networks.
CREATE OR REPLACE FUNCTION scope_state_on_networks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    -- Inside an import that defers the kept state: the whole kept state of the networks' scenarios, once at its end.
    IF kept_state_deferred() THEN
        PERFORM kept_state_defer('state', array_agg(DISTINCT x.id))
           FROM (SELECT scenario_id FROM new_rows UNION SELECT scenario_id FROM old_rows) x (id);
        RETURN NULL;
    END IF;
    -- A network moved to another scenario (never done by the service): rebuild both scenarios.
    SELECT array_agg(DISTINCT x.id) INTO ids
      FROM new_rows n JOIN old_rows o ON o.id = n.id, LATERAL (VALUES (n.scenario_id), (o.scenario_id)) x (id)
     WHERE n.scenario_id IS DISTINCT FROM o.scenario_id;
    IF ids IS NOT NULL THEN
        PERFORM refresh_scenario_state(ids);
    END IF;
    UPDATE scenario_members sm
       SET network_code = n.code, network_name = n.name, lead = n.lead_commissioner_code
      FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE sm.scenario_id = n.scenario_id AND sm.network_id = n.id AND n.scenario_id = o.scenario_id
       AND (n.code, n.name, n.lead_commissioner_code) IS DISTINCT FROM (o.code, o.name, o.lead_commissioner_code);
    -- A new lead commissioner changes the network's kept cross-boundary flag (scenario_network_facts).
    PERFORM refresh_scenario_network_facts(array_agg(DISTINCT n.scenario_id), array_agg(n.id))
       FROM new_rows n JOIN old_rows o ON o.id = n.id
       JOIN scenario_states st ON st.scenario_id = n.scenario_id
      WHERE n.scenario_id = o.scenario_id AND n.lead_commissioner_code IS DISTINCT FROM o.lead_commissioner_code
     HAVING count(*) > 0;
    RETURN NULL;
END $$;

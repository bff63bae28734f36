-- Function scope_state_on_network_points: when members' distances to their network's polygon change
-- (network_point_distance rows inserted, deleted or updated: polygon edits, new members' points, networks deleted),
-- the kept members outside their polygon of those networks are computed again (refresh_scenario_network_locations).
-- Statement triggers network_point_distance_locations_ins|del|upd; ``changed`` is the transition table of the rows
-- inserted, deleted, or (for an update) as they were before.
CREATE OR REPLACE FUNCTION scope_state_on_network_points() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Inside an import that defers the kept state: these scenarios' member locations, once at its end.
    IF kept_state_deferred() THEN
        PERFORM kept_state_defer('locations', array_agg(DISTINCT n.scenario_id))
           FROM networks n
          WHERE n.id IN (SELECT DISTINCT c.network_id FROM changed c);
        RETURN NULL;
    END IF;
    PERFORM refresh_scenario_network_locations(array_agg(DISTINCT n.scenario_id), array_agg(n.id))
       FROM networks n
      WHERE n.id IN (SELECT DISTINCT c.network_id FROM changed c)
     HAVING count(*) > 0;
    RETURN NULL;
END $$;

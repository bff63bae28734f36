-- Function scope_state_on_point_areas: when points change area (point_areas rows inserted, deleted or updated:
-- area imports and edits, new points, analysis rebuilds, areas deleted by cascade), the kept cross-boundary by member
-- location of the networks with current members at those points is computed again
-- (refresh_scenario_network_locations). Statement triggers point_areas_locations_ins|del|upd; ``changed`` is the
-- transition table of the rows inserted, deleted, or (for an update) as they were before.
CREATE OR REPLACE FUNCTION scope_state_on_point_areas() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Inside an import that defers the kept state: these scenarios' member locations, once at its end.
    IF kept_state_deferred() THEN
        PERFORM kept_state_defer('locations', array_agg(DISTINCT sm.scenario_id))
           FROM scenario_members sm
          WHERE sm.point_id IN (SELECT DISTINCT c.point_id FROM changed c);
        RETURN NULL;
    END IF;
    PERFORM refresh_scenario_network_locations(array_agg(DISTINCT t.scenario_id), array_agg(DISTINCT t.network_id))
       FROM (SELECT DISTINCT sm.scenario_id, sm.network_id
               FROM scenario_members sm
              WHERE sm.point_id IN (SELECT DISTINCT c.point_id FROM changed c)) t
     HAVING count(*) > 0;
    RETURN NULL;
END $$;

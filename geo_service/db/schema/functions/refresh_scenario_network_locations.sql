-- Function refresh_scenario_network_locations: where each kept network's current members (scenario_members) lie, for
-- the networks ``p_network_ids`` of the scenarios (every network when NULL), kept in scenario_network_facts
-- (migration 0140):
-- - member_location_sets: the boundary sets in which its members are located in more than one area (point_areas),
--   the test of cross-boundary by member location's count query (analysis/rules/cross_boundary.py) for every
--   boundary set at once;
-- - members_outside: the ODS codes of its members further than kept_outside_tolerance_m() (the default tolerance)
--   from its polygon (network_point_distance), as geometry's members-outside count query gives them.
-- Called by refresh_scenario_network_facts, and by scope_state_on_point_areas / scope_state_on_network_points when
-- members' points change area or distance. Rows whose values are unchanged are not written.
CREATE OR REPLACE FUNCTION refresh_scenario_network_locations(p_scenario_ids integer[], p_network_ids integer[] DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE scenario_network_facts f
       SET member_location_sets = coalesce(c.sets, '{}'), members_outside = coalesce(o.codes, '{}')
      FROM scenario_network_facts k
      LEFT JOIN (SELECT x.scenario_id, x.network_id, array_agg(x.boundary_set_id ORDER BY x.boundary_set_id) AS sets
                   FROM (SELECT sm.scenario_id, sm.network_id, pa.boundary_set_id
                           FROM scenario_members sm
                           JOIN point_areas pa ON pa.point_id = sm.point_id
                          WHERE sm.scenario_id = ANY (p_scenario_ids)
                            AND (p_network_ids IS NULL OR sm.network_id = ANY (p_network_ids))
                          GROUP BY sm.scenario_id, sm.network_id, pa.boundary_set_id
                         HAVING min(pa.area_id) <> max(pa.area_id)) x
                  GROUP BY x.scenario_id, x.network_id) c
        ON c.scenario_id = k.scenario_id AND c.network_id = k.network_id
      LEFT JOIN (SELECT sm.scenario_id, sm.network_id, array_agg(sm.ods_code ORDER BY sm.ods_code COLLATE "C") AS codes
                   FROM scenario_members sm
                   JOIN network_point_distance d ON d.network_id = sm.network_id AND d.point_id = sm.point_id
                  WHERE sm.scenario_id = ANY (p_scenario_ids)
                    AND (p_network_ids IS NULL OR sm.network_id = ANY (p_network_ids))
                    AND d.distance_m > kept_outside_tolerance_m()
                  GROUP BY sm.scenario_id, sm.network_id) o
        ON o.scenario_id = k.scenario_id AND o.network_id = k.network_id
     WHERE f.scenario_id = k.scenario_id AND f.network_id = k.network_id
       AND k.scenario_id = ANY (p_scenario_ids)
       AND (p_network_ids IS NULL OR k.network_id = ANY (p_network_ids))
       AND (f.member_location_sets, f.members_outside) IS DISTINCT FROM (coalesce(c.sets, '{}'), coalesce(o.codes, '{}'));
END $$;

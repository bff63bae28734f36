-- Function refresh_scenario_state.
-- A rebuilt scenario state is analysed at once, with the scenario's networks and memberships. A new plan's
-- partitions (scenario_state_partitions) start with no statistics, and the statistics of ``networks`` and ``memberships`` know only
-- the scenarios there were before the copy doubled them: until autovacuum comes by the planner guesses, and a
-- check of a copied England plan in one area took 5.3 s instead of 0.03 s (the same statement after ANALYZE of
-- networks and memberships). The ANALYZE at the end takes tens of milliseconds (a sample).
-- The partitions are analysed as soon as they are filled, before the next statement reads them
-- (analyze_scenario_partitions says why).
CREATE OR REPLACE FUNCTION refresh_scenario_state(p_scenario_ids integer[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM scenario_state_partitions(p_scenario_ids);
    DELETE FROM scenario_members WHERE scenario_id = ANY (p_scenario_ids);
    DELETE FROM scenario_practice_state WHERE scenario_id = ANY (p_scenario_ids);
    DELETE FROM scenario_states WHERE scenario_id = ANY (p_scenario_ids);
    INSERT INTO scenario_states (scenario_id, as_of, register_extract_id, list_size_extract_id, location_extract_id,
                                 nation)
    SELECT s.id, s.as_of, scenario_extract(s.id, 'practices'), scenario_extract(s.id, 'list_sizes'),
           scenario_extract(s.id, 'postcodes'), s.nation
      FROM scenarios s WHERE s.id = ANY (p_scenario_ids);
    INSERT INTO scenario_practice_state
    SELECT st.scenario_id, ps.*
      FROM scenario_states st,
           LATERAL practice_state(st.scenario_id, st.register_extract_id, st.list_size_extract_id,
                                  st.location_extract_id, st.nation, st.as_of) ps
     WHERE st.scenario_id = ANY (p_scenario_ids);
    PERFORM analyze_scenario_partitions(p_scenario_ids, ARRAY['scenario_practice_state']);
    PERFORM fill_scenario_members(p_scenario_ids);
    PERFORM analyze_scenario_partitions(p_scenario_ids, ARRAY['scenario_members']);
    PERFORM refresh_scenario_network_facts(p_scenario_ids);
    ANALYZE networks;
    ANALYZE memberships;
    -- Statistics for the partitions just filled (the network facts again: their locations were written after).
    PERFORM analyze_scenario_partitions(p_scenario_ids, ARRAY['scenario_network_facts', 'scenario_member_nearest']);
END $$;

-- Function refresh_scenario_state.
-- A rebuilt scenario state is analysed at once, with the scenario's networks and memberships. A new plan's
-- partitions (0031) start with no statistics, and the statistics of ``networks`` and ``memberships`` know only
-- the scenarios there were before the copy doubled them: until autovacuum comes by the planner guesses, and a
-- check of a copied England plan in one area took 5.3 s instead of 0.03 s (the same statement after ANALYZE of
-- networks and memberships). Body as in 0050, plus the ANALYZE at the end (tens of milliseconds: a sample).
CREATE OR REPLACE FUNCTION refresh_scenario_state(p_scenario_ids integer[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    sid integer;
    t text;
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
    -- Current on the scenario's date: started on or before it (or undated) and not ended before it.
    INSERT INTO scenario_members
    SELECT st.scenario_id, m.id, n.id, n.code, n.name, n.lead_commissioner_code, ps.practice_id, ps.ods_code,
           ps.name, ps.commissioner_code, ps.list_size, ps.extended_hours, ps.point_id
      FROM scenario_states st
      JOIN memberships m ON m.scenario_id = st.scenario_id
           AND (m.start_date IS NULL OR m.start_date <= st.as_of) AND (m.end_date IS NULL OR m.end_date >= st.as_of)
      JOIN networks n ON n.id = m.network_id
      JOIN scenario_practice_state ps ON ps.scenario_id = st.scenario_id AND ps.practice_id = m.practice_id
     WHERE st.scenario_id = ANY (p_scenario_ids);
    ANALYZE networks;
    ANALYZE memberships;
    -- Statistics for the partitions just filled (names as scenario_state_partitions makes them).
    FOREACH sid IN ARRAY p_scenario_ids LOOP
        FOREACH t IN ARRAY ARRAY['scenario_practice_state', 'scenario_members'] LOOP
            IF to_regclass(format('%I', format('%s_%s', t, sid))) IS NOT NULL THEN
                EXECUTE format('ANALYZE %I', format('%s_%s', t, sid));
            END IF;
        END LOOP;
    END LOOP;
END $$;

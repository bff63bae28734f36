-- Function scenario_hours_extract: the payments file a scenario's kept extended-hours aggregates read
-- (scenario_states.hours_extract_id): none when the scenario's register states extended hours itself, else the
-- payments extract of its dataset nearest to its date, preferring one on or before it (as
-- profiles.nearest_profile_extract picks it). The checks use the kept aggregates only when the scope reads
-- extended hours from that same file (or from none), so a choice that differs only costs a live computation.
CREATE OR REPLACE FUNCTION scenario_hours_extract(p_scenario_id integer) RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT CASE
               WHEN EXISTS (SELECT 1 FROM practice_register r
                             WHERE r.extract_id = st.register_extract_id AND r.extended_hours IS NOT NULL) THEN NULL
               ELSE (SELECT e.id FROM extracts e
                      WHERE e.dataset = s.dataset AND e.kind = 'payments' AND e.extract_date IS NOT NULL
                        AND EXISTS (SELECT 1 FROM practice_payments f WHERE f.extract_id = e.id)
                      ORDER BY e.extract_date > st.as_of, abs(e.extract_date - st.as_of), e.id DESC
                      LIMIT 1)
           END
      FROM scenario_states st JOIN scenarios s ON s.id = st.scenario_id
     WHERE st.scenario_id = p_scenario_id
$$;

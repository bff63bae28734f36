-- Function analysis_refresh_network_overlaps.
-- Keeps the share of the smaller polygon each overlap covers (migration 0080, issue 19).
-- Each pair's overlap is measured once: ``measured`` is materialised, because inlined the planner evaluated the
-- intersection in the filter and again for each output column that names it (three times per kept pair). Of the two
-- rows a pair of given networks gives, the one from the lower id is kept (before, either). Each network's validity
-- is checked once (``va``), not again for every pair it is the second of (a hash of the valid ones' ids).
CREATE OR REPLACE FUNCTION analysis_refresh_network_overlaps(p_network_ids integer[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM network_overlaps WHERE network_a = ANY (p_network_ids) OR network_b = ANY (p_network_ids);
    WITH checked AS MATERIALIZED (
        SELECT n.id, n.scenario_id, n.geom, ST_IsValid(n.geom) AS valid FROM networks n
         WHERE n.id = ANY (p_network_ids) AND n.geom IS NOT NULL
    ), va AS MATERIALIZED (
        SELECT c.id, c.scenario_id, c.geom, CASE WHEN c.valid THEN c.geom ELSE analysis_valid(c.geom) END AS g
          FROM checked c
    ), pairs AS (
        SELECT DISTINCT ON (least(va.id, b.id), greatest(va.id, b.id))
               va.scenario_id, least(va.id, b.id) AS a_id, greatest(va.id, b.id) AS b_id, va.g AS ga, b.geom AS gb,
               b.id IN (SELECT c.id FROM checked c WHERE c.valid) AS gb_valid
          FROM va JOIN networks b ON b.geom && va.geom AND b.scenario_id = va.scenario_id AND b.id <> va.id
         ORDER BY least(va.id, b.id), greatest(va.id, b.id), va.id
    ), measured AS MATERIALIZED (
        SELECT scenario_id, a_id, b_id,
               analysis_area_m2(ST_Intersection(ga, CASE WHEN gb_valid THEN gb ELSE analysis_valid(gb) END)) AS m2
          FROM pairs
    )
    INSERT INTO network_overlaps (scenario_id, network_a, network_b, overlap_m2, smaller_share)
    SELECT m.scenario_id, m.a_id, m.b_id, m.m2, m.m2 / nullif(least(ga.area_m2, gb.area_m2), 0)
      FROM measured m
      LEFT JOIN network_geometry ga ON ga.network_id = m.a_id
      LEFT JOIN network_geometry gb ON gb.network_id = m.b_id
     WHERE m.m2 > 0;
$$;

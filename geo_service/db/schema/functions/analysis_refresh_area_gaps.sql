-- Function analysis_refresh_area_gaps.
-- Gaps of one scenario in the given areas. Only areas that are the main area (largest share)
-- of at least one of the scenario's network polygons are considered: a scenario whose polygons
-- cover one county does not make every other area a "gap".
-- Each network's validity is checked once (``valid``, looked up by hash), not again for every area it is unioned in.
CREATE OR REPLACE FUNCTION analysis_refresh_area_gaps(p_scenario_ids integer[], p_area_ids integer[])
RETURNS void LANGUAGE sql AS $$
    DELETE FROM area_gaps
     WHERE scenario_id = ANY (p_scenario_ids) AND (p_area_ids IS NULL OR area_id = ANY (p_area_ids));
    WITH main_area AS (
        SELECT DISTINCT ON (s.network_id, s.boundary_set_id) n.scenario_id, s.area_id
          FROM network_area_shares s JOIN networks n ON n.id = s.network_id
         WHERE n.scenario_id = ANY (p_scenario_ids)
         ORDER BY s.network_id, s.boundary_set_id, s.share DESC, s.area_id
    ), todo AS (
        SELECT DISTINCT m.scenario_id, m.area_id FROM main_area m
         WHERE p_area_ids IS NULL OR m.area_id = ANY (p_area_ids)
    ), valid AS MATERIALIZED (
        SELECT n.id FROM networks n
         WHERE n.scenario_id = ANY (p_scenario_ids) AND n.geom IS NOT NULL
           AND EXISTS (SELECT 1 FROM todo t JOIN areas a ON a.id = t.area_id
                        WHERE t.scenario_id = n.scenario_id AND a.geom && n.geom)
           AND ST_IsValid(n.geom)
    ), diff AS (
        SELECT t.scenario_id, t.area_id,
               ST_Difference(analysis_valid(a.geom),
                             coalesce((SELECT ST_Union(CASE WHEN n.id IN (SELECT v.id FROM valid v) THEN n.geom
                                                      ELSE analysis_valid(n.geom) END) FROM networks n
                                        WHERE n.scenario_id = t.scenario_id AND n.geom && a.geom),
                                      'SRID=4326;POLYGON EMPTY'::geometry)) AS g
          FROM todo t JOIN areas a ON a.id = t.area_id
    )
    INSERT INTO area_gaps (scenario_id, area_id, part, gap_m2, geom)
    SELECT d.scenario_id, d.area_id, row_number() OVER (PARTITION BY d.scenario_id, d.area_id ORDER BY p.path),
           analysis_area_m2(p.geom), p.geom
      FROM diff d, LATERAL ST_Dump(ST_CollectionExtract(d.g, 3)) AS p
     WHERE analysis_area_m2(p.geom) >= 1;
$$;

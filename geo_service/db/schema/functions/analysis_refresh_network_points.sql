-- Function analysis_refresh_network_points.
-- Distances for every (network with a polygon, location of one of its members in any register and
-- postcode extract of the network's dataset). Rows of the given networks are rebuilt; for the given
-- practices, missing pairs are added.
CREATE OR REPLACE FUNCTION analysis_refresh_network_points(p_network_ids integer[], p_practice_ids integer[])
RETURNS void LANGUAGE sql AS $$
    DELETE FROM network_point_distance WHERE network_id = ANY (coalesce(p_network_ids, '{}'));
    WITH pairs AS (
        SELECT DISTINCT m.network_id, pt.id AS point_id
          FROM memberships m
          JOIN scenarios s ON s.id = m.scenario_id
          JOIN practice_register r ON r.practice_id = m.practice_id
          JOIN extracts re ON re.id = r.extract_id AND re.dataset = s.dataset
          JOIN postcode_points pt ON pt.postcode_key = r.postcode_key
          JOIN extracts pe ON pe.id = pt.extract_id AND pe.dataset = s.dataset
         WHERE m.network_id = ANY (coalesce(p_network_ids, '{}'))
            OR m.practice_id = ANY (coalesce(p_practice_ids, '{}'))
    )
    INSERT INTO network_point_distance (network_id, point_id, distance_m)
    SELECT x.network_id, x.point_id,
           CASE WHEN ST_Intersects(n.geom, pt.geom) THEN 0
                ELSE ST_Distance(pt.geom::geography, analysis_valid(n.geom)::geography) END
      FROM pairs x
      JOIN networks n ON n.id = x.network_id AND n.geom IS NOT NULL
      JOIN postcode_points pt ON pt.id = x.point_id
     ORDER BY x.network_id
    ON CONFLICT (network_id, point_id) DO NOTHING;
$$;

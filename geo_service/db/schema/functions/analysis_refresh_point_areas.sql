-- Function analysis_refresh_point_areas.
-- The points are looked up in a hash of ``p_point_ids`` (IN (SELECT unnest(…))): ``= ANY (p_point_ids)`` beside
-- ``p_point_ids IS NULL`` could use no index and compared every row with every id in turn (a new postcode extract's
-- 10,000 ids against 28,000 rows: half a second per statement), and it steered the planner away from the pieces'
-- spatial index (2.9 million point-in-polygon tests instead of 28,000).
CREATE OR REPLACE FUNCTION analysis_refresh_point_areas(p_point_ids integer[], p_bs_ids integer[])
RETURNS void LANGUAGE sql AS $$
    DELETE FROM point_areas
     WHERE (p_point_ids IS NULL OR point_id IN (SELECT unnest(p_point_ids)))
       AND (p_bs_ids IS NULL OR boundary_set_id = ANY (p_bs_ids));
    -- Inside: where areas of one set overlap, the lowest area id wins (deterministic).
    INSERT INTO point_areas (point_id, boundary_set_id, area_id)
    SELECT DISTINCT ON (pt.id, ap.boundary_set_id) pt.id, ap.boundary_set_id, ap.area_id
      FROM postcode_points pt
      JOIN extracts e ON e.id = pt.extract_id
      JOIN area_pieces ap ON ST_Intersects(ap.geom, pt.geom)
      JOIN boundary_sets bs ON bs.id = ap.boundary_set_id AND bs.dataset = e.dataset
     WHERE (p_point_ids IS NULL OR pt.id IN (SELECT unnest(p_point_ids)))
       AND (p_bs_ids IS NULL OR ap.boundary_set_id = ANY (p_bs_ids))
     ORDER BY pt.id, ap.boundary_set_id, ap.area_id;
    -- Outside every area of a set, an English practice's point: the nearest area within the tolerance. The points
    -- without an area in the set are found first (a few): the planner, knowing nothing yet of the rows just inserted
    -- above, otherwise ran the nearest-area search (8 candidates, each transformed to metres) for every point and
    -- only then dropped those that have an area (England 2019/20: 9,168 searches, 80 s on a busy machine, for none
    -- kept). KNN on the pieces' index picks candidates; metres decide.
    WITH outside AS MATERIALIZED (
        SELECT pt.id, pt.geom, bs.id AS boundary_set_id
          FROM postcode_points pt
          JOIN extracts e ON e.id = pt.extract_id
          JOIN boundary_sets bs ON bs.dataset = e.dataset
         WHERE (p_point_ids IS NULL OR pt.id IN (SELECT unnest(p_point_ids)))
           AND (p_bs_ids IS NULL OR bs.id = ANY (p_bs_ids))
           AND NOT EXISTS (SELECT 1 FROM point_areas pa WHERE pa.point_id = pt.id AND pa.boundary_set_id = bs.id)
           AND EXISTS (SELECT 1 FROM practice_register r JOIN extracts re ON re.id = r.extract_id
                        WHERE r.postcode_key = pt.postcode_key AND re.dataset = e.dataset AND r.nation = 'england')
           AND NOT EXISTS (SELECT 1 FROM practice_register r JOIN extracts re ON re.id = r.extract_id
                            WHERE r.postcode_key = pt.postcode_key AND re.dataset = e.dataset
                              AND r.nation IS DISTINCT FROM 'england')
    )
    INSERT INTO point_areas (point_id, boundary_set_id, area_id, nearest_m)
    SELECT o.id, o.boundary_set_id, near.area_id, near.d
      FROM outside o
      CROSS JOIN LATERAL (
            SELECT c.area_id, ST_Distance(ST_Transform(c.geom, 27700), ST_Transform(o.geom, 27700)) AS d
              FROM (SELECT ap.area_id, ap.geom FROM area_pieces ap WHERE ap.boundary_set_id = o.boundary_set_id
                     ORDER BY ap.geom <-> o.geom LIMIT 8) c
             ORDER BY 2, 1
             LIMIT 1) near
     WHERE near.d <= analysis_nearest_area_tolerance_m();
$$;

-- Issue 11: practices on the coast belong to the area they sit beside.
--
-- Generalised boundaries (the ICB July 2022 set most of all) cut the coastline short: 107 active English
-- practices of 2022 (Sheppey, Herne Bay, Thanet, ...) fall outside every ICB, so the ICB map of Kent and
-- Medway left them out. A point outside every area of a boundary set now goes to the NEAREST area of that
-- set when
--   * it lies within 10 km of it (measured in EPSG:27700 metres; the Sheppey practices sit 5-8 km from the
--     generalised ICB coast), and
--   * a practice of England is registered at its postcode (practice_register.nation, in the point's dataset)
--     and none of another nation: the boundary sets are England's, so a Welsh practice 100 m from the
--     border is never pulled into an English area.
-- Such rows carry nearest_m (the distance); rows of points inside their area have nearest_m NULL.

ALTER TABLE point_areas ADD COLUMN nearest_m double precision CHECK (nearest_m IS NULL OR nearest_m >= 0);
COMMENT ON COLUMN point_areas.nearest_m IS
    'NULL: the point lies in the area. Else the point lies outside every area of the set and was assigned to '
    'the nearest one, this many metres away (EPSG:27700), at most 10 km (migration 0046).';

CREATE FUNCTION analysis_nearest_area_tolerance_m() RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
    SELECT 10000.0::double precision
$$;

CREATE OR REPLACE FUNCTION analysis_refresh_point_areas(p_point_ids integer[], p_bs_ids integer[])
RETURNS void LANGUAGE sql AS $$
    DELETE FROM point_areas
     WHERE (p_point_ids IS NULL OR point_id = ANY (p_point_ids))
       AND (p_bs_ids IS NULL OR boundary_set_id = ANY (p_bs_ids));
    -- Inside: where areas of one set overlap, the lowest area id wins (deterministic).
    INSERT INTO point_areas (point_id, boundary_set_id, area_id)
    SELECT DISTINCT ON (pt.id, ap.boundary_set_id) pt.id, ap.boundary_set_id, ap.area_id
      FROM postcode_points pt
      JOIN extracts e ON e.id = pt.extract_id
      JOIN area_pieces ap ON ST_Intersects(ap.geom, pt.geom)
      JOIN boundary_sets bs ON bs.id = ap.boundary_set_id AND bs.dataset = e.dataset
     WHERE (p_point_ids IS NULL OR pt.id = ANY (p_point_ids))
       AND (p_bs_ids IS NULL OR ap.boundary_set_id = ANY (p_bs_ids))
     ORDER BY pt.id, ap.boundary_set_id, ap.area_id;
    -- Outside every area of a set, an English practice's point: the nearest area within the tolerance. KNN on the pieces' index picks candidates; metres decide.
    INSERT INTO point_areas (point_id, boundary_set_id, area_id, nearest_m)
    SELECT pt.id, bs.id, near.area_id, near.d
      FROM postcode_points pt
      JOIN extracts e ON e.id = pt.extract_id
      JOIN boundary_sets bs ON bs.dataset = e.dataset
      CROSS JOIN LATERAL (
            SELECT c.area_id, ST_Distance(ST_Transform(c.geom, 27700), ST_Transform(pt.geom, 27700)) AS d
              FROM (SELECT ap.area_id, ap.geom FROM area_pieces ap WHERE ap.boundary_set_id = bs.id
                     ORDER BY ap.geom <-> pt.geom LIMIT 8) c
             ORDER BY 2, 1
             LIMIT 1) near
     WHERE (p_point_ids IS NULL OR pt.id = ANY (p_point_ids))
       AND (p_bs_ids IS NULL OR bs.id = ANY (p_bs_ids))
       AND NOT EXISTS (SELECT 1 FROM point_areas pa WHERE pa.point_id = pt.id AND pa.boundary_set_id = bs.id)
       AND EXISTS (SELECT 1 FROM practice_register r JOIN extracts re ON re.id = r.extract_id
                    WHERE r.postcode_key = pt.postcode_key AND re.dataset = e.dataset AND r.nation = 'england')
       AND NOT EXISTS (SELECT 1 FROM practice_register r JOIN extracts re ON re.id = r.extract_id
                        WHERE r.postcode_key = pt.postcode_key AND re.dataset = e.dataset
                          AND r.nation IS DISTINCT FROM 'england')
       AND near.d <= analysis_nearest_area_tolerance_m();
$$;

-- A register loaded after its postcodes: its English practices' points outside a set get their nearest area.
CREATE FUNCTION analysis_nearest_on_register_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pts integer[];
BEGIN
    SELECT array_agg(DISTINCT pt.id) INTO pts
      FROM (SELECT DISTINCT postcode_key FROM new_rows) n
      JOIN postcode_points pt ON pt.postcode_key = n.postcode_key
      JOIN extracts e ON e.id = pt.extract_id
     WHERE EXISTS (SELECT 1 FROM boundary_sets b
                    WHERE b.dataset = e.dataset
                      AND NOT EXISTS (SELECT 1 FROM point_areas pa WHERE pa.point_id = pt.id AND pa.boundary_set_id = b.id))
        OR EXISTS (SELECT 1 FROM point_areas pa WHERE pa.point_id = pt.id AND pa.nearest_m IS NOT NULL);
    IF pts IS NOT NULL THEN
        PERFORM analysis_refresh_point_areas(pts, NULL);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER analysis_nearest_register_ins AFTER INSERT ON practice_register REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION analysis_nearest_on_register_insert();

-- Data loaded before this migration.
SELECT analysis_refresh_point_areas(
    ARRAY(SELECT pt.id FROM postcode_points pt
           WHERE EXISTS (SELECT 1 FROM boundary_sets b JOIN extracts e ON e.id = pt.extract_id AND e.dataset = b.dataset
                          WHERE NOT EXISTS (SELECT 1 FROM point_areas pa
                                             WHERE pa.point_id = pt.id AND pa.boundary_set_id = b.id))),
    NULL);

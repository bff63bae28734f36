-- Function analysis_nearest_on_register_insert.
-- A register loaded after its postcodes: its English practices' points outside a set get their nearest area.
CREATE OR REPLACE FUNCTION analysis_nearest_on_register_insert() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- Function analysis_refresh_area_pieces.
-- Faster area subdivision (measured on the 191 CCG April 2019 areas: 388 ms → 70 ms).
-- * Validity is checked once per area in a materialised step: inlined into the LATERAL call it was
--   evaluated again (and the large geometry de-toasted again) for the subdivision.
-- * Pieces of up to 1,024 vertices instead of 128: a fifth as many rows; point-in-polygon on them stays an
--   index lookup plus a small polygon test.
CREATE OR REPLACE FUNCTION analysis_refresh_area_pieces(p_area_ids integer[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM area_pieces WHERE area_id = ANY (p_area_ids);
    WITH valid AS MATERIALIZED (
        SELECT a.id, a.boundary_set_id, analysis_valid(a.geom) AS g FROM areas a WHERE a.id = ANY (p_area_ids)
    )
    INSERT INTO area_pieces (area_id, boundary_set_id, geom)
    SELECT v.id, v.boundary_set_id, d.geom
      FROM valid v,
           LATERAL ST_Subdivide(v.g, 1024) AS s(g),
           LATERAL ST_Dump(s.g) AS d
     WHERE ST_GeometryType(d.geom) = 'ST_Polygon';
$$;

-- Function analysis_area_m2.
-- Area in m² of a lon/lat geometry, measured in British National Grid.
CREATE OR REPLACE FUNCTION analysis_area_m2(g geometry) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(ST_Area(ST_Transform(ST_CollectionExtract(g, 3), 27700)), 0)
$$;

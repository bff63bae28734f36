-- Function analysis_refresh_area_geometry.
CREATE OR REPLACE FUNCTION analysis_refresh_area_geometry(p_area_ids integer[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM area_geometry WHERE area_id = ANY (p_area_ids);
    INSERT INTO area_geometry (area_id, area_m2)
    SELECT a.id, analysis_area_m2(analysis_valid(a.geom)) FROM areas a WHERE a.id = ANY (p_area_ids);
$$;

-- Function analysis_nearest_area_tolerance_m.
CREATE OR REPLACE FUNCTION analysis_nearest_area_tolerance_m() RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
    SELECT 10000.0::double precision
$$;

-- Function analysis_valid.
-- A geometry that is safe to feed to GEOS overlay functions.
CREATE OR REPLACE FUNCTION analysis_valid(g geometry) RETURNS geometry LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN g IS NULL OR ST_IsValid(g) THEN g ELSE ST_CollectionExtract(ST_MakeValid(g), 3) END
$$;

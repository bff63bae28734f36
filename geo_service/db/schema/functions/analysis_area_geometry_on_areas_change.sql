-- Function analysis_area_geometry_on_areas_change.
CREATE OR REPLACE FUNCTION analysis_area_geometry_on_areas_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(id) INTO ids FROM new_rows;
    ELSE
        SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.geom IS DISTINCT FROM o.geom;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM analysis_refresh_area_geometry(ids);
    END IF;
    RETURN NULL;
END $$;

-- Function analysis_on_points_insert.
CREATE OR REPLACE FUNCTION analysis_on_points_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analysis_refresh_point_areas(ARRAY(SELECT id FROM new_rows), NULL);
    PERFORM analysis_refresh_network_points(NULL, ARRAY(
        SELECT DISTINCT r.practice_id FROM new_rows n JOIN practice_register r ON r.postcode_key = n.postcode_key));
    RETURN NULL;
END $$;

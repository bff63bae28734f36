-- Function analysis_points_on_memberships_insert.
CREATE OR REPLACE FUNCTION analysis_points_on_memberships_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analysis_refresh_network_points(ARRAY(SELECT DISTINCT network_id FROM new_rows), NULL);
    RETURN NULL;
END $$;

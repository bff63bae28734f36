-- Function analysis_points_on_register_insert.
CREATE OR REPLACE FUNCTION analysis_points_on_register_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analysis_refresh_network_points(NULL, ARRAY(
        SELECT DISTINCT n.practice_id FROM new_rows n
         WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.practice_id = n.practice_id)));
    RETURN NULL;
END $$;

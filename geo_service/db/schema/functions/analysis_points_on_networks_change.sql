-- Function analysis_points_on_networks_change.
CREATE OR REPLACE FUNCTION analysis_points_on_networks_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM analysis_refresh_network_points(ARRAY(SELECT id FROM new_rows WHERE geom IS NOT NULL), NULL);
    ELSE
        PERFORM analysis_refresh_network_points(ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.geom IS DISTINCT FROM o.geom), NULL);
    END IF;
    RETURN NULL;
END $$;

-- Function analysis_points_on_memberships_change.
CREATE OR REPLACE FUNCTION analysis_points_on_memberships_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM analysis_refresh_network_points(ARRAY(
            SELECT DISTINCT o.network_id FROM old_rows o WHERE EXISTS (SELECT 1 FROM networks n WHERE n.id = o.network_id)),
            NULL);
    ELSE
        PERFORM analysis_refresh_network_points(ARRAY(
            SELECT n.network_id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE n.network_id <> o.network_id OR n.practice_id <> o.practice_id
            UNION
            SELECT o.network_id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE n.network_id <> o.network_id OR n.practice_id <> o.practice_id), NULL);
    END IF;
    RETURN NULL;
END $$;

-- Function analysis_on_points_update.
-- Facts are not normally edited, but a corrected point must not leave stale derived rows.
CREATE OR REPLACE FUNCTION analysis_on_points_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
BEGIN
    SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE NOT ST_Equals(n.geom, o.geom) OR n.postcode_key <> o.postcode_key;
    IF ids IS NOT NULL THEN
        PERFORM analysis_refresh_point_areas(ids, NULL);
        PERFORM analysis_refresh_network_points(
            ARRAY(SELECT DISTINCT d.network_id FROM network_point_distance d WHERE d.point_id = ANY (ids)
                  UNION
                  SELECT DISTINCT m.network_id FROM new_rows n
                    JOIN practice_register r ON r.postcode_key = n.postcode_key
                    JOIN memberships m ON m.practice_id = r.practice_id
                   WHERE n.id = ANY (ids)),
            NULL);
    END IF;
    RETURN NULL;
END $$;

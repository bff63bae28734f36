-- Function analysis_on_networks_change.
CREATE OR REPLACE FUNCTION analysis_on_networks_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
    gone integer[];
    scen integer[];
    touched integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(id), array_agg(DISTINCT scenario_id) INTO ids, scen FROM new_rows WHERE geom IS NOT NULL;
        SELECT array_agg(DISTINCT ap.area_id) INTO touched
          FROM new_rows n JOIN area_pieces ap ON ST_Intersects(ap.geom, n.geom) WHERE n.geom IS NOT NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(n.id), array_agg(DISTINCT n.scenario_id) INTO ids, scen
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.geom IS DISTINCT FROM o.geom OR n.scenario_id <> o.scenario_id;
        IF ids IS NULL THEN
            RETURN NULL;
        END IF;
        SELECT array_agg(DISTINCT ap.area_id) INTO touched FROM (
            SELECT geom FROM new_rows WHERE id = ANY (ids) AND geom IS NOT NULL
            UNION ALL SELECT geom FROM old_rows WHERE id = ANY (ids) AND geom IS NOT NULL) g
          JOIN area_pieces ap ON ST_Intersects(ap.geom, g.geom);
        -- networks whose polygon was removed: clear their derived rows
        SELECT array_agg(id) INTO gone FROM new_rows WHERE id = ANY (ids) AND geom IS NULL;
        IF gone IS NOT NULL THEN
            DELETE FROM network_geometry WHERE network_id = ANY (gone);
            DELETE FROM network_area_shares WHERE network_id = ANY (gone);
            DELETE FROM network_overlaps WHERE network_a = ANY (gone) OR network_b = ANY (gone);
        END IF;
        SELECT array_agg(id) INTO ids FROM new_rows WHERE id = ANY (ids) AND geom IS NOT NULL;
    ELSE
        SELECT array_agg(DISTINCT o.scenario_id) INTO scen
          FROM old_rows o WHERE o.geom IS NOT NULL AND EXISTS (SELECT 1 FROM scenarios s WHERE s.id = o.scenario_id);
        SELECT array_agg(DISTINCT ap.area_id) INTO touched
          FROM old_rows o JOIN area_pieces ap ON ST_Intersects(ap.geom, o.geom) WHERE o.geom IS NOT NULL;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM analysis_refresh_network_geometry(ids, NULL);
        PERFORM analysis_refresh_network_overlaps(ids);
    END IF;
    IF scen IS NOT NULL AND touched IS NOT NULL THEN
        PERFORM analysis_refresh_area_gaps(scen, touched);
    END IF;
    RETURN NULL;
END $$;

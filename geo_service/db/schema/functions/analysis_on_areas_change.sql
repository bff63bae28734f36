-- Function analysis_on_areas_change.
CREATE OR REPLACE FUNCTION analysis_on_areas_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids integer[];
    bs integer[];
    nets integer[];
    scen integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(id), array_agg(DISTINCT boundary_set_id) INTO ids, bs FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(n.id), array_agg(DISTINCT n.boundary_set_id) INTO ids, bs
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.geom IS DISTINCT FROM o.geom OR n.boundary_set_id <> o.boundary_set_id;
    ELSE
        SELECT array_agg(DISTINCT o.boundary_set_id) INTO bs
          FROM old_rows o WHERE EXISTS (SELECT 1 FROM boundary_sets b WHERE b.id = o.boundary_set_id);
        IF bs IS NOT NULL THEN
            -- Points that sat in a deleted area may sit in another (overlapping) one.
            PERFORM analysis_refresh_point_areas(
                ARRAY(SELECT pt.id FROM postcode_points pt WHERE NOT EXISTS (
                      SELECT 1 FROM point_areas pa WHERE pa.point_id = pt.id AND pa.boundary_set_id = ANY (bs))),
                bs);
            SELECT array_agg(DISTINCT scenario_id) INTO scen FROM networks WHERE geom IS NOT NULL;
            IF scen IS NOT NULL THEN
                PERFORM analysis_refresh_area_gaps(scen, ARRAY(SELECT id FROM areas WHERE boundary_set_id = ANY (bs)));
            END IF;
        END IF;
        RETURN NULL;
    END IF;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM analysis_refresh_area_pieces(ids);
    PERFORM analysis_refresh_point_areas(
        ARRAY(SELECT pt.id FROM postcode_points pt JOIN area_pieces ap ON ap.area_id = ANY (ids)
                                                  AND ST_Intersects(ap.geom, pt.geom)
              UNION
              SELECT pa.point_id FROM point_areas pa WHERE pa.area_id = ANY (ids)),
        bs);
    SELECT array_agg(DISTINCT n.id), array_agg(DISTINCT n.scenario_id) INTO nets, scen
      FROM networks n JOIN areas a ON a.id = ANY (ids) AND ST_Intersects(n.geom, a.geom)
     WHERE n.geom IS NOT NULL;
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM network_area_shares WHERE area_id = ANY (ids);
    END IF;
    IF nets IS NOT NULL THEN
        PERFORM analysis_refresh_network_geometry(nets, bs);
    END IF;
    SELECT array_agg(DISTINCT scenario_id) INTO scen FROM networks WHERE geom IS NOT NULL;
    IF scen IS NOT NULL THEN
        PERFORM analysis_refresh_area_gaps(scen, ARRAY(SELECT id FROM areas WHERE boundary_set_id = ANY (bs)));
    END IF;
    RETURN NULL;
END $$;

-- Function analysis_rebuild_all.
CREATE OR REPLACE FUNCTION analysis_rebuild_all() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analysis_refresh_area_pieces(ARRAY(SELECT id FROM areas));
    PERFORM analysis_refresh_area_geometry(ARRAY(SELECT id FROM areas));
    PERFORM analysis_refresh_point_areas(NULL, NULL);
    PERFORM analysis_refresh_network_geometry(ARRAY(SELECT id FROM networks WHERE geom IS NOT NULL), NULL);
    PERFORM analysis_refresh_network_overlaps(ARRAY(SELECT id FROM networks WHERE geom IS NOT NULL));
    PERFORM analysis_refresh_area_gaps(ARRAY(SELECT id FROM scenarios), NULL);
    PERFORM analysis_refresh_network_points(ARRAY(SELECT id FROM networks WHERE geom IS NOT NULL), NULL);
END $$;

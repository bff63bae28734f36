-- Function analysis_refresh_network_geometry.
-- Polygon area, area shares (against the given boundary sets, NULL = all) and overlaps of the given networks.
-- The shares of a polygon are measured once: a network whose polygon another network holds too takes that one's rows
-- (network_share_sources says which); England 2019/20 and 2021/22 attach the same polygon file, so in a database with
-- both, the second scenario's 1,246 shared polygons are no longer cut against every area piece again.
CREATE OR REPLACE FUNCTION analysis_refresh_network_geometry(p_network_ids integer[], p_bs_ids integer[])
RETURNS void LANGUAGE sql AS $$
    DELETE FROM network_geometry WHERE network_id = ANY (p_network_ids);
    INSERT INTO network_geometry (network_id, scenario_id, area_m2)
    SELECT n.id, n.scenario_id, analysis_area_m2(analysis_valid(n.geom))
      FROM networks n WHERE n.id = ANY (p_network_ids) AND n.geom IS NOT NULL;

    DELETE FROM network_area_shares
     WHERE network_id = ANY (p_network_ids) AND (p_bs_ids IS NULL OR boundary_set_id = ANY (p_bs_ids));
    -- the networks that measure their polygon's shares themselves
    WITH nv AS MATERIALIZED (
        SELECT n.id, analysis_valid(n.geom) AS g FROM networks n
         WHERE n.id IN (SELECT s.network_id FROM network_share_sources(p_network_ids) s
                         WHERE s.source_id = s.network_id)
    ), x AS (
        SELECT nv.id AS network_id, ap.area_id, ap.boundary_set_id,
               sum(CASE WHEN ST_Within(ap.geom, nv.g) THEN analysis_area_m2(ap.geom)
                        ELSE analysis_area_m2(ST_Intersection(nv.g, ap.geom)) END) AS m2
          FROM nv JOIN area_pieces ap ON ap.geom && nv.g AND ST_Intersects(ap.geom, nv.g)
         WHERE p_bs_ids IS NULL OR ap.boundary_set_id = ANY (p_bs_ids)
         GROUP BY nv.id, ap.area_id, ap.boundary_set_id
    )
    INSERT INTO network_area_shares (network_id, area_id, boundary_set_id, area_m2, share)
    SELECT x.network_id, x.area_id, x.boundary_set_id, x.m2,
           CASE WHEN ng.area_m2 > 0 THEN x.m2 / ng.area_m2 ELSE 0 END
      FROM x JOIN network_geometry ng ON ng.network_id = x.network_id
     WHERE x.m2 > 0;
    -- the others: the rows of the network with the same polygon
    INSERT INTO network_area_shares (network_id, area_id, boundary_set_id, area_m2, share)
    SELECT s.network_id, sh.area_id, sh.boundary_set_id, sh.area_m2, sh.share
      FROM network_share_sources(p_network_ids) s
      JOIN network_area_shares sh ON sh.network_id = s.source_id
     WHERE s.source_id <> s.network_id
       AND (p_bs_ids IS NULL OR sh.boundary_set_id = ANY (p_bs_ids));
$$;

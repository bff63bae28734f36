-- Function network_share_sources: for each network of ``p_network_ids`` with a polygon, the network whose area shares
-- it takes (analysis_refresh_network_geometry). A polygon's shares depend on the polygon and the areas' pieces only,
-- and the same polygon is often held by several networks (a bundle's polygon file attached to two scenarios, a copied
-- plan): such a network copies the rows of a network outside the list with the same polygon (whose shares are kept),
-- else of the lowest id in the list with the same polygon, which computes them (its source is itself).
CREATE OR REPLACE FUNCTION network_share_sources(p_network_ids integer[])
RETURNS TABLE (network_id integer, source_id integer) LANGUAGE sql STABLE AS $$
    WITH nv AS MATERIALIZED (
        SELECT n.id, n.geom, ST_AsEWKB(n.geom) AS bytes FROM networks n
         WHERE n.id IN (SELECT unnest(p_network_ids)) AND n.geom IS NOT NULL
    ), outside AS MATERIALIZED (
        SELECT DISTINCT ON (nv.id) nv.id, t.id AS source_id
          FROM nv JOIN networks t ON t.geom ~= nv.geom AND ST_AsEWKB(t.geom) = nv.bytes
         WHERE t.id NOT IN (SELECT unnest(p_network_ids))
         ORDER BY nv.id, t.id
    )
    SELECT o.id, o.source_id FROM outside o
    UNION ALL
    SELECT nv.id, min(nv.id) OVER (PARTITION BY nv.bytes) FROM nv WHERE nv.id NOT IN (SELECT o.id FROM outside o);
$$;

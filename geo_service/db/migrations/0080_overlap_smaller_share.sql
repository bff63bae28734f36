-- Issue 19, the summary's speed: an overlap is a finding only when it reaches ``overlap_min_share`` of the smaller
-- of the two polygons. The checks joined network_geometry twice per pair to find that share on every request
-- (+65 ms of a 90 ms summary on England). It is now kept with the pair, where the pair is measured: the share of
-- the smaller polygon the overlap covers, and an index on (scenario, share) holding what the count reads.
-- The refresh (its file under db/schema/functions) fills that column; network_geometry is refreshed before it by every caller
-- (0010, 0011, 0030), and a polygon's area changes only with its polygon, which refreshes its pairs.
ALTER TABLE network_overlaps ADD COLUMN smaller_share double precision;

UPDATE network_overlaps o
   SET smaller_share = o.overlap_m2 / nullif(least(ga.area_m2, gb.area_m2), 0)
  FROM network_geometry ga, network_geometry gb
 WHERE ga.network_id = o.network_a AND gb.network_id = o.network_b;

CREATE INDEX network_overlaps_scenario_share_idx
    ON network_overlaps (scenario_id, smaller_share) INCLUDE (network_a, network_b, overlap_m2);
-- The refresh that fills the column: geo_service/db/schema/functions/analysis_refresh_network_overlaps.sql.

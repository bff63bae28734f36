-- Issue 19, the summary's database CPU (phase 2): the geometry counts read the derived tables of every scenario.
-- With every bundle imported, area gaps were a sequential scan of every scenario's gap polygons (geometry in the
-- rows: 16.9k rows, 591 pages, for the 7k of one scenario) and catchment spill one of every network's area shares
-- of every boundary set. Indexes holding what the summary's counts read let them be read alone (index-only scans
-- once autovacuum has marked the pages visible): areas with gaps by scenario (the area and the gap's size), and
-- the area shares by boundary set and network with the share (the index it replaces had no share).
-- benchmarks/checks_cpu.py: the summary's database CPU on the test database holding the demo and three bundles,
-- copies of it with and without these indexes (both vacuumed), measured alternately: 39 → 35 ms (least of 5 × 10).
CREATE INDEX area_gaps_scenario_size_idx ON area_gaps (scenario_id, area_id) INCLUDE (gap_m2);

DROP INDEX network_area_shares_bs_idx;
CREATE INDEX network_area_shares_bs_idx ON network_area_shares (boundary_set_id, network_id) INCLUDE (share);

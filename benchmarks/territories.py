"""Benchmark derived network territories (issue 12) for all of England: compute and write times, counts, and the
overlap and coverage checks a user would run on the stored polygons.

    .venv/bin/python benchmarks/territories.py [--root ../shared/data/real] [--only-2019] [--keep]
    .venv/bin/python benchmarks/territories.py --database-url URL --scenario SLUG   # a database you own

Without ``--database-url`` a scratch database ``geo_bench_territories`` is made on the local cluster and the
England 2019/20 and 2021/22 bundles are imported into it (import times printed; ``--only-2019``: 2019/20
alone); it is dropped at the end unless ``--keep``. Deriving REPLACES the scenarios' network polygons, so never
point ``--database-url`` at a database whose polygons you want to keep.

Per scenario (ePCN December 2019 on CCG April 2019; ePCN April 2022 on its default boundary set) it times:

1. ``derive_territories`` (read members and areas, Voronoi per area, clip, wedges, dissolve, clean coverage,
   densify): the compute;
2. ``save_territories`` + commit (the UPDATE of every network's polygon, whose triggers refresh the rule
   engine's kept geometry): the write;
3. a baseline in the same run: one ``shapely.voronoi_polygons`` over all the scenario's member locations at
   once (no areas, no dissolve), the least any Voronoi-based territory costs;

then measures on the stored polygons, in EPSG:27700 (PostGIS): the largest pairwise intersection (target
< 1 m²), located members farther than 1 m from their network's polygon (target 0), invalid polygons.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo_service.config import PROJECT_ROOT  # noqa: E402
from geo_service.db.admin import create_database_if_missing, drop_database, with_database  # noqa: E402
from geo_service.db.migrate import migrate  # noqa: E402
from geo_service.db.pool import Database  # noqa: E402
from geo_service.db.repositories import territories as repo  # noqa: E402
from geo_service.devtools.cluster import LocalCluster  # noqa: E402
from geo_service.plans.territories import derive_territories, save_territories  # noqa: E402
from geo_service.scope import resolve_scope  # noqa: E402

BENCH_DB = "geo_bench_territories"
BUNDLES = {"england_2019-20.toml": "epcn-december-2019", "england_2021-22.toml": "epcn-april-2022"}

CHECKS = """
WITH t AS MATERIALIZED (
    SELECT n.id, ST_Transform(n.geom, 27700) AS g FROM networks n
     WHERE n.scenario_id = %(s)s AND n.geom IS NOT NULL),
members AS (
    SELECT sm.network_id, pt.geom FROM scenario_members sm
      JOIN scenario_practice_state sps ON sps.scenario_id = sm.scenario_id AND sps.practice_id = sm.practice_id
           AND sps.active_gp AND sps.in_nation
      JOIN postcode_points pt ON pt.id = sps.point_id
     WHERE sm.scenario_id = %(s)s)
SELECT (SELECT coalesce(max(ST_Area(ST_Intersection(a.g, b.g))), 0) FROM t a JOIN t b ON a.id < b.id AND a.g && b.g),
       (SELECT count(*) FROM t a JOIN t b ON a.id < b.id AND a.g && b.g),
       (SELECT count(*) FROM members m LEFT JOIN t ON t.id = m.network_id
         WHERE t.g IS NULL OR NOT ST_DWithin(t.g, ST_Transform(m.geom, 27700), 1.0)),
       (SELECT count(*) FROM members),
       (SELECT count(*) FROM t WHERE NOT ST_IsValid(t.g))"""


def _scratch_database(args) -> tuple[str, str, list[str]]:
    maintenance = with_database(LocalCluster(PROJECT_ROOT).database_url(), "postgres")
    drop_database(maintenance, BENCH_DB)
    create_database_if_missing(maintenance, BENCH_DB)
    url = with_database(maintenance, BENCH_DB)
    migrate(url)
    from geo_service.ingest.bundle import import_bundle

    db = Database(url, statement_timeout_ms=0)
    steps = ["england_2019-20.toml"] if args.only_2019 else list(BUNDLES)
    for step in steps:
        started = time.perf_counter()
        import_bundle(db, ROOT / "data" / "manifests" / step, root=args.root)
        print(f"imported {step} in {time.perf_counter() - started:.1f} s")
    db.close()
    return maintenance, url, [BUNDLES[s] for s in steps]


def _bench(url: str, slug: str) -> None:
    db = Database(url, statement_timeout_ms=0)
    try:
        with db.connection(statement_timeout_ms=0) as conn:
            scope = resolve_scope(conn, slug)
            started = time.perf_counter()
            result = derive_territories(conn, scope)
            compute = time.perf_counter() - started
            rows = repo.member_locations(conn, scope.values())
            points = shapely.MultiPoint(sorted({(r["x"], r["y"]) for r in rows if r["x"] is not None}))
            started = time.perf_counter()
            shapely.voronoi_polygons(points)
            baseline = time.perf_counter() - started
            started = time.perf_counter()
            written = save_territories(conn, scope, result)
        write = time.perf_counter() - started  # includes the commit
        with db.connection(statement_timeout_ms=0) as conn, conn.cursor() as cur:
            cur.execute(CHECKS, {"s": scope.scenario["id"]})
            overlap, pairs, uncovered, members, invalid = cur.fetchone()
    finally:
        db.close()
    s = result.summary()
    print(f"\n{scope.scenario['name']} ({slug}) on {scope.boundary_set['name']}")
    print(
        f"  {s['networks_with_territory']:,} networks got a territory, {written:,} written, {s['areas']:,} areas, "
        f"{len(points.geoms):,} distinct member locations, {s['shared_locations_split']:,} shared locations split"
    )
    print(
        f"  members without a location: {s['members_unlocated']:,}; outside every area: {s['members_outside_areas']:,};"
        f" networks cleared: {s['networks_cleared']:,}; locations off the coast of their area (cell extended over the"
        f" sea): {s['locations_outside_their_area']:,}; clean coverage: {s['coverage_valid']}"
    )
    print(f"  compute {compute:.2f} s   write {write:.2f} s   total {compute + write:.2f} s")
    print(f"  baseline (one Voronoi of all locations) {baseline:.3f} s; compute / baseline {compute / baseline:.1f}×")
    print(
        f"  stored polygons in EPSG:27700: largest pairwise intersection {overlap:.6f} m² over {pairs:,} "
        f"touching pairs (target < 1 m²); members > 1 m from their polygon {uncovered:,} of {members:,} located; "
        f"invalid {invalid:,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT.parent / "shared" / "data" / "real")
    parser.add_argument("--database-url")
    parser.add_argument("--scenario", action="append", help="scenario slug (with --database-url); repeatable")
    parser.add_argument("--only-2019", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    maintenance = None
    if args.database_url:
        url, slugs = args.database_url, args.scenario or ["epcn-december-2019"]
    else:
        maintenance, url, slugs = _scratch_database(args)
    try:
        for slug in slugs:
            _bench(url, slug)
    finally:
        if maintenance and not args.keep:
            drop_database(maintenance, BENCH_DB)


if __name__ == "__main__":
    main()

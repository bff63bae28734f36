"""Benchmark the rule engine: the full checks request for England 2019/20 over HTTP, warm, against a
geopandas baseline that computes the same results from data already in memory (sjoin + groupby).

Issue 19 goals, same run: a page of every finding (``?page=1&per_page=500``, the planner's list; the full
dump remains) computed no slower than the geopandas core tier; the summary computed in at most 30 ms; England's
orphans alone (``run_checks_in(rule_keys=["orphaned_practices"])``, a subset of the rules) in at most 300 ms.

    .venv/bin/python benchmarks/checks.py [--database-url URL] [--repeat 15] [--root ../shared/data/real]
                                          [--scenario epcn-december-2019] [--only-2019]
    .venv/bin/python benchmarks/checks.py --demo        # the synthetic demo instead of England

Without ``--database-url`` a scratch database ``geo_bench_analysis_all`` is created on the local cluster
(once; re-used by later runs) holding what a user really has: the demo and the 2019/20, 2020/21 and 2021/22
bundles (``--only-2019``: ``geo_bench_analysis_england`` with the 2019/20 bundle alone). The import time of
each bundle is printed. The app is served
by gunicorn (1 worker) on 127.0.0.1 in a subprocess and stopped at the end.

The checks requests are timed twice: computed on every request (``Cache-Control: no-cache`` bypasses the
API's response cache) and served from that cache (keyed on the data version).

The baseline has two tiers, both timed in the same run on the same data:

* ``core``: orphans, multiply assigned, administrative and member-location cross-boundary (a points-in-
  polygons ``sjoin``), size band, dominance, extended hours, data gaps: ``groupby`` work;
* ``+polygons``: adds what the polygon checks need (polygon area shares per area, pairwise overlaps,
  members outside their polygon, gaps), i.e. the geometry our triggers keep in tables.

Before timing, the baseline's result sets are compared with the engine's, so both compute the same thing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg2
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo_service.analysis import service  # noqa: E402
from geo_service.config import PROJECT_ROOT  # noqa: E402
from geo_service.db.admin import create_database_if_missing, with_database  # noqa: E402
from geo_service.db.migrate import migrate  # noqa: E402
from geo_service.db.pool import Database  # noqa: E402
from geo_service.devtools.cluster import LocalCluster  # noqa: E402

PER_PAGE = 500  # findings per page (the API's default)
BENCH_DB = "geo_bench_analysis_all"
ONLY_2019_DB = "geo_bench_analysis_england"
DEMO_DB = "geo_bench_analysis_demo"
ALL_STEPS = ["demo", "england_2019-20.toml", "england_2020-21.toml", "england_2021-22.toml"]
DEFAULTS = {
    "min": 30_000,
    "max": 50_000,
    "dominance": 0.5,
    "extended_hours": 1.0,
    "tolerance": 0.05,
    "overlap_min_share": 0.10,
}


# ---- set-up -------------------------------------------------------------------------------------


def _database(args) -> tuple[str, str, str]:
    """(url, scenario slug, boundary set slug), creating and loading the scratch database if needed."""
    if args.database_url:
        url = args.database_url
    else:
        port = int(os.environ.get("GEO_DB_PORT", "5544"))
        maintenance = with_database(LocalCluster(PROJECT_ROOT, port=port).database_url(), "postgres")
        name = DEMO_DB if args.demo else ONLY_2019_DB if args.only_2019 else BENCH_DB
        create_database_if_missing(maintenance, name)
        url = with_database(maintenance, name)
        migrate(url)
        conn = psycopg2.connect(url)
        with conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM scenarios")
            empty = cur.fetchone()[0] == 0
        conn.close()
        if empty:
            from geo_service.demo.load import load_demo
            from geo_service.ingest.bundle import import_bundle

            db = Database(url, statement_timeout_ms=0)
            steps = ["demo"] if args.demo else ["england_2019-20.toml"] if args.only_2019 else ALL_STEPS
            for step in steps:
                started = time.perf_counter()
                if step == "demo":
                    load_demo(db)
                else:
                    import_bundle(db, ROOT / "data" / "manifests" / step, root=args.root)
                print(f"loaded {step} in {time.perf_counter() - started:.1f} s")
            db.close()
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("ANALYZE")
    scenario = "demo-as-registered" if args.demo else args.scenario
    boundary_set = service.resolve_scope(conn, scenario).boundary_set["slug"]
    conn.close()
    return url, scenario, boundary_set


class Server:
    """gunicorn, one worker, on a free local port; stopped on exit."""

    def __init__(self, url: str) -> None:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": url, "GEO_TILES_URL": "none"}
        self.proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
             "--log-level", "warning", "geo_service.wsgi:app"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit("the server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _get(url: str, recompute: bool = False) -> bytes:
    headers = {"Cache-Control": "no-cache"} if recompute else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as resp:
        return resp.read()


def _median_ms(fn, repeat: int) -> tuple[float, list[float]]:
    fn()  # warm
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), times


# ---- the geopandas baseline ---------------------------------------------------------------------


def load_frames(url: str, scenario: str, boundary_set: str) -> dict:
    """Everything the baseline needs, read once into memory (not timed): the practices as the scenario's
    scope sees them (its register, list-size and postcode extracts), its memberships with their dates. Extended
    hours come from where the scope reads them, as the engine does: the register where it states them, else the
    scope's payments file (paid under the Extended Hours Access DES) when the scope reads hours from payments."""
    conn = psycopg2.connect(url)
    try:
        scope = service.resolve_scope(conn, scenario, boundary_set)
        values = scope.values()
        practices = gpd.read_postgis(
            """SELECT r.practice_id AS id, r.ods_code, r.commissioner_code, r.status, r.prescribing_setting,
                      r.nation, ls.list_size, ls.list_size_date,
                      coalesce(r.extended_hours, CASE WHEN %(hours_from_payments)s THEN pp.extended_hours_paid > 0 END)
                          AS extended_hours, pt.geom
                 FROM practice_register r
                 LEFT JOIN practice_payments pp ON pp.extract_id = %(payments_extract_id)s
                                               AND pp.practice_id = r.practice_id
                 LEFT JOIN practice_list_sizes ls ON ls.extract_id = %(list_size_extract_id)s
                                                 AND ls.practice_id = r.practice_id
                 LEFT JOIN postcode_points pt ON pt.extract_id = %(location_extract_id)s
                                             AND pt.postcode_key = r.postcode_key
                WHERE r.extract_id = %(register_extract_id)s""",
            conn,
            geom_col="geom",
            params=values,
        )
        memberships = pd.read_sql(
            "SELECT m.network_id, m.practice_id, m.start_date, m.end_date FROM memberships m"
            " WHERE m.scenario_id = %(scenario_id)s",
            conn,
            params=values,
        )
        networks = gpd.read_postgis(
            """SELECT n.id, n.code, n.lead_commissioner_code, n.geom_made_valid, n.geom FROM networks n
                WHERE n.scenario_id = %(scenario_id)s""",
            conn,
            geom_col="geom",
            params=values,
        )
        areas = gpd.read_postgis(
            """SELECT a.id, coalesce(a.ods_code, a.gss_code) AS code, a.geom FROM areas a
                WHERE a.boundary_set_id = %(bs_id)s""",
            conn,
            geom_col="geom",
            params=values,
        )
    finally:
        conn.close()
    # Projected copies (EPSG:27700) and valid polygons, prepared once like any in-memory analysis would.
    net_poly = networks[networks.geometry.notna()].copy()
    net_poly["geometry_bng"] = shapely.make_valid(net_poly.geometry.to_crs(27700).values)
    areas_bng = gpd.GeoDataFrame(
        areas[["id", "code"]], geometry=shapely.make_valid(areas.geometry.to_crs(27700).values), crs=27700
    )
    return {
        "as_of": pd.Timestamp(scope.as_of),
        "practices": practices,
        "memberships": memberships,
        "networks": networks,
        "areas": areas,
        "net_poly": gpd.GeoDataFrame(net_poly[["id", "code"]], geometry=net_poly["geometry_bng"], crs=27700),
        "areas_bng": areas_bng,
    }


def baseline_core(f: dict, p: dict = DEFAULTS) -> dict[str, set]:
    practices, networks, areas, as_of = f["practices"], f["networks"], f["areas"], f["as_of"]
    m = f["memberships"]
    start, end = pd.to_datetime(m["start_date"]), pd.to_datetime(m["end_date"])
    m = m[(start.isna() | (start <= as_of)) & (end.isna() | (end >= as_of))]
    gp_active = practices[
        (practices["status"] == "active") & (practices["prescribing_setting"] == 4) & (practices["nation"] == "england")
    ]
    orphans = set(gp_active.loc[~gp_active["id"].isin(m["practice_id"]), "ods_code"])
    per_practice = m.groupby("practice_id")["network_id"].nunique()
    multiply = set(practices.set_index("id").loc[per_practice.index[per_practice > 1], "ods_code"])

    mem = m.merge(practices.drop(columns="geom"), left_on="practice_id", right_on="id").merge(
        networks[["id", "code", "lead_commissioner_code"]].rename(columns={"id": "nid", "code": "network"}),
        left_on="network_id",
        right_on="nid",
    )
    comm = mem.groupby("network")["commissioner_code"].nunique()
    differs = mem[mem["commissioner_code"].notna() & (mem["commissioner_code"] != mem["lead_commissioner_code"])]
    admin = set(comm.index[comm > 1]) | set(differs["network"])

    located = practices[practices.geometry.notna()]
    joined = gpd.sjoin(located[["id", "geom"]], areas[["id", "geom"]].rename(columns={"id": "area_id"}), how="inner")
    area_of = joined.sort_values("area_id").drop_duplicates("id").set_index("id")["area_id"]
    mem["area_id"] = mem["practice_id"].map(area_of)
    n_areas = mem.dropna(subset=["area_id"]).groupby("network")["area_id"].nunique()
    member_location = set(n_areas.index[n_areas > 1])

    g = mem.groupby("network")
    counts = g.size().reindex(networks["code"], fill_value=0)
    empty = set(counts.index[counts == 0])
    population = g["list_size"].sum(min_count=0).fillna(0)
    population = population.reindex(counts.index[counts > 0], fill_value=0)
    undersized = set(population.index[population < p["min"]])
    oversized = set(population.index[population > p["max"]])
    largest = g["list_size"].max().reindex(population.index)
    share = largest / population.where(population > 0)
    dominated = set(share.index[share >= p["dominance"]])
    unknown = set(mem.loc[mem["list_size"].isna(), "network"])
    known_hours = mem[mem["extended_hours"].notna()]
    covered = known_hours[known_hours["extended_hours"].astype(bool)].groupby("network")["list_size"].sum()
    known = known_hours.groupby("network")["list_size"].sum()
    coverage = (covered.reindex(known.index, fill_value=0) / known.where(known > 0)).dropna()
    not_offering = set(mem.loc[mem["extended_hours"].eq(False), "network"])
    extended = set(coverage.index[coverage < p["extended_hours"]]) | (
        not_offering if p["extended_hours"] >= 1 else set()
    )

    relevant = practices[practices["id"].isin(gp_active["id"]) | practices["id"].isin(m["practice_id"])]
    stale_before = as_of - pd.Timedelta(days=548)
    return {
        "orphaned_practices": orphans,
        "multiply_assigned_practices": multiply,
        "cross_boundary_administrative": admin,
        "cross_boundary_member_location": member_location,
        "empty_networks": empty,
        "undersized_networks": undersized,
        "oversized_networks": oversized,
        "dominated_networks": dominated,
        "extended_hours_gaps": extended,
        "networks_with_unknown_list_sizes": unknown,
        "practices_without_location": set(relevant.loc[relevant.geometry.isna(), "ods_code"]),
        "practices_without_list_size": set(relevant.loc[relevant["list_size"].isna(), "ods_code"]),
        "practices_with_stale_list_size": set(
            relevant.loc[
                relevant["list_size"].notna() & (pd.to_datetime(relevant["list_size_date"]) < stale_before), "ods_code"
            ]
        ),
        "invalid_network_polygons": set(networks.loc[networks["geom_made_valid"] & networks.geometry.notna(), "code"]),
        "_memberships": mem,
    }


def baseline_polygons(f: dict, core: dict, p: dict = DEFAULTS) -> dict[str, set]:
    polys, areas = f["net_poly"], f["areas_bng"]
    net_area = polys.set_index("code").geometry.area
    pieces = gpd.overlay(polys, areas[["code", "geometry"]].rename(columns={"code": "area"}), how="intersection")
    pieces["m2"] = pieces.geometry.area
    main_share = pieces.groupby("code")["m2"].max() / net_area
    main_share = main_share.reindex(net_area.index, fill_value=0)
    spill = set(main_share.index[1 - main_share > p["tolerance"]])

    pairs = gpd.sjoin(polys, polys, predicate="intersects")
    pairs = pairs[pairs["id_left"] < pairs["id_right"]]
    left = polys.set_index("id").geometry
    inter = shapely.area(shapely.intersection(left.loc[pairs["id_left"]].values, left.loc[pairs["id_right"]].values))
    # Material overlaps only: at least overlap_min_share of the smaller polygon.
    smaller = np.minimum(
        shapely.area(left.loc[pairs["id_left"]].values), shapely.area(left.loc[pairs["id_right"]].values)
    )
    hit = pairs[(inter >= 1_000) & (inter >= p["overlap_min_share"] * smaller)]
    overlapping = set(hit["code_left"]) | set(hit["code_right"])

    mem = core["_memberships"]
    pts = f["practices"].set_index("id").geometry.to_crs(27700)
    mem = mem[mem["network"].isin(polys["code"])]
    mem = mem[mem["practice_id"].map(pts.notna()).fillna(False).astype(bool)]
    poly_of = polys.set_index("code").geometry
    dist = shapely.distance(pts.loc[mem["practice_id"]].values, poly_of.loc[mem["network"]].values)
    outside = set(mem.loc[dist > 10, "ods_code"])

    main_area = pieces.sort_values("m2", ascending=False).drop_duplicates("code")["area"].unique()
    cover = polys.geometry.union_all()
    gaps = set()
    for code in main_area:
        area = areas.loc[areas["code"] == code, "geometry"].iloc[0]
        parts = shapely.get_parts(shapely.difference(area, cover))
        if (shapely.area(parts) >= 1_000).any():
            gaps.add(code)
    return {
        "catchment_spill_networks": spill,
        "overlapping_networks": overlapping,
        "members_outside_network_polygon": outside,
        "areas_with_gaps": gaps,
    }


# ---- main -------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url")
    ap.add_argument("--root", default=str(ROOT.parent / "shared" / "data" / "real"))
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--demo", action="store_true", help="use the synthetic demo data instead of England")
    ap.add_argument("--only-2019", action="store_true", help="a database with the 2019/20 bundle alone")
    ap.add_argument("--scenario", default="epcn-december-2019")
    args = ap.parse_args()

    url, scenario, boundary_set = _database(args)
    print(f"scenario {scenario!r}, boundary set {boundary_set!r}")

    # The engine's answer, for the agreement check.
    conn = psycopg2.connect(url)
    engine = service.finding_sets(service.run_checks(conn, scenario, boundary_set))
    conn.close()

    frames = load_frames(url, scenario, boundary_set)
    core = baseline_core(frames)
    polygons = baseline_polygons(frames, core) if len(frames["net_poly"]) else {}
    baseline = {k: v for k, v in {**core, **polygons}.items() if not k.startswith("_")}
    disagreements = {k: (len(baseline[k] ^ engine[k])) for k in baseline if baseline[k] != engine[k]}
    print("agreement with the engine:", "all result sets equal" if not disagreements else disagreements)

    # The service, in this process (no HTTP): the summary, England's orphans alone (a subset of the rules, as
    # the findings browser asks), and a page of every finding.
    conn = psycopg2.connect(url)
    conn.autocommit = True
    scope = service.resolve_scope(conn, scenario, boundary_set)
    svc_summary, _ = _median_ms(lambda: service.run_checks_in(conn, scope, detail="summary"), args.repeat)
    svc_orphans, _ = _median_ms(
        lambda: service.run_checks_in(conn, scope, rule_keys=["orphaned_practices"]), args.repeat
    )
    svc_page, _ = _median_ms(lambda: service.run_checks_in(conn, scope, page=1, per_page=PER_PAGE), args.repeat)
    svc_full, _ = _median_ms(lambda: service.run_checks_in(conn, scope), args.repeat)
    conn.close()

    server = Server(url)
    try:
        full_url = f"{server.base}/api/v1/scenarios/{scenario}/checks?boundary_set={boundary_set}"
        page_url = full_url + f"&page=1&per_page={PER_PAGE}"
        size = len(_get(full_url))
        page_size = len(_get(page_url))
        # Computed on every request (the response cache bypassed), then served from the cache.
        http_page, _ = _median_ms(lambda: _get(page_url, recompute=True), args.repeat)
        http_full, _ = _median_ms(lambda: _get(full_url, recompute=True), args.repeat)
        http_summary, _ = _median_ms(lambda: _get(full_url + "&detail=summary", recompute=True), args.repeat)
        cached_full, _ = _median_ms(lambda: _get(full_url), args.repeat)
        cached_summary, _ = _median_ms(lambda: _get(full_url + "&detail=summary"), args.repeat)
    finally:
        server.stop()
    base_core, _ = _median_ms(lambda: baseline_core(frames), args.repeat)
    base_all = None
    if polygons:
        base_all, _ = _median_ms(lambda: baseline_polygons(frames, baseline_core(frames)), max(3, args.repeat // 5))

    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs; medians of {args.repeat}")
    print(f"service summary (counts only)   {svc_summary:8.1f} ms   goal <= 30 ms")
    print(f"service orphans alone (subset)  {svc_orphans:8.1f} ms   goal <= 300 ms")
    print(f"service page 1 of findings      {svc_page:8.1f} ms   ({PER_PAGE} per page, with the summary)")
    print(f"service every finding           {svc_full:8.1f} ms")
    print(f"HTTP page 1 of findings         {http_page:8.1f} ms   ({page_size / 1e6:.2f} MB JSON), computed each time")
    print(f"HTTP full checks request        {http_full:8.1f} ms   ({size / 1e6:.2f} MB JSON), computed each time")
    print(f"HTTP ?detail=summary            {http_summary:8.1f} ms   computed each time")
    print(f"HTTP full, from the cache       {cached_full:8.1f} ms   (same data version)")
    print(f"HTTP summary, from the cache    {cached_summary:8.1f} ms")
    print(f"geopandas baseline, core        {base_core:8.1f} ms   ratio baseline/ours = {base_core / http_full:.2f}×"
          f" (full dump), {base_core / http_page:.2f}× (HTTP page 1),"
          f" {base_core / svc_page:.2f}× (service page 1)")  # fmt: skip
    if base_all is not None:
        print(f"geopandas baseline, +polygons   {base_all:8.1f} ms   ratio baseline/ours = {base_all / http_full:.2f}×")
    print(json.dumps({"service_summary_ms": round(svc_summary, 1), "service_orphans_ms": round(svc_orphans, 1),
                      "service_page_ms": round(svc_page, 1), "service_full_ms": round(svc_full, 1),
                      "http_page_ms": round(http_page, 1),
                      "http_full_ms": round(http_full, 1), "http_summary_ms": round(http_summary, 1),
                      "cached_full_ms": round(cached_full, 1), "cached_summary_ms": round(cached_summary, 1),
                      "baseline_core_ms": round(base_core, 1),
                      "baseline_polygons_ms": round(base_all, 1) if base_all else None}))  # fmt: skip


if __name__ == "__main__":
    main()

"""Benchmark: suggested networks for all of England, 2019/20 and 2021/22 (issue 22). Run by hand.

    .venv/bin/python benchmarks/suggest.py                       # the configured database (both bundles loaded)
    .venv/bin/python benchmarks/suggest.py --build               # builds geo_bench_suggest from ../shared/data/real
    .venv/bin/python benchmarks/suggest.py --database-url URL

Per vintage, in one run on this machine: the suggestion (every commissioner area, the draft plan written and
rolled back) and the greedy baseline that splits and merges without optimising (the same repair loop with the
cost-aware choices, the shedding and the give-back switched off). Prints networks in band before → after (all
areas, and among the areas where the band can be met), patients moved as a share of England's registered
patients for both, their ratio (goal ≤ 1), the total time (goal ≤ 120 s) and one CCG as the editor's button
runs it (West Kent, goal ≤ 5 s).
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

from geo_service.cli.context import settings
from geo_service.config import PROJECT_ROOT
from geo_service.db.pool import Database
from geo_service.suggest import service

REAL = PROJECT_ROOT.parent / "shared" / "data" / "real"
VINTAGES = [
    ("England 2019/20", "epcn-december-2019", "ccg-april-2019", "england_2019-20.toml", "99J"),
    ("England 2021/22", "epcn-april-2022", "ccg-april-2021", "england_2021-22.toml", "91Q"),
]
BENCH_DB = "geo_bench_suggest"


def build(url: str) -> None:
    from geo_service.db.admin import create_database_if_missing, drop_database, with_database
    from geo_service.db.migrate import migrate
    from geo_service.ingest.bundle import import_bundle

    maintenance = with_database(url, "postgres")
    drop_database(maintenance, BENCH_DB)
    create_database_if_missing(maintenance, BENCH_DB)
    bench = with_database(url, BENCH_DB)
    migrate(bench)
    db = Database(bench, statement_timeout_ms=0)
    for _, _, _, manifest, _ in VINTAGES:
        import_bundle(db, PROJECT_ROOT / "data" / "manifests" / manifest, REAL)
    db.close()


def feasible_share(comp: service.Computation) -> tuple[int, int]:
    """(networks in band, networks) among the areas where the band can be met."""
    lo, hi = comp.band
    pops: dict[str, int] = defaultdict(int)
    for code, lab in comp.after.items():
        if lab is not None:
            pops[lab] += comp.practices[code].weight
    nets = {lab for r in comp.results if r.feasible for lab in r.labels.values()}
    return sum(lo <= pops[n] <= hi for n in nets), len(nets)


def run(db: Database, title: str, scenario: str, boundary_set: str, ccg: str) -> dict:
    req = service.Request(scenario, boundary_set, seed=0)
    with db.connection() as conn:
        t0 = time.perf_counter()
        comp = service.compute(conn, req)
        t_compute = time.perf_counter() - t0
        t1 = time.perf_counter()
        out = service.write_plan(conn, comp, req, None)
        t_total = time.perf_counter() - t0
        t_write = time.perf_counter() - t1
        conn.rollback()
        t0 = time.perf_counter()
        greedy = service.compute(conn, req, optimise=False)
        t_greedy = time.perf_counter() - t0
        greedy_card = service.report(greedy)["scorecard"]
        one = service.Request(scenario, boundary_set, area=ccg, seed=0)
        t0 = time.perf_counter()
        one_out = service.suggest(conn, one, None)
        t_one = time.perf_counter() - t0
        conn.rollback()
    card = out["scorecard"]
    in_band, nets = feasible_share(comp)
    g_in_band, g_nets = feasible_share(greedy)
    b, a = card["before"], card["after"]
    print(f"\n== {title}: {scenario} on {boundary_set} ({card['areas']} areas, {card['practices']:,} practices)")
    print(f"networks in band, all areas:        {b['in_band']:,}/{b['networks']:,} ({b['in_band'] / b['networks']:.1%})"
          f" -> {a['in_band']:,}/{a['networks']:,} ({a['in_band'] / a['networks']:.1%})")  # fmt: skip
    print(f"networks in band, feasible areas:   {in_band:,}/{nets:,} ({in_band / nets:.1%})   [goal >= 95%]"
          f"   greedy baseline {g_in_band:,}/{g_nets:,} ({g_in_band / g_nets:.1%})")  # fmt: skip
    print(
        f"areas where the band cannot be met: {len(card['areas_infeasible'])} ({', '.join(card['areas_infeasible'])})"
    )
    print(f"patients moved:                     {card['patients_moved']:,} of {card['patients']:,} "
          f"({card['patients_moved_share']:.2%})")  # fmt: skip
    print(f"greedy baseline moved:              {greedy_card['patients_moved']:,} "
          f"({greedy_card['patients_moved_share']:.2%})")  # fmt: skip
    ratio = card["patients_moved"] / greedy_card["patients_moved"] if greedy_card["patients_moved"] else float("nan")
    print(f"moved, suggestion / baseline:       {ratio:.3f}   [goal <= 1]")
    print(f"practices moved / networks touched: {card['practices_moved']:,} / {card['networks_touched']:,}")
    print(f"dominated {b['dominated']} -> {a['dominated']}; crossing areas {b['crossing_areas']} -> "
          f"{a['crossing_areas']}; not contiguous {b['not_contiguous']} -> {a['not_contiguous']}")  # fmt: skip
    print(f"time, all of England:               {t_total:.1f} s (compute {t_compute:.1f} s, write plan {t_write:.1f} s)"
          f"   [goal <= 120 s]   greedy compute {t_greedy:.1f} s (ratio {t_compute / t_greedy:.2f})")  # fmt: skip
    one_after = one_out["scorecard"]["after"]
    print(f"time, one CCG ({ccg}) as the editor: {t_one:.2f} s   [goal <= 5 s]   "
          f"{one_after['in_band']}/{one_after['networks']} in band")  # fmt: skip
    return {"title": title, "seconds": t_total, "one_ccg": t_one, "ratio": ratio, "share": in_band / nets}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--build", action="store_true", help=f"build {BENCH_DB} from the real data first")
    args = parser.parse_args()
    url = args.database_url or settings().database_url
    if args.build:
        from geo_service.db.admin import with_database

        build(url)
        url = with_database(url, BENCH_DB)
    db = Database(url, statement_timeout_ms=0)
    try:
        for title, scenario, bs, _, ccg in VINTAGES:
            run(db, title, scenario, bs, ccg)
    finally:
        db.close()


if __name__ == "__main__":
    main()

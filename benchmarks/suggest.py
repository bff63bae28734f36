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

Every time is given as wall seconds and as CPU seconds: this process's (user + system, ``getrusage``) and the
database backend's that served it (user + system from ``/proc/<pid>/stat`` of ``pg_backend_pid()``, so only
when the database runs on this machine). On a shared machine the wall time counts the other sessions too; the
CPU time and the ratio to the greedy baseline measured in the same run do not. The job queue's own work (a
progress row per area) is measured on a second connection.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from collections import defaultdict
from dataclasses import dataclass

from geo_service.cli.context import settings
from geo_service.config import PROJECT_ROOT
from geo_service.db.pool import Database
from geo_service.db.repositories import suggest as suggest_repo
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


def backend_pid(conn) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def backend_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a database backend process (None: not on this machine)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


@dataclass
class Clock:
    """Wall, process CPU and backend CPU seconds of one step."""

    wall: float = 0.0
    cpu: float = 0.0
    db: float | None = 0.0

    @property
    def total_cpu(self) -> float:
        return self.cpu + (self.db or 0.0)

    def __str__(self) -> str:
        db = f"{self.db:.2f}" if self.db is not None else "n/a"
        return f"wall {self.wall:6.2f} s, CPU {self.total_cpu:6.2f} s (process {self.cpu:.2f} + database {db})"


class Stopwatch:
    def __init__(self, pid: int) -> None:
        self.pid = pid

    def __enter__(self) -> Clock:
        self.clock = Clock()
        self._w, self._c, self._d = time.perf_counter(), process_cpu(), backend_cpu(self.pid)
        return self.clock

    def __exit__(self, *exc) -> None:
        d = backend_cpu(self.pid)
        self.clock.wall = time.perf_counter() - self._w
        self.clock.cpu = process_cpu() - self._c
        self.clock.db = d - self._d if d is not None and self._d is not None else None


def run(db: Database, title: str, scenario: str, boundary_set: str, ccg: str) -> dict:
    req = service.Request(scenario, boundary_set, seed=0)
    with db.connection() as conn, db.connection() as jconn:
        watch = Stopwatch(backend_pid(conn))
        # What the job queue adds: one progress row per area, written on a connection of its own (as jobs.run
        # does); rolled back with the rest.
        job_id = suggest_repo.insert_job(jconn, None, {"scenario": scenario, "boundary_set": boundary_set}, 0)
        job_watch = Stopwatch(backend_pid(jconn))
        job_clock = Clock()

        def progress(i: int, n: int, code: str) -> None:
            with job_watch as c:
                suggest_repo.job_progress(jconn, job_id, i, n, f"area {code} ({i + 1} of {n})")
            job_clock.wall += c.wall
            job_clock.cpu += c.cpu
            job_clock.db = (job_clock.db or 0.0) + (c.db or 0.0)

        with watch as t_compute:
            comp = service.compute(conn, req, progress=progress)
        with watch as t_write:
            out = service.write_plan(conn, comp, req, None)
        conn.rollback()
        jconn.rollback()
        with watch as t_greedy:
            greedy = service.compute(conn, req, optimise=False)
        greedy_card = service.report(greedy)["scorecard"]
        one = service.Request(scenario, boundary_set, area=ccg, seed=0)
        with watch as t_one:
            one_out = service.suggest(conn, one, None)
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
    total = Clock(t_compute.wall + t_write.wall, t_compute.cpu + t_write.cpu,
                  None if t_compute.db is None or t_write.db is None else t_compute.db + t_write.db)  # fmt: skip
    print(f"all of England, compute:            {t_compute}")
    print(f"  of which the job's progress rows: {job_clock}")
    print(f"all of England, write the plan:     {t_write}")
    print(f"all of England, total:              {total}   [goal <= 120 s]")
    print(f"greedy baseline compute:            {t_greedy}")
    print(f"compute / greedy baseline:          wall {t_compute.wall / t_greedy.wall:.2f}, "
          f"CPU {t_compute.total_cpu / t_greedy.total_cpu:.2f}")  # fmt: skip
    one_after = one_out["scorecard"]["after"]
    print(f"one CCG ({ccg}) as the editor:       {t_one}   [goal <= 5 s]   "
          f"{one_after['in_band']}/{one_after['networks']} in band")  # fmt: skip
    return {"title": title, "seconds": total.wall, "cpu": total.total_cpu, "one_ccg": t_one.wall,
            "one_ccg_cpu": t_one.total_cpu, "ratio": ratio, "share": in_band / nets}  # fmt: skip


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

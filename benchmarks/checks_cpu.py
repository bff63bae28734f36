"""Database CPU time per checks summary call, and where it goes (issue 19: "summary computed in at most 30 ms").

Wall-clock time on the shared 2-CPU machine is inflated several times by other sessions (the load average is
often 10 or more); the CPU time the database server process spends on a call is much less sensitive to that. This
script reads the server backend's own CPU time (``utime + stime`` of ``/proc/<pid>/stat``, so the database must
run on this machine, as the local cluster does) around ``--calls`` calls, divides, and keeps the least of
``--rounds`` rounds:

1. ``run_checks_in(detail="summary")`` with every rule (what ``benchmarks/checks.py`` times as "service summary"),
   then the summary statement alone with and without the kept per-network facts and nearest-member distances
   (migration 0130), their counts compared;
2. the shared base statement alone (no rule: the scope counts over practice state, networks, members and
   population), then each rule's summary alone, printed as its cost over the base;
3. the shared CTEs one at a time (``count(*)`` of each, so each is computed once and nothing else);
4. with ``--what-if-kept``: the same summary statement reading temporary tables that hold what the shared CTEs
   give (practice state, networks, members with their extended hours, per-network population) and each member's
   distance to the nearest other located member of its network, as tables kept by triggers would. The counts are
   printed beside today's, which must be equal. An estimate of what keeping them would save, nothing more: the
   temporary tables live in the session and nothing in the database changes;
5. with ``--leave-one-out``: the summary statement over the kept facts with every rule's counted query, then
   without each one (and without the groups reading the kept members' keys, and geometry), measured alternately
   with the whole statement so that both see the same load: what each costs inside the whole;
6. with ``--refresh-cost``: database CPU of a full rebuild of the scenario's kept state and of the kept network
   facts' part of it (migration 0130), in transactions rolled back: what keeping the facts adds to imports and
   bulk edits.

    .venv/bin/python benchmarks/checks_cpu.py [--database-url URL] [--scenario epcn-december-2019]
                                              [--boundary-set ccg-april-2019] [--calls 20] [--rounds 3]
                                              [--what-if-kept] [--leave-one-out] [--refresh-cost]

Without ``--database-url`` it reads ``geo_bench_analysis_all`` on the local cluster (made by
``benchmarks/checks.py``). The clock tick is 10 ms, so figures are good to about ``10 / calls`` ms.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo_service.analysis import rules, service  # noqa: E402
from geo_service.config import PROJECT_ROOT  # noqa: E402
from geo_service.db.admin import with_database  # noqa: E402
from geo_service.db.repositories import analysis_checks  # noqa: E402
from geo_service.devtools.cluster import LocalCluster  # noqa: E402

BENCH_DB = "geo_bench_analysis_all"
SHARED_CTES = ("ps", "scoped", "members", "population")


class BackendClock:
    """CPU milliseconds the connection's server process has used so far."""

    def __init__(self, conn) -> None:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            self.stat = Path(f"/proc/{cur.fetchone()[0]}/stat")
        if not self.stat.exists():
            raise SystemExit("the database server is not on this machine: its CPU time cannot be read")
        self.tick_ms = 1000 / os.sysconf("SC_CLK_TCK")

    def ms(self) -> float:
        fields = self.stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * self.tick_ms


def per_call(clock: BackendClock, fn, calls: int, rounds: int) -> tuple[float, float]:
    """(least database CPU ms per call over the rounds, least wall ms per call), after one warm call."""
    fn()
    cpu, wall = [], []
    for _ in range(rounds):
        c, t = clock.ms(), time.perf_counter()
        for _ in range(calls):
            fn()
        cpu.append((clock.ms() - c) / calls)
        wall.append((time.perf_counter() - t) * 1000 / calls)
    return min(cpu), min(wall)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url")
    ap.add_argument("--scenario", default="epcn-december-2019")
    ap.add_argument("--boundary-set", default="ccg-april-2019")
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--what-if-kept", action="store_true", help="also time the summary over kept tables (estimate)")
    ap.add_argument(
        "--leave-one-out", action="store_true", help="also time the summary statement without each counted query"
    )
    ap.add_argument(
        "--refresh-cost",
        action="store_true",
        help="also time a full rebuild of the scenario's kept state, and the kept network facts' part of it "
        "(in a transaction rolled back)",
    )
    args = ap.parse_args()
    url = args.database_url
    if url is None:
        port = int(os.environ.get("GEO_DB_PORT", "5544"))
        url = with_database(LocalCluster(PROJECT_ROOT, port=port).database_url(), BENCH_DB)

    conn = psycopg2.connect(url)
    conn.autocommit = True
    clock = BackendClock(conn)
    scope = service.resolve_scope(conn, args.scenario, args.boundary_set)
    values = service.check_values(scope)[0]

    def line(label: str, cpu: float, wall: float, extra: str = "") -> None:
        print(f"{label:44s} database CPU {cpu:7.1f} ms/call   wall {wall:7.1f} ms/call{extra}")

    cpu_all, wall_all = per_call(
        clock, lambda: service.run_checks_in(conn, scope, detail="summary"), args.calls, args.rounds
    )
    line("summary, every rule", cpu_all, wall_all, "   goal <= 30 ms")
    # The same statement with the kept per-network facts and nearest-member distances not read (migration 0130):
    # what the summary computed before they were kept, measured in the same run.
    kept = analysis_checks.kept_state(conn, values)
    run_rules = tuple(r for r in rules.RULES if r.key not in (scope.not_judged or {}))
    print(f"kept state built for this scope: {kept[0]}; kept network facts apply: {kept[1]}")
    if kept[1]:
        live_queries, kept_queries = rules.summary_queries(run_rules), rules.summary_queries(run_rules, kept=True)
        same = analysis_checks.summary_counts(conn, values, live_queries, kept=(True, False)) == (
            analysis_checks.summary_counts(conn, values, kept_queries, kept=kept)
        )
        print("summary counts over the kept facts equal those computed live:", same)
        cpu_live, wall_live = per_call(
            clock,
            lambda: analysis_checks.summary_counts(conn, values, live_queries, kept=(True, False)),
            args.calls,
            args.rounds,
        )
        line("summary statement, kept facts not read", cpu_live, wall_live, "   (as before migration 0130)")
        cpu_kept, wall_kept = per_call(
            clock,
            lambda: analysis_checks.summary_counts(conn, values, kept_queries, kept=kept),
            args.calls,
            args.rounds,
        )
        line("summary statement, kept facts read", cpu_kept, wall_kept, f"   ratio {cpu_kept / cpu_live:.2f}")
    cpu_base, wall_base = per_call(
        clock, lambda: service.run_checks_in(conn, scope, detail="summary", rule_keys=[]), args.calls, args.rounds
    )
    line("base statement (scope counts, no rule)", cpu_base, wall_base)
    for rule in rules.RULES:
        cpu, wall = per_call(
            clock,
            lambda rule=rule: service.run_checks_in(conn, scope, detail="summary", rule_keys=[rule.key]),
            args.calls,
            args.rounds,
        )
        line(f"  + {rule.key}", cpu - cpu_base, wall - wall_base, "   (over the base)")

    ctes = analysis_checks._ctes(conn, values)  # the shared CTEs exactly as the summary statement has them
    for name in SHARED_CTES:
        query = sql.SQL("SET LOCAL jit = off; WITH {ctes} SELECT count(*) FROM {name}").format(
            ctes=ctes, name=sql.Identifier(name)
        )

        def run(query=query) -> None:
            with conn.cursor() as cur:
                cur.execute(query, values)
                cur.fetchall()

        cpu, wall = per_call(clock, run, args.calls, args.rounds)
        line(f"shared CTE {name} (and what it reads)", cpu, wall)
    if args.what_if_kept:
        what_if_kept(conn, clock, values, ctes, args.calls, args.rounds)
    if args.leave_one_out:
        leave_one_out(conn, clock, values, run_rules, args.calls, args.rounds)
    if args.refresh_cost:
        refresh_cost(url, int(values["scenario_id"]), args.rounds)
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs; "
          f"least of {args.rounds} rounds of {args.calls} calls each")  # fmt: skip
    conn.close()


# Counted queries reading the members' keys (``member_keys``), and geometry's: each group is also left out whole.
MEMBER_KEY_QUERIES = (
    "orphaned_count",
    "multiply_assigned_count",
    "cross_boundary_administrative_count",
    "cross_boundary_member_location_count",
    "members_outside_count",
    "data_gaps",
)
GEOMETRY_QUERIES = (
    "invalid_polygons",
    "members_outside_count",
    "area_gaps_count",
    "catchment_spill_count",
    "overlap_pairs",
)


def leave_one_out(conn, clock: BackendClock, values: dict, run_rules, calls: int, rounds: int) -> None:
    """Database CPU of the summary statement (the kept facts where they apply) without each counted query, and
    without the groups above, each measured alternately with the whole statement (``rounds`` pairs of ``calls``
    calls, least of each): what leaving it out saves inside the whole statement."""
    kept = analysis_checks.kept_state(conn, values)
    counted = {}
    for r in run_rules:
        sources = {**r.queries, **r.count_queries, **(r.kept_count_queries if kept[1] else {})}
        counted.update({name: (sources[name], agg) for name, agg in r.summary.items()})

    def statement(names):
        queries = [q for name, q in counted.items() if name in names]
        return lambda: analysis_checks.summary_counts(conn, values, queries, kept=kept)

    whole = statement(set(counted))
    groups = {"(members' keys' readers)": MEMBER_KEY_QUERIES, "(geometry)": GEOMETRY_QUERIES}
    groups["(every rule)"] = tuple(counted)
    groups.update({name: (name,) for name in counted})
    for label, names in groups.items():
        without = statement(set(counted) - set(names))
        a, b = [], []
        for _ in range(rounds):
            a.append(per_call(clock, whole, calls, 1)[0])
            b.append(per_call(clock, without, calls, 1)[0])
        print(f"{'  without ' + label:44s} database CPU {min(b):7.1f} ms/call   whole {min(a):7.1f}   "
              f"saves {min(a) - min(b):5.1f} ms")  # fmt: skip


def refresh_cost(url: str, scenario_id: int, rounds: int) -> None:
    """What keeping the network facts adds to maintaining the kept state: database CPU of a full rebuild of the
    scenario's kept state (``refresh_scenario_state``, which imports and bulk edits run) and of its network-facts
    part alone (``refresh_scenario_network_facts``), least of ``rounds``, each in a transaction rolled back."""
    conn = psycopg2.connect(url)
    clock = BackendClock(conn)
    out = {}
    for label, call in (
        ("whole", "SELECT refresh_scenario_state(ARRAY[%s])"),
        ("facts", "SELECT refresh_scenario_network_facts(ARRAY[%s])"),
    ):
        spent = []
        for _ in range(rounds):
            with conn.cursor() as cur:
                c = clock.ms()
                cur.execute(call, (scenario_id,))
                spent.append(clock.ms() - c)
            conn.rollback()
        out[label] = min(spent)
    conn.close()
    print(f"{'full rebuild of the kept state':44s} database CPU {out['whole']:7.1f} ms")
    print(f"{'  of which the kept network facts':44s} database CPU {out['facts']:7.1f} ms"
          f"   ({100 * out['facts'] / max(out['whole'], 1e-9):.0f} %)")  # fmt: skip


def what_if_kept(conn, clock: BackendClock, values: dict, ctes, calls: int, rounds: int) -> None:
    """The summary statement over temporary tables standing for kept members, population and nearest-member
    distances (see the module's docstring, point 4)."""
    with conn.cursor() as cur:
        for name in SHARED_CTES:
            cur.execute(
                sql.SQL("CREATE TEMP TABLE {t} AS WITH {ctes} SELECT * FROM {n}").format(
                    t=sql.Identifier("kept_" + name), ctes=ctes, n=sql.Identifier(name)
                ),
                values,
            )
        # Each member's distance to the nearest other located member of its network (geodesic, as the rule).
        cur.execute(
            """CREATE TEMP TABLE kept_nearest AS
               SELECT a.ods_code, a.network_code,
                      (SELECT min(ST_Distance(pa.geom::geography, pb.geom::geography))
                         FROM kept_members b JOIN postcode_points pb ON pb.id = b.point_id
                        WHERE b.network_id = a.network_id AND b.practice_id <> a.practice_id) AS nearest_m
                 FROM kept_members a JOIN postcode_points pa ON pa.id = a.point_id"""
        )
        for name in (*SHARED_CTES, "nearest"):
            cur.execute(sql.SQL("ANALYZE {t}").format(t=sql.Identifier("kept_" + name)))
    kept = sql.SQL(", ").join(
        sql.SQL("{n} AS (SELECT * FROM {t})").format(n=sql.Identifier(n), t=sql.Identifier("kept_" + n))
        for n in SHARED_CTES
    )
    outlying = rules.BY_KEY["outlying_members"]
    queries = rules.summary_queries(tuple(r for r in rules.RULES if r is not outlying))
    queries.append(
        (
            "SELECT ods_code AS code, network_code FROM kept_nearest WHERE nearest_m > %(outlier_km)s * 1000",
            outlying.summary["outlying_count"],
        )
    )
    parts = sql.SQL(", ").join(analysis_checks._summary_parts(queries))
    query = sql.SQL("SET LOCAL jit = off; WITH {kept} SELECT json_build_array({parts})::text").format(
        kept=kept, parts=parts
    )

    def run() -> dict:
        with conn.cursor() as cur:
            cur.execute(query, values)
            merged: dict = {}
            for part in json.loads(cur.fetchone()[0]):
                merged.update(part)
            return merged

    today = analysis_checks.summary_counts(conn, values, rules.summary_queries())
    print("counts over kept tables equal today's:", run() == today)
    cpu, wall = per_call(clock, run, calls, rounds)
    print(f"{'summary statement over kept tables':44s} database CPU {cpu:7.1f} ms/call   wall {wall:7.1f} ms/call"
          "   (estimate; the kept-state check and the version look-up come on top)")  # fmt: skip


if __name__ == "__main__":
    main()

"""What a first test run spends building its database templates (issue 23), per template, in CPU as well as wall
time, so that a loaded machine still gives a figure to compare.

    GEO_DB_PORT=5544 .venv/bin/python benchmarks/template_builds.py [--direct] [--keep]

Builds, under the prefix ``geo_bench_tpl`` (never the suite's own templates), what the test fixtures build: the
migrated and demo templates, England 2019/20, 2020/21 and 2021/22 alone, and the two databases holding the demo and
every bundle (old → new from the demo template, new → old from the 2021/22 one: ``tests/fixtures_real.py``). With
``--direct`` it also builds the two combined databases the way the suite did before, each from the migrated
template, as the baseline of the same run, and checks that both ways give the same rows: a checksum of every
table's rows, without timestamps and transaction ids (when and in which transaction a row was written), floats
to float4 precision and geometries snapped to 1e-7 degrees (derived overlaps, gaps and shares are computed in
another order and differ in their last bits).

For each template it prints wall seconds, this process's CPU (the importers' Python) and the database's CPU (the
backends': the postmaster's reaped children's utime + stime, so nothing else may use the cluster meanwhile).
Everything it made is dropped at the end unless ``--keep``. ``--only KIND…`` builds fewer real-data templates (the
migrated and demo ones are always built), for a shorter run on a busy machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg2  # noqa: E402
from psycopg2 import sql  # noqa: E402

from geo_service.config import PROJECT_ROOT  # noqa: E402
from geo_service.db.admin import with_database  # noqa: E402
from geo_service.devtools.cluster import LocalCluster  # noqa: E402
from tests import db_templates  # noqa: E402
from tests.fixtures_real import ALL_BUNDLES, real_template  # noqa: E402

PREFIX = "geo_bench_tpl"
REAL_DATA = PROJECT_ROOT.parent / "shared" / "data" / "real"


def _backend_cpu(cluster: LocalCluster | None) -> float:
    """CPU seconds of the cluster's ended backends (the postmaster's reaped children), 0 on a remote server."""
    pid = cluster.postmaster_pid() if cluster else None
    if not pid:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime, cstime


def _own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _text(column: str, kind: str) -> sql.Composable:
    ident = sql.Identifier(column)
    if kind in ("float8", "float4"):
        return sql.SQL("{}::float4::text").format(ident)
    if kind == "geometry":
        return sql.SQL("md5(ST_AsBinary(ST_SnapToGrid({}, 1e-7)))").format(ident)
    return sql.SQL("{}::text").format(ident)


def table_checksums(url: str) -> dict[str, str]:
    """md5 of each public table's rows, sorted, as the module's docstring says."""
    conn = psycopg2.connect(url)
    out = {}
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT c.relname, array_agg(a.attname || ' ' || t.typname ORDER BY a.attnum)"
                " FILTER (WHERE t.typname NOT IN ('timestamptz', 'timestamp') AND a.attname <> 'last_txid')"
                " FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'"
                " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
                " JOIN pg_type t ON t.oid = a.atttypid"
                " WHERE c.relkind IN ('r', 'p') GROUP BY c.relname ORDER BY c.relname"
            )
            for table, columns in cur.fetchall():
                if not columns:
                    continue
                statement = sql.SQL(
                    "SELECT md5(string_agg(r, E'\\n' ORDER BY r)) FROM (SELECT concat_ws('|', {}) AS r FROM {}) s"
                ).format(
                    sql.SQL(", ").join(_text(*c.split(" ", 1)) for c in columns),
                    sql.Identifier(table),
                )
                cur.execute(statement)
                out[table] = cur.fetchone()[0]
    finally:
        conn.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--direct", action="store_true", help="also build the combined ones from the migrated one")
    parser.add_argument("--keep", action="store_true", help="keep the templates (they are dropped by default)")
    parser.add_argument("--compare", nargs=2, metavar="DATABASE", help="only compare the rows of two databases")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="KIND",
        choices=("england_2019", "england_2020", "england_2022", "all_old_new", "all_new_old"),
        help="build only these real-data templates (and what they start from): a shorter run on a busy machine",
    )
    args = parser.parse_args()
    url = os.environ.get("TEST_DATABASE_URL")
    cluster = None if url else LocalCluster(PROJECT_ROOT, port=int(os.environ.get("GEO_DB_PORT", 5544)))
    maintenance = with_database(url or cluster.database_url(), "postgres")
    if args.compare:
        a, b = (table_checksums(with_database(maintenance, name)) for name in args.compare)
        differ = sorted(t for t in a.keys() | b.keys() if a.get(t) != b.get(t))
        print(f"{len(a)} tables compared, same rows: {not differ}" + (f" (differ: {differ})" if differ else ""))
        return
    db_templates.drop_all(maintenance, PREFIX)
    templates = db_templates.Templates(maintenance, PREFIX)
    rows: list[tuple[str, float, float, float]] = []

    def timed(label: str, make):
        wall, own, backend = time.perf_counter(), _own_cpu(), _backend_cpu(cluster)
        name = make()
        rows.append((label, time.perf_counter() - wall, _own_cpu() - own, _backend_cpu(cluster) - backend))
        print(f"{label:<34} {rows[-1][1]:7.1f} s wall {rows[-1][2]:7.1f} s python {rows[-1][3]:7.1f} s db", flush=True)
        return name

    from tests.conftest import migrate

    migrated = timed("migrated", lambda: templates.template("migrated", db_templates.migrated_key(), migrate))

    def load_demo(u: str) -> None:
        from tests.fixtures_real import _load

        _load(u, ["demo"], REAL_DATA)

    demo = timed("demo", lambda: templates.template("demo", db_templates.demo_key(), load_demo, source=migrated))

    def real(kind, steps, base=None):
        return timed(kind, lambda: real_template(templates, migrated, REAL_DATA, kind, steps, base))

    wanted = set(args.only or ("england_2019", "england_2020", "england_2022", "all_old_new", "all_new_old"))
    if "england_2019" in wanted:
        real("england_2019", ["england_2019-20.toml"])
    if "england_2020" in wanted:
        real("england_2020", ["england_2020-21.toml"])
    e2022 = real("england_2022", ["england_2021-22.toml"]) if wanted & {"england_2022", "all_new_old"} else None
    chained = {}
    if "all_old_new" in wanted:
        chained["all_old_new"] = real("all_old_new", ["demo", *ALL_BUNDLES], base=(demo, 1))
    if "all_new_old" in wanted:
        chained["all_new_old"] = real("all_new_old", [*reversed(ALL_BUNDLES), "demo"], base=(e2022, 1))
    total = [sum(r[i] for r in rows) for i in (1, 2, 3)]
    print(f"{'all, as the suite builds them':<34} {total[0]:7.1f} s wall {total[1]:7.1f} s python {total[2]:7.1f} s db")
    if args.direct and len(chained) < 2:
        parser.error("--direct compares both combined templates: leave out --only or name both")
    if args.direct:
        direct = {
            "all_old_new": real("direct_all_old_new", ["demo", *ALL_BUNDLES]),
            "all_new_old": real("direct_all_new_old", [*reversed(ALL_BUNDLES), "demo"]),
        }
        before = [total[i] + sum(r[i + 1] for r in rows[-2:]) - sum(r[i + 1] for r in rows[-4:-2]) for i in (0, 1, 2)]
        print(
            f"{'all, the combined ones directly':<34} {before[0]:7.1f} s wall {before[1]:7.1f} s python "
            f"{before[2]:7.1f} s db"
        )
        print(f"ratio chained / direct: CPU {(total[1] + total[2]) / (before[1] + before[2]):.2f}")
        for kind in chained:
            a = table_checksums(with_database(maintenance, chained[kind]))
            b = table_checksums(with_database(maintenance, direct[kind]))
            differ = sorted(t for t in a if a[t] != b.get(t))
            print(
                f"{kind}: {len(a)} tables compared, same rows: {not differ}"
                + (f" (differ: {differ})" if differ else "")
            )
    if not args.keep:
        db_templates.drop_all(maintenance, PREFIX)


if __name__ == "__main__":
    main()

"""Benchmark: England 2019/20 bundle import, and the CCG boundary import against ``ogr2ogr -f PostgreSQL``.

Run by hand (needs ../shared/data/real and the local cluster, or DATABASE_URL pointing at a server):

    .venv/bin/python benchmarks/import_bundle.py [--root ../shared/data/real] [--repeat 3]

Everything runs in one go against the same PostGIS server, in scratch databases that are dropped at the
end. Targets (issue 3): whole bundle <= 60 s on a 2-core machine; boundary import <= 2x ogr2ogr.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo_service.cli.context import settings  # noqa: E402
from geo_service.db.admin import create_database_if_missing, drop_database, with_database  # noqa: E402
from geo_service.db.migrate import migrate  # noqa: E402
from geo_service.db.pool import Database  # noqa: E402
from geo_service.ingest.boundaries import import_boundaries  # noqa: E402
from geo_service.ingest.bundle import import_bundle  # noqa: E402

MANIFEST = ROOT / "data" / "manifests" / "england_2019-20.toml"
CCG_FILE = "boundaries/ccg_2019_apr_oa_dissolved_en.geojson"


def scratch(maintenance: str, name: str) -> str:
    drop_database(maintenance, name)
    create_database_if_missing(maintenance, name)
    url = with_database(maintenance, name)
    migrate(url)
    return url


def ogr2ogr(url: str, path: Path, table: str) -> float:
    parts = urlsplit(url)
    conn = f"PG:dbname={parts.path.lstrip('/')} host={parts.hostname} port={parts.port or 5432}"
    env = dict(os.environ)
    if parts.username:
        env["PGUSER"] = unquote(parts.username)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)  # not on the command line
    cmd = ["ogr2ogr", "-f", "PostgreSQL", conn, str(path), "-nln", table, "-overwrite"]
    cmd += ["-nlt", "PROMOTE_TO_MULTI", "-lco", "GEOMETRY_NAME=geom", "-t_srs", "EPSG:4326"]
    started = time.perf_counter()
    subprocess.run(cmd, check=True, env=env)
    return time.perf_counter() - started


def derived_share(url: str, set_slug: str) -> float:
    """Time the rule engine's trigger work for these areas (area subdivision), rolled back."""
    db = Database(url, statement_timeout_ms=0)
    try:
        with db.connection() as conn, conn.cursor() as cur:
            cur.execute("SELECT to_regproc('analysis_refresh_area_pieces') IS NOT NULL")
            if not cur.fetchone()[0]:
                return 0.0
            cur.execute(
                "SELECT array_agg(a.id) FROM areas a JOIN boundary_sets b ON b.id = a.boundary_set_id"
                " WHERE b.slug = %(s)s",
                {"s": set_slug},
            )
            ids = cur.fetchone()[0]
            started = time.perf_counter()
            cur.execute("SELECT analysis_refresh_area_pieces(%(ids)s)", {"ids": ids})
            took = time.perf_counter() - started
            conn.rollback()
            return took
    finally:
        db.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=str(ROOT.parent / "shared" / "data" / "real"))
    ap.add_argument("--repeat", type=int, default=3, help="boundary runs per tool (median is reported)")
    args = ap.parse_args()
    root = Path(args.root)
    if not (root / CCG_FILE).is_file():
        print(f"real data not found under {root}", file=sys.stderr)
        return 2
    if shutil.which("ogr2ogr") is None:
        print("ogr2ogr not found (apt-get install gdal-bin)", file=sys.stderr)
        return 2
    maintenance = with_database(settings().database_url, "postgres")
    names = [f"geo_bench_import_{os.getpid()}_bundle", f"geo_bench_import_{os.getpid()}_ccg"]
    try:
        # 1. The whole England 2019/20 bundle into an empty, migrated database.
        url = scratch(maintenance, names[0])
        db = Database(url, statement_timeout_ms=0)
        started = time.perf_counter()
        reports = import_bundle(db, MANIFEST, root=root)
        bundle_s = time.perf_counter() - started
        started = time.perf_counter()
        rerun = import_bundle(db, MANIFEST, root=root)
        rerun_s = time.perf_counter() - started
        db.close()
        for r in reports:
            print("  " + r.summary())
        assert not any(r.changed for r in rerun), "re-run changed data"

        # 2. The CCG boundary file alone: our importer vs ogr2ogr, same file, same server, fresh targets.
        url = scratch(maintenance, names[1])
        db = Database(url, statement_timeout_ms=0)
        ours, ogr, derived = [], [], []
        for i in range(args.repeat):
            set_name = f"CCG April 2019 run {i}"
            started = time.perf_counter()
            import_boundaries(db, root / CCG_FILE, set_name, "ccg", "2019-04")
            ours.append(time.perf_counter() - started)
            derived.append(derived_share(url, set_name.lower().replace(" ", "-")))
            ogr.append(ogr2ogr(url, root / CCG_FILE, f"ogr_ccg_{i}"))
        db.close()
    finally:
        for n in names:
            drop_database(maintenance, n)

    ours_m, ogr_m, derived_m = statistics.median(ours), statistics.median(ogr), statistics.median(derived)
    print()
    print(
        f"England 2019/20 bundle import:      {bundle_s:6.2f} s   "
        f"(target <= 60 s: {'met' if bundle_s <= 60 else 'MISSED'})"
    )
    print(f"  re-run (no-op, verified):         {rerun_s:6.2f} s")
    print(f"CCG April 2019 boundaries (191), median of {args.repeat}:")
    print(f"  geo-service import boundaries:    {ours_m:6.3f} s   (runs: {', '.join(f'{t:.3f}' for t in ours)})")
    print(f"    of which rule-engine triggers:  {derived_m:6.3f} s   (area subdivision, measured separately)")
    print(f"  ogr2ogr -f PostgreSQL:            {ogr_m:6.3f} s   (runs: {', '.join(f'{t:.3f}' for t in ogr)})")
    ratio = ours_m / ogr_m
    own = (ours_m - derived_m) / ogr_m
    print(f"  ratio import / ogr2ogr:           {ratio:6.2f}x  (target <= 2x: {'met' if ratio <= 2 else 'MISSED'})")
    print(f"  ratio without trigger work:       {own:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

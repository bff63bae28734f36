"""Benchmark: England-wide GIS exports and a print map of the 2019/20 data (issue 6). Run by hand.

    .venv/bin/python benchmarks/export_england.py                       # builds its own database
    .venv/bin/python benchmarks/export_england.py --database-url URL    # England 2019/20 already loaded

Without ``--database-url`` it creates ``geo_bench_exports_england`` on the local cluster, imports
``data/manifests/england_2019-20.toml`` from ``../shared/data/real`` (timed separately) and drops
the database at the end unless ``--keep``. Prints, per export: median wall time over ``--repeat``
runs, file size, features written, features per second, and ratios against the GeoPackage. Runs are
"cold" (the per-process cache of rule-engine findings is cleared first) unless marked warm.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pyogrio

from geo_service.analysis import service as analysis_service
from geo_service.cli.context import settings
from geo_service.config import PROJECT_ROOT
from geo_service.db.admin import create_database_if_missing, drop_database, with_database
from geo_service.db.migrate import migrate
from geo_service.db.pool import Database

REAL = PROJECT_ROOT.parent / "shared" / "data" / "real"
MANIFEST = PROJECT_ROOT / "data" / "manifests" / "england_2019-20.toml"
BENCH_DB = "geo_bench_exports_england"


def load_england(url: str) -> float:
    from geo_service.ingest.bundle import import_bundle

    migrate(url)
    db = Database(url, statement_timeout_ms=0)
    t0 = time.perf_counter()
    import_bundle(db, MANIFEST, REAL)
    db.close()
    return time.perf_counter() - t0


def pick_scenario(db: Database) -> tuple[str, str]:
    from geo_service import catalogue

    with db.connection() as conn:
        scenarios = catalogue.scenarios(conn, "real")
    if not scenarios:
        raise SystemExit("no real scenario loaded: run without --database-url to build one")
    chosen = max(scenarios, key=lambda s: s["network_count"] or 0)
    return chosen["slug"], chosen["default_boundary_set"]


def timed(fn, repeat: int, cold: bool = True):
    """Median and min wall time of ``fn``. ``cold``: forget cached rule-engine findings before each run."""

    times, result = [], None
    for _ in range(repeat):
        if result is not None:
            result.cleanup()
        if cold:
            analysis_service._FINDINGS.clear()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), result


def features(path: Path, fmt: str) -> int:
    if fmt == "shp":
        import zipfile

        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.endswith(".shp") or n == "memberships.dbf"]
        return sum(pyogrio.read_info(f"/vsizip/{path}/{n}")["features"] for n in names)
    return sum(pyogrio.read_info(str(path), layer=name)["features"] for name, _ in pyogrio.list_layers(str(path)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", help="database with England 2019/20 loaded (default: build one)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = ap.parse_args()

    from geo_service.analysis import service as analysis
    from geo_service.exports import formats, layers, service, vector

    maintenance = with_database(settings().database_url, "postgres")
    built = args.database_url is None
    url = args.database_url
    if built:
        drop_database(maintenance, BENCH_DB)
        create_database_if_missing(maintenance, BENCH_DB)
        url = with_database(maintenance, BENCH_DB)
        print(f"import England 2019/20 bundle: {load_england(url):.1f} s")
    db = Database(url, statement_timeout_ms=0)
    try:
        scenario, boundary_set = pick_scenario(db)
        print(f"scenario {scenario}, boundary set {boundary_set}, median of {args.repeat} runs")
        with db.connection() as conn:
            t0 = time.perf_counter()
            analysis.practice_findings(conn, scenario, boundary_set)
            findings_s = time.perf_counter() - t0
            print(f"  rule engine, one run_checks (England): {findings_s:.2f} s (an export runs it twice)")
            # Where the time of one GeoPackage export goes: queries + frames per layer, then GDAL writes.
            from geo_service.scope import resolve_scope

            scope = resolve_scope(conn, scenario, boundary_set)
            layers.findings(conn, scope)  # cached on the scope from here on
            with tempfile.TemporaryDirectory() as tmp:
                for name in formats.LAYERS:
                    t0 = time.perf_counter()
                    df = layers.build_layer(conn, scope, name, 4326)
                    t1 = time.perf_counter()
                    vector._write_layer(formats.FORMATS["gpkg"], df, name, Path(tmp) / "x.gpkg", 4326, scope)
                    t2 = time.perf_counter()
                    print(f"  layer {name:<12} {len(df):>6,} rows: query+frame {t1 - t0:.2f} s, write {t2 - t1:.2f} s")

        cases = [
            ("gpkg, all layers, EPSG:4326", dict(format="gpkg")),
            ("gpkg, all layers, EPSG:27700", dict(format="gpkg", crs="27700")),
            ("shp zip, all layers, EPSG:27700", dict(format="shp", crs="27700")),
            ("geojson, networks", dict(format="geojson", layer="networks")),
            ("csv, practices (lon/lat)", dict(format="csv", layer="practices")),
            ("kml, practices", dict(format="kml", layer="practices")),
        ]
        base = None
        print(f"  {'export':<34} {'median s':>9} {'min s':>7} {'MB':>7} {'features':>9} {'feat/s':>8} {'× gpkg':>7}")
        for label, kwargs in cases:
            with db.connection() as conn:
                med, best, result = timed(
                    lambda kwargs=kwargs, conn=conn: service.export_vector(
                        conn, scenario, boundary_set=boundary_set, **kwargs
                    ),
                    args.repeat,
                )
            fmt = kwargs["format"]
            n = features(result.path, fmt) if fmt != "csv" else sum(1 for _ in result.path.open()) - 1
            size = result.path.stat().st_size / 1e6
            result.cleanup()
            base = base or med
            print(f"  {label:<34} {med:>9.2f} {best:>7.2f} {size:>7.1f} {n:>9,} {n / med:>8,.0f} {med / base:>7.2f}")

        with db.connection() as conn:
            med, best, result = timed(
                lambda conn=conn: service.export_vector(conn, scenario, "gpkg", boundary_set=boundary_set),
                args.repeat,
                cold=False,
            )
            result.cleanup()
            print(f"  gpkg, all layers, findings already cached (warm): median {med:.2f} s, min {best:.2f} s")
        with db.connection() as conn:
            area = conn.cursor()
            area.execute(
                "SELECT a.ods_code FROM areas a JOIN boundary_sets b ON b.id = a.boundary_set_id"
                " WHERE b.slug = %(b)s ORDER BY ST_Area(a.geom) DESC LIMIT 1",
                {"b": boundary_set},
            )
            code = area.fetchone()[0]
            for fmt, dpi in (("png", 300), ("pdf", 300)):
                med, best, result = timed(
                    lambda fmt=fmt, dpi=dpi, conn=conn: service.print_map(
                        conn, scenario, "area", code, fmt, "a4", "landscape", dpi, boundary_set=boundary_set
                    ),
                    args.repeat,
                )
                print(
                    f"  print {fmt} A4 landscape {dpi} dpi, largest area {code}: median {med:.2f} s, "
                    f"min {best:.2f} s, {result.path.stat().st_size / 1e6:.1f} MB"
                )
                result.cleanup()
    finally:
        db.close()
        if built and not args.keep:
            drop_database(maintenance, BENCH_DB)


if __name__ == "__main__":
    main()

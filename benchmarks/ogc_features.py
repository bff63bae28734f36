"""OGC API – Features: ours against pygeoapi and tipg, same machine, same run, same PostGIS tables; and tile timings.

    .venv/bin/python benchmarks/ogc_features.py [--duration 20] [--connections 16] [--database-url URL]
                                               [--root ../shared/data/real] [--skip-peers]

The database is load.py's (``geo_bench_load_england``: migrated, the England 2019/20 bundle imported; made once).
The peers are installed by this script into ``benchmarks/.venv-ogc`` (git-ignored) from
``benchmarks/requirements-ogc.txt`` (pip, once) and read views in schema ``ogc_peer`` over the same tables we
read: ``ogc_peer.practices`` = the scenario's kept practice state (``scenario_practice_state``, active GP
practices of England) at its postcode point, ``ogc_peer.areas`` = the areas of its boundary set.

Servers, all on 127.0.0.1 with 2 worker processes: ours as ``geo-service serve --prod`` runs it (gunicorn
gthread, 4 threads), pygeoapi under gunicorn (2 sync workers, 4 threads), tipg under uvicorn (2 workers). wrk
(Debian package ``wrk``; ``apt-get install wrk``) with ``--connections`` connections for ``--duration`` seconds
per case after a 2 s warm-up:

* ``bbox``  practices in a box around Birmingham (~300 features, ``limit=1000``);
* ``areas`` every area of the boundary set (191 CCG polygons, full resolution, ``limit=1000``).

Ours is measured twice: as served (bodies kept per data version) and with ``Cache-Control: no-cache`` (each
request rebuilt from PostGIS). Then the tiles: build time (cold: tile cache emptied, median of 5 builds of the
same tile; the rule findings stay kept) and bytes of an England networks tile at z6 and a dense z12 practices tile
(central Birmingham).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import load  # noqa: E402  (benchmarks/load.py: database, wrk runner, gunicorn command)
import psycopg2  # noqa: E402

SCENARIO = "epcn-december-2019"
PEER_VENV = ROOT / "benchmarks" / ".venv-ogc"
PEER_REQS = ROOT / "benchmarks" / "requirements-ogc.txt"
BBOX = "-2.1,52.36,-1.7,52.6"  # Birmingham: 308 practices in England 2019/20
PYGEOAPI_PORT, TIPG_PORT, OURS_PORT = 5690, 5691, 5692
TILES = {"England networks z6": ("networks", 6, 31, 20), "dense practices z12": ("practices", 12, 2026, 1344)}


def peer_venv() -> Path:
    """pygeoapi and tipg in their own venv (never in .venv)."""
    if not (PEER_VENV / "bin" / "pygeoapi").exists() or not (PEER_VENV / "bin" / "uvicorn").exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "-q", "-r", str(PEER_REQS)], check=True)
    return PEER_VENV / "bin"


def peer_views(url: str) -> tuple[int, dict]:
    """Views for the peers over the same tables; returns the boundary set id and the expected feature counts."""
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT id, boundary_set_id FROM scenarios WHERE slug = %(s)s", {"s": SCENARIO})
        sid, bs_id = cur.fetchone()
        if bs_id is None:
            cur.execute("SELECT id FROM boundary_sets WHERE slug = 'ccg-april-2019'")
            bs_id = cur.fetchone()[0]
        cur.execute("CREATE SCHEMA IF NOT EXISTS ogc_peer")
        cur.execute("DROP VIEW IF EXISTS ogc_peer.practices, ogc_peer.areas")
        # psycopg2 binds client-side, so the ids are values here too (a view cannot take parameters).
        cur.execute(
            """CREATE VIEW ogc_peer.practices AS
                SELECT s.ods_code AS id, s.ods_code, s.name, s.postcode, s.list_size, s.commissioner_code,
                       pt.geom::geometry(Point, 4326) AS geom
                  FROM scenario_practice_state s JOIN postcode_points pt ON pt.id = s.point_id
                 WHERE s.scenario_id = %(sid)s AND s.active_gp AND s.in_nation""",
            {"sid": sid},
        )
        cur.execute(
            """CREATE VIEW ogc_peer.areas AS
                SELECT coalesce(a.ods_code, a.gss_code) AS id, a.ods_code, a.gss_code, a.name,
                       a.geom::geometry(MultiPolygon, 4326) AS geom
                  FROM areas a WHERE a.boundary_set_id = %(bs)s""",
            {"bs": bs_id},
        )
        x0, y0, x1, y1 = (float(v) for v in BBOX.split(","))
        cur.execute(
            "SELECT count(*) FROM ogc_peer.practices WHERE ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))",
            (x0, y0, x1, y1),
        )
        in_box = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM ogc_peer.areas")
        areas = cur.fetchone()[0]
        cur.execute("SELECT slug FROM boundary_sets WHERE id = %s", (bs_id,))
        slug = cur.fetchone()[0]
    conn.close()
    return bs_id, {"bbox": in_box, "areas": areas, "slug": slug}


def pygeoapi_config(url: str, workdir: Path) -> dict[str, str]:
    from urllib.parse import urlsplit

    u = urlsplit(url)
    provider = (
        f"        data: {{host: {u.hostname}, port: {u.port or 5432}, dbname: {u.path[1:]}, user: {u.username},"
        f" password: '{u.password}', search_path: [ogc_peer]}}\n"
    )
    resources = ""
    for name, geom in (("practices", "Point"), ("areas", "MultiPolygon")):
        resources += f"""  {name}:
    type: collection
    title: {name}
    description: {name} ({geom})
    keywords: [pcn]
    extents:
      spatial: {{bbox: [-7, 49, 2, 56], crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84'}}
    providers:
      - type: feature
        name: PostgreSQL
{provider}        id_field: id
        table: {name}
        geom_field: geom
"""
    config = f"""server:
  bind: {{host: 127.0.0.1, port: {PYGEOAPI_PORT}}}
  url: http://127.0.0.1:{PYGEOAPI_PORT}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  languages: [en-US]
  limits: {{default_items: 10, max_items: 10000}}
  map: {{url: 'https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png', attribution: OSM}}
logging: {{level: ERROR}}
metadata:
  identification: {{title: bench, description: bench, keywords: [pcn], keywords_type: theme,
                    terms_of_service: 'https://example.org', url: 'https://example.org'}}
  license: {{name: OGL, url: 'https://example.org'}}
  provider: {{name: bench, url: 'https://example.org'}}
  contact: {{name: bench, position: bench, address: bench, city: bench, stateorprovince: bench, postalcode: X,
            country: UK, phone: '+44', fax: '+44', email: bench@example.org, url: 'https://example.org',
            hours: always, instructions: none, role: pointOfContact}}
resources:
{resources}"""
    cfg = workdir / "pygeoapi.yml"
    cfg.write_text(config)
    openapi = workdir / "pygeoapi-openapi.yml"
    env = {**os.environ, "PYGEOAPI_CONFIG": str(cfg), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run(
        [str(PEER_VENV / "bin" / "pygeoapi"), "openapi", "generate", str(cfg), "--output-file", str(openapi)],
        check=True,
        env=env,
        capture_output=True,
    )
    return env


class Proc:
    def __init__(self, args: list[str], env: dict, probe: str, cwd: Path = ROOT) -> None:
        self.proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.probe = probe
        for _ in range(300):
            try:
                with urllib.request.urlopen(probe, timeout=5):
                    return
            except OSError as err:
                if self.proc.poll() is not None:
                    raise SystemExit(f"{args[0]} exited: {self.proc.stderr.read().decode()[-2000:]}") from err
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"{probe} did not answer")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def fetch_count(url: str) -> tuple[int, int]:
    import json

    with urllib.request.urlopen(url, timeout=120) as r:
        body = r.read()
    return len(json.loads(body)["features"]), len(body)


def measure(name: str, base: str, path: str, args, headers: dict | None = None) -> dict:
    got, size = fetch_count(base + path)
    load.run_wrk(base, [(path, headers or {})], 2, args.connections, 2)  # warm-up
    result = load.run_wrk(base, [(path, headers or {})], args.duration, args.connections, 2)
    result.update(features=got, bytes=size)
    print(
        f"  {name:<28} {result['rps']:>8.1f} req/s  p50 {result['p50']:>8.1f} ms  p99 {result['p99']:>8.1f} ms"
        f"  {got:>4} features {size / 1024:>8.0f} KiB  errors {result['socket_errors'] + result['non_2xx']}"
    )
    return result


def tile_timings(url: str) -> None:
    """Cold builds in this process (the service functions, no HTTP): median of distinct neighbouring tiles."""
    from geo_service.db.pool import Database
    from geo_service.ogc import catalogue, tiles

    db = Database(url, statement_timeout_ms=0)
    try:
        with db.connection() as conn:
            for label, (kind, z, x, y) in TILES.items():
                coll = catalogue.collection(conn, f"{SCENARIO}-{kind}")
                tiles.tile(conn, coll, z, x, y)  # findings and scope read once, outside the timing
                times, sizes = [], []
                for _ in range(5):
                    tiles.clear_kept()  # a cold build each time (the process cache emptied)
                    started = time.perf_counter()
                    body, _ = tiles.tile(conn, coll, z, x, y)
                    times.append(time.perf_counter() - started)
                    sizes.append(len(body))
                started = time.perf_counter()
                tiles.tile(conn, coll, z, x, y)
                kept = time.perf_counter() - started
                print(
                    f"  {label:<22} {kind}/{z}/{x}/{y}: build median {statistics.median(times) * 1000:,.0f} ms "
                    f"(min {min(times) * 1000:,.0f}, max {max(times) * 1000:,.0f}); {sizes[0]:,} bytes; "
                    f"kept {kept * 1000:.2f} ms"
                )
    finally:
        db.close()


def _ratio(r: dict, ours_key: str, peer: str) -> str:
    return f"{r[ours_key]['rps'] / r[peer]['rps']:6.2f}×" if r[peer]["rps"] else "   n/a (peer 0 req/s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database-url")
    parser.add_argument("--root", default=str(ROOT.parent / "shared" / "data" / "real"))
    parser.add_argument("--skip-peers", action="store_true", help="ours and the tiles only")
    args = parser.parse_args()
    url = load.database(args)
    _, expected = peer_views(url)
    print(f"database {url.rsplit('/', 1)[1]}: {expected['bbox']} practices in the box, {expected['areas']} areas")
    ours_collection = f"/ogc/collections/{SCENARIO}-practices/items"
    areas_collection = f"/ogc/collections/{expected['slug']}-areas/items"
    cases = {
        "bbox": {
            "ours": ours_collection + f"?bbox={BBOX}&limit=1000",
            "pygeoapi": f"/collections/practices/items?bbox={BBOX}&limit=1000&f=json",
            "tipg": f"/collections/ogc_peer.practices/items?bbox={BBOX}&limit=1000&f=geojson",
        },
        "areas": {
            "ours": areas_collection + "?limit=1000",
            "pygeoapi": "/collections/areas/items?limit=1000&f=json",
            "tipg": "/collections/ogc_peer.areas/items?limit=1000&f=geojson",
        },
    }
    results: dict[str, dict[str, dict]] = {case: {} for case in cases}
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "GEO_TILES_URL": "none",
        "GEO_PUBLIC_URL": f"http://127.0.0.1:{OURS_PORT}",
    }
    ours_cmd = [a for a in load.gunicorn_command("127.0.0.1", OURS_PORT, 2, 4) if a not in ("--access-logfile", "-")]
    ours = Proc(ours_cmd + ["--log-level", "warning"], env, f"http://127.0.0.1:{OURS_PORT}/healthz")
    try:
        print(f"ours (gunicorn, 2 gthread workers x 4 threads), wrk {args.connections} connections, {args.duration} s:")
        for case, paths in cases.items():
            base = f"http://127.0.0.1:{OURS_PORT}"
            results[case]["ours"] = measure(f"{case} (kept)", base, paths["ours"], args)
            results[case]["ours-uncached"] = measure(
                f"{case} (no-cache)", base, paths["ours"], args, {"Cache-Control": "no-cache"}
            )
    finally:
        ours.stop()
    if not args.skip_peers:
        bin_dir = peer_venv()
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            penv = pygeoapi_config(url, Path(tmp))
            cmd = [str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{PYGEOAPI_PORT}", "--workers", "2"]
            cmd += ["--threads", "4", "--log-level", "warning", "pygeoapi.flask_app:APP"]
            peer = Proc(cmd, penv, f"http://127.0.0.1:{PYGEOAPI_PORT}/collections?f=json", cwd=Path(tmp))
            try:
                print("pygeoapi 0.21 (gunicorn, 2 workers x 4 threads):")
                for case, paths in cases.items():
                    results[case]["pygeoapi"] = measure(
                        case, f"http://127.0.0.1:{PYGEOAPI_PORT}", paths["pygeoapi"], args
                    )
            finally:
                peer.stop()
        tenv = {
            **os.environ,
            "DATABASE_URL": url,
            "TIPG_DB_SCHEMAS": '["ogc_peer"]',
            "TIPG_MAX_FEATURES_PER_QUERY": "10000",
        }
        cmd = [str(bin_dir / "uvicorn"), "tipg.main:app", "--host", "127.0.0.1", "--port", str(TIPG_PORT)]
        cmd += ["--workers", "2", "--log-level", "warning"]
        peer = Proc(cmd, tenv, f"http://127.0.0.1:{TIPG_PORT}/collections")
        try:
            print("tipg 1.6 (uvicorn, 2 workers):")
            for case, paths in cases.items():
                results[case]["tipg"] = measure(case, f"http://127.0.0.1:{TIPG_PORT}", paths["tipg"], args)
        finally:
            peer.stop()
        print("ratios (req/s, ours ÷ peer; goal ≥ 3× pygeoapi, ≥ 1× tipg):")
        for case in cases:
            r = results[case]

            for ours_key in ("ours", "ours-uncached"):
                print(f"  {case:<6} {ours_key:<14} vs pygeoapi {_ratio(r, ours_key, 'pygeoapi')}", end="")
                print(f"   vs tipg {_ratio(r, ours_key, 'tipg')}")
            counts = {k: v["features"] for k, v in r.items()}
            print(f"         features returned: {counts} (SQL: {expected[case]})")
    print("vector tiles (cold build in-process through the service; bytes of the MVT):")
    tile_timings(url)


if __name__ == "__main__":
    main()

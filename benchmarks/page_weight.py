"""Benchmark (issue 5): our map pages against ``GeoDataFrame.explore()`` of the same layers. Run by hand.

    .venv/bin/python benchmarks/page_weight.py                        # builds an England 2019/20 database
    .venv/bin/python benchmarks/page_weight.py --database-url URL     # England 2019/20 already loaded
    .venv/bin/python benchmarks/page_weight.py --demo                 # synthetic demo data instead

For each pair, in one run and the same headless Chromium (Debian's /usr/bin/chromium):

* **gzipped bytes of page + data**: every response the page loads (HTML, JS, CSS, GeoJSON), each
  gzipped (level 6) here, summed. ``explore()``'s page asks CDNs for Leaflet 1.9.3, jQuery, Bootstrap,
  Font Awesome and awesome-markers: no request leaves the machine; the benchmark answers them with the
  same files from the npm registry (``npm pack`` into test-artifacts/explore-cdn/, once) and counts
  them. The two files not on npm (Bootstrap 3 glyphicons CSS, folium's rotate CSS, a few kB) are
  answered empty and not counted. ``--no-cdn-files`` answers every CDN file empty (explore() lighter).
* **load-to-idle**: ``performance.now()`` (ms since navigation start) once the map has drawn every
  layer (ours: ``GeoMaps.isReady()``; explore: the load event) and two animation frames have passed.
  Median of ``--repeat`` cold loads (fresh browser context, empty cache).

``--baseline-ref REF`` (issue 11: "page weight and load-to-idle stay within 1.2x of today's") measures the same
overview and area pages of another git commit in the same run instead of ``explore()``: the commit's files are
exported with ``git archive`` (read-only for the repository: no worktree, index or branch changes) into
``test-artifacts/page-weight-baseline/<ref>/`` (kept between runs), given the current ``static/vendor/`` (npm
copies, not in git), and served by this ``.venv``'s Python from that folder on another port, on the SAME
database; both versions are loaded alternately in one Chromium and the ratios current/baseline printed.

    .venv/bin/python benchmarks/page_weight.py --baseline-ref 97ca4ef [--database-url URL] [--repeat 5]

Pairs: the overview (every area, findings; layers fetched from /api/v1) against ``explore()`` of
all areas + network polygons + practices (what the issue measured at 7.5 MB), and an area page
against ``explore()`` of that area's layers (area, neighbours, networks, practices). Basemap off in both.
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import geopandas as gpd

from geo_service.cli.context import settings
from geo_service.config import PROJECT_ROOT
from geo_service.db.admin import create_database_if_missing, drop_database, with_database
from geo_service.db.migrate import migrate
from geo_service.db.pool import Database

REAL = PROJECT_ROOT.parent / "shared" / "data" / "real"
MANIFEST = PROJECT_ROOT / "data" / "manifests" / "england_2019-20.toml"
BENCH_DB = "geo_bench_maps_england"
CHROMIUM = "/usr/bin/chromium"
CDN_DIR = PROJECT_ROOT / "test-artifacts" / "explore-cdn"
# explore()'s CDN URL (path suffix) → npm package and file inside it
CDN_FILES = {
    "leaflet@1.9.3/dist/leaflet.js": ("leaflet@1.9.3", "dist/leaflet.js"),
    "leaflet@1.9.3/dist/leaflet.css": ("leaflet@1.9.3", "dist/leaflet.css"),
    "jquery-3.7.1.min.js": ("jquery@3.7.1", "dist/jquery.min.js"),
    "bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": ("bootstrap@5.2.2", "dist/js/bootstrap.bundle.min.js"),
    "bootstrap@5.2.2/dist/css/bootstrap.min.css": ("bootstrap@5.2.2", "dist/css/bootstrap.min.css"),
    "fontawesome-free@6.2.0/css/all.min.css": ("@fortawesome/fontawesome-free@6.2.0", "css/all.min.css"),
    "2.0.2/leaflet.awesome-markers.js": ("leaflet.awesome-markers@2.0.5", "dist/leaflet.awesome-markers.js"),
    "2.0.2/leaflet.awesome-markers.css": ("leaflet.awesome-markers@2.0.5", "dist/leaflet.awesome-markers.css"),
}


def _package_dir(spec: str) -> Path:
    return CDN_DIR / spec.replace("@", "-").lstrip("-").replace("/", "-")


def fetch_cdn_files() -> dict[str, Path]:
    """The npm-registry copies of explore()'s CDN files (downloaded once with ``npm pack``)."""
    import subprocess
    import tarfile

    CDN_DIR.mkdir(parents=True, exist_ok=True)
    out = {}
    for suffix, (spec, inner) in CDN_FILES.items():
        pkg = _package_dir(spec)
        if not pkg.is_dir():
            tgz = subprocess.run(
                ["npm", "pack", "--silent", spec], cwd=CDN_DIR, check=True, capture_output=True, text=True
            ).stdout.split()[-1]
            pkg.mkdir()
            with tarfile.open(CDN_DIR / tgz) as tar:
                tar.extractall(pkg, filter="data")
        out[suffix] = pkg / "package" / inner
    return out


# ---- data ---------------------------------------------------------------------------------------


def build_database(demo: bool) -> str:
    maint = with_database(settings().database_url, "postgres")
    name = BENCH_DB + ("_demo" if demo else "")
    drop_database(maint, name)
    create_database_if_missing(maint, name)
    url = with_database(maint, name)
    migrate(url)
    db = Database(url, statement_timeout_ms=0)
    t0 = time.perf_counter()
    if demo:
        from geo_service.demo.load import load_demo

        load_demo(db)
    else:
        from geo_service.ingest.bundle import import_bundle

        import_bundle(db, MANIFEST, REAL)
    db.close()
    print(f"loaded {'demo' if demo else 'England 2019/20'} into {name} in {time.perf_counter() - t0:.1f} s")
    return url


def pick(db: Database) -> tuple[str, str]:
    from geo_service import catalogue

    with db.connection() as conn:
        scenarios = catalogue.scenarios(conn)
    chosen = max(scenarios, key=lambda s: s["network_count"] or 0)
    return chosen["slug"], chosen["default_boundary_set"]


def explore_html(frames: list[tuple[str, gpd.GeoDataFrame, dict]], out: Path) -> Path:
    """``explore()`` of the layers, one after the other on the same map, as a notebook user would."""
    m = None
    for name, gdf, style in frames:
        m = gdf.explore(m=m, name=name, tiles=None, **style)
    import folium

    folium.LayerControl().add_to(m)
    m.save(str(out))
    return out


def _read(sql: str, url: str, params: dict | None = None, geom_col: str = "geom") -> gpd.GeoDataFrame:
    import warnings

    import psycopg2

    conn = psycopg2.connect(url)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # pandas prefers SQLAlchemy; a DBAPI2 connection works
            return gpd.read_postgis(sql, conn, params=params, geom_col=geom_col)
    finally:
        conn.close()


def _practices(url: str, scenario: str, boundary_set: str, where: str, params: dict) -> gpd.GeoDataFrame:
    """Practices as the scenario's scope sees them (its register, list-size and postcode extracts)."""
    import psycopg2
    from psycopg2 import sql

    from geo_service.db.repositories import scope as scope_sql
    from geo_service.scope import resolve_scope

    conn = psycopg2.connect(url)
    try:
        values = resolve_scope(conn, scenario, boundary_set).values()
        query = sql.SQL(
            "WITH {ps} SELECT ods_code, name, postcode, list_size, list_size_date::text, location FROM ps WHERE "
        ).format(ps=scope_sql.practice_state_cte("ps"))
        text = conn.cursor().mogrify(query, values).decode() + where
    finally:
        conn.close()
    return _read(text, url, params=params, geom_col="location")


def overview_frames(url: str, scenario: str, boundary_set: str) -> list:
    areas = _read(
        """SELECT coalesce(a.ods_code, a.gss_code) AS code, a.name, a.geom FROM areas a
             JOIN boundary_sets bs ON bs.id = a.boundary_set_id WHERE bs.slug = %(bs)s""",
        url,
        params={"bs": boundary_set},
        geom_col="geom",
    )
    networks = _read(
        """SELECT n.code, n.name, n.geom FROM networks n JOIN scenarios s ON s.id = n.scenario_id
            WHERE s.slug = %(s)s AND n.geom IS NOT NULL""",
        url,
        params={"s": scenario},
        geom_col="geom",
    )
    practices = _practices(url, scenario, boundary_set, "active_gp AND location IS NOT NULL", {})
    return [(n, f, {}) for n, f in (("areas", areas), ("networks", networks), ("practices", practices)) if len(f)]


def area_frames(url: str, view) -> list:
    """The same features our area page shows, with their stored (unsimplified) geometry."""
    codes = {layer.key: [f["properties"]["code"] for f in layer.features] for layer in view.layers}
    sid = view.scenario["id"]
    areas = _read(
        """SELECT coalesce(a.ods_code, a.gss_code) AS code, a.name, a.geom FROM areas a
             JOIN boundary_sets bs ON bs.id = a.boundary_set_id
            WHERE bs.slug = %(bs)s AND coalesce(a.ods_code, a.gss_code) = ANY(%(codes)s)""",
        url,
        params={"bs": view.boundary_set["slug"], "codes": codes["area"] + codes["neighbours"]},
        geom_col="geom",
    )
    networks = _read(
        """SELECT n.code, n.name, n.geom FROM networks n
            WHERE n.scenario_id = %(sid)s AND n.code = ANY(%(codes)s) AND n.geom IS NOT NULL""",
        url,
        params={"sid": sid, "codes": codes["networks"]},
        geom_col="geom",
    )
    practices = _practices(
        url,
        view.scenario["slug"],
        view.boundary_set["slug"],
        "ods_code = ANY(%(codes)s)",
        {"codes": codes["practices"]},
    )
    frames = [("areas", areas, {})]
    if len(networks):
        frames.append(("networks", networks, {}))
    frames.append(("practices", practices, {}))
    return frames


# ---- serving and measuring ----------------------------------------------------------------------


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: D401 - silence the static server
        pass


def serve_dir(directory: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def serve_app(url: str):
    from werkzeug.serving import make_server

    from geo_service import create_app

    app = create_app({"DATABASE_URL": url, "GEO_TILES_URL": "none"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server, f"http://127.0.0.1:{server.server_port}"


def _route_foreign(route, cdn_files: dict[str, Path]) -> None:
    """Answer CDN requests on the machine: npm copies of the same files, or an empty body."""
    url = route.request.url
    if urlsplit(url).hostname == "127.0.0.1":
        route.continue_()
        return
    path = urlsplit(url).path
    ctype = "text/css" if path.endswith(".css") else "text/javascript"
    for suffix, file in cdn_files.items():
        if path.endswith(suffix):
            route.fulfill(status=200, body=file.read_bytes(), content_type=ctype, headers={"X-Bench-Counted": "1"})
            return
    route.fulfill(status=200, body=b"", content_type=ctype)


def measure(browser, url: str, ours: bool, repeat: int, cdn_files: dict[str, Path] | None = None) -> dict:
    times, weights = [], None
    for _ in range(repeat):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.route("**/*", partial(_route_foreign, cdn_files=cdn_files or {}))
        bodies: list[tuple[str, bytes]] = []

        def _resp(resp, bodies=bodies):
            local = urlsplit(resp.url).hostname == "127.0.0.1"
            if (local or resp.headers.get("x-bench-counted")) and resp.status == 200:
                try:
                    bodies.append((resp.url, resp.body()))
                except Exception:  # noqa: BLE001 - a body can be gone after navigation; counted as 0
                    bodies.append((resp.url, b""))

        page.on("response", _resp)
        page.goto(url, wait_until="load", timeout=300_000)
        if ours:
            page.wait_for_function("() => window.GeoMaps && GeoMaps.isReady()", timeout=300_000)
        elapsed = page.evaluate(
            "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))"
        )
        page.wait_for_timeout(300)  # let late response bodies arrive before the context closes
        times.append(elapsed)
        if weights is None:
            raw = sum(len(b) for _, b in bodies)
            gz = sum(len(gzip.compress(b, 6)) for _, b in bodies)
            weights = {"raw": raw, "gzip": gz, "requests": len(bodies)}
        context.close()
    return {**weights, "ms": statistics.median(times), "all_ms": times}


# ---- a baseline git ref, served beside the current code -------------------------------------------

BASELINE_DIR = PROJECT_ROOT / "test-artifacts" / "page-weight-baseline"
BASELINE_SERVER = """
import sys
from werkzeug.serving import run_simple
from geo_service import create_app
app = create_app({"DATABASE_URL": sys.argv[1], "GEO_TILES_URL": "none"})
run_simple("127.0.0.1", int(sys.argv[2]), app, threaded=True)
"""


def export_ref(ref: str) -> Path:
    """The files of ``ref`` (``git archive``: nothing in the repository changes), plus today's npm copies."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{ref}^{{commit}}"],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    target = BASELINE_DIR / commit[:12]
    if not (target / "geo_service" / "__init__.py").is_file():
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", commit], cwd=PROJECT_ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    vendor = target / "static" / "vendor"
    if not vendor.exists():
        shutil.copytree(PROJECT_ROOT / "static" / "vendor", vendor)
    return target


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_ref(ref: str | None, url: str, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """Serve ``ref``'s code (None: the current tree) on ``url``'s database in a process of its own, so that both
    versions run alike (not one inside the measuring process); returns (process, base URL)."""
    folder = export_ref(ref) if ref else PROJECT_ROOT
    port = port or _free_port()
    env = {**os.environ, "PYTHONPATH": str(folder), "GEO_TILES_URL": "none"}
    proc = subprocess.Popen(
        [sys.executable, "-c", BASELINE_SERVER, url, str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    import urllib.request

    for _ in range(120):
        if proc.poll() is not None:
            raise RuntimeError(f"{ref or 'current'} server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            return proc, base
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError(f"{ref or 'current'} server did not answer on {base}")


def report_baseline(label: str, now: dict, then: dict, ref: str, limit: float = 1.2) -> list[str]:
    """Print current against baseline; return the measures over ``limit`` x."""
    print(f"\n{label}")
    for name, r in (("current", now), (ref, then)):
        print(
            f"  {name:10s} {r['requests']:3d} responses  {_mb(r['raw']):>10s} raw  {_mb(r['gzip']):>10s} gzipped"
            f"  load-to-idle {r['ms']:8.0f} ms (runs: {', '.join(f'{t:.0f}' for t in r['all_ms'])})"
        )
    ratios = {
        "gzipped bytes": now["gzip"] / then["gzip"],
        "raw bytes": now["raw"] / then["raw"],
        "load-to-idle": now["ms"] / then["ms"],
    }
    print(
        "  ratio current/"
        + ref
        + ": "
        + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items())
        + f" (limit {limit:.1f}x)"
    )
    return [f"{label}: {k} {v:.2f}x" for k, v in ratios.items() if v > limit]


def measure_pair(browser, url_a: str, url_b: str, repeat: int) -> tuple[dict, dict]:
    """Alternate the two versions' loads so that machine load falls on both alike."""
    runs_a, runs_b = [], []
    for _ in range(repeat):
        runs_a.append(measure(browser, url_a, True, 1))
        runs_b.append(measure(browser, url_b, True, 1))

    def merged(runs: list[dict]) -> dict:
        times = [r["ms"] for r in runs]
        return {**runs[0], "ms": statistics.median(times), "all_ms": times}

    return merged(runs_a), merged(runs_b)


def run_baseline(args, url: str, scenario: str, boundary_set: str, area: str) -> None:
    from playwright.sync_api import sync_playwright

    current, base = serve_ref(None, url)
    proc, old = serve_ref(args.baseline_ref, url, args.baseline_port)
    over_limit: list[str] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
            )
            pages = (
                ("Overview", f"/maps/{scenario}?boundary_set={boundary_set}"),
                (f"Area page {area}", f"/maps/{scenario}/areas/{area}?boundary_set={boundary_set}"),
            )
            for _, path in pages:  # first loads: each server computes its findings once (then cached)
                measure(browser, base + path, True, 1)
                measure(browser, old + path, True, 1)
            for label, path in pages:
                now, then = measure_pair(browser, base + path, old + path, args.repeat)
                over_limit += report_baseline(label, now, then, args.baseline_ref)
            browser.close()
    finally:
        for p in (proc, current):
            p.terminate()
            p.wait(timeout=10)
    print("\nwithin 1.2x of " + args.baseline_ref if not over_limit else "\nOVER 1.2x: " + "; ".join(over_limit))


def _mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 1e5 else f"{n / 1e3:.1f} kB"


def report(label: str, ours: dict, theirs: dict) -> None:
    print(f"\n{label}")
    for name, r in (("ours", ours), ("explore()", theirs)):
        print(
            f"  {name:10s} {r['requests']:3d} responses  {_mb(r['raw']):>10s} raw  {_mb(r['gzip']):>10s} gzipped"
            f"  load-to-idle {r['ms']:8.0f} ms (runs: {', '.join(f'{t:.0f}' for t in r['all_ms'])})"
        )
    print(
        f"  ratio explore()/ours: gzipped bytes {theirs['gzip'] / ours['gzip']:.1f}x, "
        f"raw bytes {theirs['raw'] / ours['raw']:.1f}x, load-to-idle {theirs['ms'] / ours['ms']:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--demo", action="store_true", help="use the synthetic demo data")
    parser.add_argument("--area", help="area code for the area pair (default: 99J, or ZA4 for the demo)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database this script built")
    parser.add_argument("--no-cdn-files", action="store_true", help="answer explore()'s CDN files empty")
    parser.add_argument("--baseline-ref", help="measure against this git ref's pages (not explore())")
    parser.add_argument("--baseline-port", type=int, help="port for the baseline server (default: a free one)")
    args = parser.parse_args()

    built = args.database_url is None
    url = args.database_url or build_database(args.demo)
    area = args.area or ("ZA4" if args.demo else "99J")
    db = Database(url)
    scenario, boundary_set = pick(db)
    print(f"scenario {scenario}, boundary set {boundary_set}, area {area}")
    if args.baseline_ref:
        try:
            run_baseline(args, url, scenario, boundary_set, area)
        finally:
            db.close()
            if built and not args.keep:
                drop_database(with_database(url, "postgres"), url.rsplit("/", 1)[1])
        return

    from playwright.sync_api import sync_playwright

    from geo_service.maps import views
    from geo_service.scope import resolve_scope
    from geo_service.web.map_context import links

    app, server, base = serve_app(url)
    with app.test_request_context():
        with db.connection() as conn:
            scope = resolve_scope(conn, scenario, boundary_set, area=area)
            area_view = views.area_view(conn, scope, links(scope))
    cdn_files = {} if args.no_cdn_files else fetch_cdn_files()
    tmp = Path(tempfile.mkdtemp(prefix="geo_bench_maps_"))
    t0 = time.perf_counter()
    explore_html(overview_frames(url, scenario, boundary_set), tmp / "explore_overview.html")
    explore_html(area_frames(url, area_view), tmp / "explore_area.html")
    print(f"explore() pages written in {time.perf_counter() - t0:.1f} s to {tmp}")
    static, static_base = serve_dir(tmp)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
            )
            # First loads after the server starts: the rule engine runs once per data version (then cached).
            first = measure(browser, f"{base}/maps/{scenario}?boundary_set={boundary_set}", True, 1)["ms"]
            first_a = measure(browser, f"{base}/maps/{scenario}/areas/{area}?boundary_set={boundary_set}", True, 1)
            print(f"first loads after start (findings computed): overview {first:.0f} ms, area {first_a['ms']:.0f} ms")
            ours = measure(browser, f"{base}/maps/{scenario}?boundary_set={boundary_set}", True, args.repeat)
            theirs = measure(browser, f"{static_base}/explore_overview.html", False, args.repeat, cdn_files)
            report("Overview (all areas) vs explore() of areas + network polygons + practices", ours, theirs)
            ours_a = measure(
                browser, f"{base}/maps/{scenario}/areas/{area}?boundary_set={boundary_set}", True, args.repeat
            )
            theirs_a = measure(browser, f"{static_base}/explore_area.html", False, args.repeat, cdn_files)
            report(f"Area page {area} vs explore() of the same area's layers", ours_a, theirs_a)
            browser.close()
    finally:
        static.shutdown()
        server.shutdown()
        app.extensions["geo_db"].close()
        db.close()
        if built and not args.keep:
            drop_database(with_database(url, "postgres"), url.rsplit("/", 1)[1])


if __name__ == "__main__":
    main()

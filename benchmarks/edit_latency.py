"""Edit latency of the plan editor on England 2019/20 data: move one practice between two networks and get the
refreshed findings of its area (the delta: checks re-run for the touched networks' areas), through the API over
HTTP against a real server (gunicorn, one worker, 127.0.0.1:5685). Goal: median <= 150 ms.

    .venv/bin/python benchmarks/edit_latency.py [--repeat 30] [--root ../shared/data/real] [--area 99J]

Baseline, timed in the same run: the same area's read-only checks request (``GET /api/v1/scenarios/<plan>/checks
?area=...`` with ``Cache-Control: no-cache``, so it is computed each time). An edit runs the area's checks once
(after the write; "before" is what the previous edit left, kept under the committed data state), writes
memberships (since migration 0047 the triggers refresh only the kept members of the changed memberships, not the
plan's whole state), and logs the edit and its audit row; the ratio says what that costs over one read.

A scratch database ``plans_bench_edit`` is created on the local cluster and loaded with the 2019/20 bundle
once (re-used by later runs). The plan is a copy of the whole of ``epcn-december-2019`` (every network).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo_service.config import PROJECT_ROOT  # noqa: E402
from geo_service.db.admin import create_database_if_missing, with_database  # noqa: E402
from geo_service.db.migrate import migrate  # noqa: E402
from geo_service.db.pool import Database  # noqa: E402
from geo_service.devtools.cluster import LocalCluster  # noqa: E402

BENCH_DB = "plans_bench_edit"
PORT = 5685
SOURCE = "epcn-december-2019"
PLAN = "edit-latency-plan"


def database(root: Path) -> str:
    maintenance = with_database(LocalCluster(PROJECT_ROOT).database_url(), "postgres")
    create_database_if_missing(maintenance, BENCH_DB)
    url = with_database(maintenance, BENCH_DB)
    migrate(url)
    db = Database(url, statement_timeout_ms=0)
    with db.connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM scenarios WHERE slug = %s", (SOURCE,))
        loaded = cur.fetchone()[0] > 0
    if not loaded:
        from geo_service.ingest.bundle import import_bundle

        started = time.perf_counter()
        import_bundle(db, ROOT / "data" / "manifests" / "england_2019-20.toml", root=root)
        print(f"loaded england_2019-20 in {time.perf_counter() - started:.1f} s")
    db.close()
    return url


def set_up_plan(url: str) -> str:
    """An editor with a token, and the plan (a copy of the whole 2019 scenario), made once."""
    from geo_service.access import service as access
    from geo_service.plans import service as plans

    db = Database(url, statement_timeout_ms=0)
    with db.connection() as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT id FROM users WHERE username = 'bench'")
            if cur.fetchone() is None:
                access.add_user(conn, "bench", "Benchmark", None)
                access.grant(conn, "bench", "admin")
            cur.execute("SELECT 1 FROM scenarios WHERE slug = %s", (PLAN,))
            exists = cur.fetchone() is not None
        token = access.create_token(conn, "bench", f"edit-latency {time.time():.0f}")[1]
        if not exists:
            started = time.perf_counter()
            plans.create_plan(conn, {"name": "Edit latency plan", "slug": PLAN, "copy_from": SOURCE}, None)
            print(f"copied {SOURCE} (all networks) in {time.perf_counter() - started:.1f} s")
    with db.connection() as conn, conn.cursor() as cur:
        cur.execute("ANALYZE")
    db.close()
    return token


def pick_move(url: str, area: str) -> tuple[str, str, str]:
    """(practice, its network, another network of the same area) in the plan."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """SELECT n.code, min(p.ods_code) FROM scenarios s
                 JOIN networks n ON n.scenario_id = s.id AND n.lead_commissioner_code = %s
                 JOIN memberships m ON m.network_id = n.id JOIN practices p ON p.id = m.practice_id
                WHERE s.slug = %s GROUP BY n.code ORDER BY n.code LIMIT 2""",
            (area, PLAN),
        )
        (a, practice), (b, _) = cur.fetchall()
    return practice, a, b


def request(method: str, url: str, token: str, body: dict | None = None, etag: str | None = None, **headers):
    h = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "X-Edit-Session": "bench", **headers}
    if etag:
        h["If-Match"] = etag
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    with urllib.request.urlopen(req, timeout=120) as resp:
        return resp.headers.get("ETag"), json.loads(resp.read())


def stats(ms: list[float]) -> tuple[float, float]:
    ordered = sorted(ms)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT.parent / "shared" / "data" / "real")
    parser.add_argument("--area", default="99J")
    args = parser.parse_args()
    url = database(args.root)
    token = set_up_plan(url)
    practice, a, b = pick_move(url, args.area)
    env = {**os.environ, "DATABASE_URL": url, "GEO_TILES_URL": "none", "GEO_COOKIE_SECURE": "0"}
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{PORT}", "--workers", "1",
         "--timeout", "300", "--log-level", "warning", "geo_service.wsgi:app"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{PORT}"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        etag, _ = request("GET", f"{base}/api/v1/plans/{PLAN}", token)
        edits, reads = [], []
        targets = [b, a]
        # warm both paths once
        etag, out = request("POST", f"{base}/api/v1/plans/{PLAN}/edits/assign", token,
                            {"network": b, "practices": [practice]}, etag)  # fmt: skip
        etag, out = request("POST", f"{base}/api/v1/plans/{PLAN}/edits/assign", token,
                            {"network": a, "practices": [practice]}, etag)  # fmt: skip
        no_cache = {"Cache-Control": "no-cache"}
        request("GET", f"{base}/api/v1/scenarios/{PLAN}/checks?area={args.area}", token, **no_cache)
        for i in range(args.repeat):
            started = time.perf_counter()
            etag, out = request("POST", f"{base}/api/v1/plans/{PLAN}/edits/assign", token,
                                {"network": targets[i % 2], "practices": [practice]}, etag)  # fmt: skip
            edits.append((time.perf_counter() - started) * 1000)
            assert out["delta"]["networks"], out
            started = time.perf_counter()
            request("GET", f"{base}/api/v1/scenarios/{PLAN}/checks?area={args.area}", token,
                    **{"Cache-Control": "no-cache"})  # fmt: skip
            reads.append((time.perf_counter() - started) * 1000)
        if args.repeat % 2:  # leave the practice where it started
            back = {"network": a, "practices": [practice]}
            request("POST", f"{base}/api/v1/plans/{PLAN}/edits/assign", token, back, etag)
    except urllib.error.HTTPError as err:
        raise SystemExit(f"HTTP {err.code}: {err.read().decode()[:500]}") from None
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    em, ep = stats(edits)
    rm, rp = stats(reads)
    print(f"England 2019/20, plan copy of {SOURCE}; move {practice} between {a} and {b} (area {args.area}), "
          f"{args.repeat} edits")  # fmt: skip
    print(f"edit + delta (POST .../edits/assign):    median {em:7.1f} ms   p90 {ep:7.1f} ms   goal median <= 150 ms: "
          f"{'met' if em <= 150 else 'NOT met'}")  # fmt: skip
    print(f"baseline: area checks, read-only (GET):  median {rm:7.1f} ms   p90 {rp:7.1f} ms")
    print(f"ratio edit / read-only checks: {em / rm:.2f}x (median)")


if __name__ == "__main__":
    main()

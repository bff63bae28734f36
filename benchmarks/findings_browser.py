"""Benchmark the findings browser (issue 19): England's orphaned practices in April 2022, cold and warm, against
the checks API of the same scenario in the same run (ratios, not absolute goals).

    GEO_DB_PORT=5554 .venv/bin/python benchmarks/findings_browser.py [--database-url URL] [--repeat 15]
                                                                     [--scenario epcn-april-2022]

The database must hold the scenario (e.g. the local cluster after ``geo-service demo`` and the three bundle
imports). The app is served by werkzeug (threaded) on 127.0.0.1 in this process. "Cold" is the first request
of a new app (its caches empty; PostgreSQL's own buffers are as the previous runs left them); "warm" is the
median of ``--repeat`` requests. The baselines are timed the same way: ``/checks?detail=summary`` and the full
``/checks`` JSON computed on every request (``Cache-Control: no-cache``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo_service import create_app  # noqa: E402
from tests.conftest import LiveServer  # noqa: E402


def _get(url: str, headers: dict | None = None) -> tuple[float, int]:
    req = urllib.request.Request(url, headers=headers or {})
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=600) as resp:
        body = resp.read()
    return (time.perf_counter() - start) * 1000, len(body)


def _app(database_url: str | None):
    config = {"GEO_TILES_URL": "none"}
    if database_url:
        config["DATABASE_URL"] = database_url
    return create_app(config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--scenario", default="epcn-april-2022")
    args = parser.parse_args()
    s = args.scenario
    cases = {
        "findings JSON, orphans p1": f"/api/v1/scenarios/{s}/findings?rule=orphaned",
        "findings JSON, orphans p2 (10/page)": f"/api/v1/scenarios/{s}/findings?rule=orphaned&page=2&per_page=10",
        "findings page (HTML), orphans": f"/maps/{s}/findings?rule=orphaned",
        "findings JSON, headline p1": f"/api/v1/scenarios/{s}/findings",
        "findings JSON, all tiers p1": f"/api/v1/scenarios/{s}/findings?tier=all",
        "findings CSV, orphans": f"/api/v1/scenarios/{s}/findings.csv?rule=orphaned",
        "findings GeoPackage, orphans": f"/api/v1/scenarios/{s}/findings.gpkg?rule=orphaned",
    }
    baselines = {
        "checks summary (no-cache)": f"/api/v1/scenarios/{s}/checks?detail=summary",
        "checks full JSON (no-cache)": f"/api/v1/scenarios/{s}/checks",
    }
    no_cache = {"Cache-Control": "no-cache"}
    results: dict[str, tuple[float, float, int]] = {}
    for label, path in {**baselines, **cases}.items():
        app = _app(args.database_url)  # a new app: its caches are empty
        with LiveServer(app) as live:
            headers = no_cache if label in baselines else None
            cold, size = _get(live.url + path, headers)
            warm = statistics.median(_get(live.url + path, headers)[0] for _ in range(args.repeat))
        app.extensions["geo_db"].close()
        results[label] = (cold, warm, size)
    base = results["checks summary (no-cache)"][1]
    print(f"scenario {s}; {args.repeat} warm requests each; ratios against the warm checks summary ({base:.0f} ms)")
    print(f"{'request':40} {'cold ms':>9} {'warm ms':>9} {'warm/base':>10} {'bytes':>10}")
    for label, (cold, warm, size) in results.items():
        print(f"{label:40} {cold:9.0f} {warm:9.1f} {warm / base:10.2f} {size:10,}")


if __name__ == "__main__":
    main()

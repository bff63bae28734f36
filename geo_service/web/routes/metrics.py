"""``/metrics`` in the Prometheus text format (issue 26), by prometheus-flask-exporter.

* Requests: ``flask_http_request_duration_seconds`` (histogram) and ``flask_http_request_total`` per route
  (the URL rule, e.g. ``/maps/<scenario>``, never the raw path: one series per route, not per URL) and status.
* The database pool (in use, idle, waiting, bound), the print queue, cache hits and misses, background jobs
  and import durations: :mod:`geo_service.metrics`.
* Under gunicorn set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder (``serve --prod`` makes one): each worker
  writes its values there and the scraped worker adds up all of them, so one scrape sees every worker.
* ``GEO_METRICS_TOKEN`` set: ``/metrics`` wants ``Authorization: Bearer <token>`` (401 otherwise);
  unset, it is open (keep it off the public internet at the proxy: ``deploy/nginx.conf``).
"""

from __future__ import annotations

import hmac
import logging
import os

from flask import Blueprint, Flask, current_app, request
from prometheus_client import CollectorRegistry

from geo_service import metrics
from geo_service.errors import GeoServiceError
from geo_service.suggest import jobs as suggest_jobs
from geo_service.web.openapi import operation
from geo_service.web.schemas import common

log = logging.getLogger(__name__)

METRICS_PATH = "/metrics"


class MetricsTokenRequired(GeoServiceError):
    status = 401
    title = "Metrics token required"


bp = Blueprint("metrics", __name__)


@bp.get(METRICS_PATH)
@operation(
    tags=["meta"],
    summary="Operational metrics in the Prometheus text format",
    description="Requests per route and status (count, latency), the database pool, caches, the print queue, "
    "background jobs and imports. With GEO_METRICS_TOKEN set: `Authorization: Bearer <token>`.",
    responses={
        200: common.content("text/plain", binary=False, description="Prometheus text format 0.0.4."),
        **common.problems(401),
    },
)
def metrics_page():
    _check_token()
    _refresh_gauges()
    body, content_type = current_app.extensions["geo_metrics"].generate_metrics(request.headers.get("Accept"))
    return body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"}


def _multiprocess_dir() -> str | None:
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir")
    return path if path and os.path.isdir(path) else None


def _check_token() -> None:
    token = current_app.config.get("GEO_METRICS_TOKEN")
    if token:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), str(token).encode()):
            raise MetricsTokenRequired("GET /metrics with the header Authorization: Bearer <GEO_METRICS_TOKEN>.")


def _refresh_gauges() -> None:
    """Values read at scrape time: the pool and print queue of this process, the jobs in the database."""
    app = current_app._get_current_object()
    _pool_gauges(app)
    queue = app.extensions.get("geo_print_queue")
    if queue is not None:
        metrics.print_queue_state(queue.state())
    try:
        with app.extensions["geo_db"].connection() as conn:
            metrics.job_counts("suggest", suggest_jobs.counts(conn))
    except Exception:  # noqa: BLE001 - a scrape during a database outage still reports the rest
        log.warning("metrics: job counts unavailable", exc_info=True)


def _pool_gauges(app: Flask) -> None:
    db = app.extensions.get("geo_db")
    if db is not None and hasattr(db, "usage"):
        metrics.pool_state(db.usage())


def register(app: Flask) -> None:
    from prometheus_flask_exporter import PrometheusMetrics

    app.config.setdefault("GEO_METRICS_TOKEN", os.environ.get("GEO_METRICS_TOKEN") or None)
    enabled = app.config.get("GEO_METRICS", os.environ.get("GEO_METRICS", "1"))
    if str(enabled).strip().lower() in ("0", "false", "no", "off"):
        return  # GEO_METRICS=0: no /metrics, no per-request counting (benchmarks/metrics_cost.py's baseline)
    # The app's own registry (several apps in one process, as in the tests, each count their requests). Under
    # gunicorn (PROMETHEUS_MULTIPROC_DIR) the values live in the folder and the exporter reads them all back at
    # each scrape; this registry must then not hold a MultiProcessCollector (it would see another worker's
    # metric names as duplicates and the exporter would silently skip its request hooks).
    registry = CollectorRegistry()
    if not _multiprocess_dir():
        for metric in metrics.ALL:
            registry.register(metric)
    exporter = PrometheusMetrics(
        app=None,
        path=None,
        registry=registry,
        group_by="url_rule",
        defaults_prefix="flask",
        default_labels={},
        excluded_paths=[f"^{METRICS_PATH}$"],
    )
    exporter.init_app(app)
    app.extensions["geo_metrics"] = exporter
    app.register_blueprint(bp)

    @app.after_request
    def _pool_after_request(response):
        _pool_gauges(app)
        return response

"""GIS exports and print-ready maps: ``/api/v1/scenarios/<slug>/export`` and ``.../print.png|pdf``.

The file is built in a temporary folder before the response starts (so errors are still a
problem+json), then streamed in chunks; the folder is removed when the stream ends or is closed.
Every response names the data it shows in the ``X-Data-Scope`` header (the scope's data line, ASCII:
"as of 4 Dec 2019; register Dec 2019; list sizes Jan 2021; locations Oct 2020; boundaries Apr 2019"),
for formats that cannot carry it themselves (CSV, KML, PNG) as for the others.

Prints are never made in the web worker: :func:`geo_service.exports.service.print_map_kept` serves the copy kept
for the scenario's data version (``X-Print-Copy: kept``; ``GEO_PRINT_KEEP_MB`` on disk, 0 turns keeping off), else
makes it in a child process (``X-Print-Copy: new``) once the app's
:class:`~geo_service.exports.print_queue.PrintQueue` grants a slot (``GEO_PRINT_SLOTS`` per process and
``GEO_PRINT_SLOTS_TOTAL`` per host drawing at once, ``GEO_PRINT_QUEUE`` waiting up to ``GEO_PRINT_WAIT_S``
seconds; beyond that a problem+json 503 with ``Retry-After``). No database connection is held meanwhile.

Issue 21: the web thread does not wait for the making. The print is made in the background
(:class:`~geo_service.exports.print_jobs.PrintJobs`) and the request waits ``GEO_PRINT_ANSWER_S`` (2 s) for it; not
ready by then, it answers **202 Accepted** with ``Retry-After`` and ``Location`` (this same address, which serves
the kept copy once it is made): a browser gets a small page that looks again by itself, an API client a JSON body
saying when to come back. With keeping off (``GEO_PRINT_KEEP_MB=0``) there is nowhere to leave a finished print,
and the request waits for it as before.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from geo_service.exports import service
from geo_service.exports.print_jobs import PrintJobs, PrintNotReady
from geo_service.exports.print_queue import PrintQueue, PrintQueueFull
from geo_service.exports.print_store import KeptPrints
from geo_service.exports.vector import ExportFile, ascii_line
from geo_service.web.openapi import operation
from geo_service.web.pipeline.connection import database, get_conn
from geo_service.web.schemas import common
from geo_service.web.schemas import exports as schemas

bp = Blueprint("exports", __name__, url_prefix="/api/v1/scenarios/<slug>")
PRINT_QUEUE = "geo_print_queue"
KEPT_PRINTS = "geo_kept_prints"
PRINT_JOBS = "geo_print_jobs"
PRINT_ACCEPTED = {
    "description": "The print is being made: come back to ``Location`` (this address) after ``Retry-After`` "
    "seconds. A browser (Accept: text/html) gets a page that looks again by itself.",
    "headers": {
        "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before asking again."},
        "Location": {"schema": {"type": "string"}, "description": "Where to ask again (this same address)."},
    },
    "content": {
        "application/json": {"schema": {"type": "object"}},
        "text/html": {"schema": {"type": "string"}},
    },
}


@bp.record_once
def _make_print_queue(state) -> None:  # noqa: ANN001 - Flask's BlueprintSetupState
    cfg = state.app.config
    state.app.extensions.setdefault(
        PRINT_QUEUE,
        PrintQueue(
            slots=int(cfg.get("GEO_PRINT_SLOTS", 1)),
            waiting=int(cfg.get("GEO_PRINT_QUEUE", 1)),  # issue 21: waiting prints hold threads; keep few
            wait_s=float(cfg.get("GEO_PRINT_WAIT_S", 25)),
            shared_key=str(cfg.get("DATABASE_URL")),  # issue 21: one bound for all workers of this host
            total_slots=int(cfg.get("GEO_PRINT_SLOTS_TOTAL", cfg.get("GEO_PRINT_SLOTS", 1))),
            shared_dir=cfg.get("GEO_PRINT_SLOT_DIR"),  # the host's lock files (default: the temporary folder)
        ),
    )
    state.app.extensions.setdefault(
        KEPT_PRINTS,
        KeptPrints.for_deployment(
            str(cfg.get("DATABASE_URL")),
            max_bytes=int(float(cfg.get("GEO_PRINT_KEEP_MB", 512)) * 1024 * 1024),
            folder=cfg.get("GEO_PRINT_KEEP_DIR"),
        ),
    )
    state.app.extensions.setdefault(
        PRINT_JOBS,
        PrintJobs(state.app.extensions[KEPT_PRINTS].folder, answer_s=float(cfg.get("GEO_PRINT_ANSWER_S", 2))),
    )


@bp.errorhandler(PrintQueueFull)
def _print_queue_full(err: PrintQueueFull):
    headers = {"Content-Type": "application/problem+json", "Retry-After": str(err.retry_after_s)}
    return err.to_problem(request.path), err.status, headers


@bp.errorhandler(PrintNotReady)
def _print_not_ready(err: PrintNotReady):
    again = request.script_root + request.full_path.rstrip("?")
    headers = {"Retry-After": str(err.retry_after_s), "Location": again, "Cache-Control": "no-store"}
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
        return render_template("exports/print_wait.html", retry_after=err.retry_after_s, again=again), 202, headers
    detail = f"The print is being made: ask again in {err.retry_after_s} seconds at the same address."
    body = {"status": 202, "title": "Print being made", "retry_after": err.retry_after_s, "location": again,
            "detail": detail}  # fmt: skip
    return jsonify(body), 202, headers


def _stream(export: ExportFile) -> Response:
    size = export.path.stat().st_size
    resp = Response(export.chunks(), mimetype=export.media_type, direct_passthrough=True)
    resp.headers["Content-Length"] = str(size)
    resp.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    resp.headers["Cache-Control"] = "no-store"
    if export.data_line:
        resp.headers["X-Data-Scope"] = ascii_line(export.data_line)
    resp.call_on_close(export.cleanup)
    return resp


@bp.get("/export")
@operation(
    tags=["exports"],
    summary="A layer as a GIS file: GeoPackage, GeoJSON, Shapefile (zip), KML or CSV",
    query=schemas.ExportQuery,
    responses={200: schemas.export_responses(), **common.problems(400, 404)},
)
def export(slug: str, query: dict):
    args = query
    result = service.export_vector(
        get_conn(),
        slug,
        format=args.get("format"),
        layer=args.get("layer"),
        area=args.get("area"),
        boundary_set=args.get("boundary_set"),
        crs=args.get("crs"),
    )
    return _stream(result)


def _basemap(flag: str | None) -> tuple[str, str] | None:
    """The configured tile source when ``basemap=1`` is asked for and one is configured."""
    url = current_app.config.get("GEO_TILES_URL")
    if (flag or "").lower() in ("1", "true", "yes") and url:
        return url, current_app.config.get("GEO_TILES_ATTRIBUTION", "")
    return None


def _print(slug: str, kind: str, code: str, fmt: str, args: dict) -> Response:
    cfg = current_app.config
    result, kept = service.print_map_kept(
        database(),
        str(cfg["DATABASE_URL"]),
        current_app.extensions[PRINT_QUEUE],
        current_app.extensions[KEPT_PRINTS],
        slug,
        kind,
        code,
        format=fmt,
        paper=args.get("paper"),
        orientation=args.get("orientation"),
        dpi=args.get("dpi"),
        boundary_set=args.get("boundary_set"),
        basemap=_basemap(args.get("basemap")),
        statement_timeout_ms=database().statement_timeout_ms,
        jobs=current_app.extensions[PRINT_JOBS],
    )
    resp = _stream(result)
    resp.headers["X-Print-Copy"] = "kept" if kept else "new"
    if args.get("download", "").lower() not in ("1", "true", "yes"):
        resp.headers["Content-Disposition"] = f'inline; filename="{result.filename}"'
    return resp


@bp.get("/areas/<code>/print.<fmt>")
@operation(
    tags=["prints"],
    summary="A print-ready map of an area (PNG or PDF)",
    path=schemas.PrintPath,
    query=schemas.PrintQuery,
    responses={
        200: common.content(*schemas.PRINT_MEDIA_TYPES, description="The map."),
        202: PRINT_ACCEPTED,
        **common.problems(400, 404, 503),
    },
)
def print_area(slug: str, code: str, fmt: str, query: dict):
    return _print(slug, "area", code, fmt, query)


@bp.get("/networks/<code>/print.<fmt>")
@operation(
    tags=["prints"],
    summary="A print-ready map of a network (PNG or PDF)",
    path=schemas.PrintPath,
    query=schemas.PrintQuery,
    responses={
        200: common.content(*schemas.PRINT_MEDIA_TYPES, description="The map."),
        202: PRINT_ACCEPTED,
        **common.problems(400, 404, 503),
    },
)
def print_network(slug: str, code: str, fmt: str, query: dict):
    return _print(slug, "network", code, fmt, query)

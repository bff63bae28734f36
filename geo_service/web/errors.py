"""One error handler: problem+json for the API, a friendly page for HTML. A "not found" also offers the
nearest valid pages: did-you-mean on the scenario, area or network code, the scenario's overview, home."""

from __future__ import annotations

import logging

import psycopg2
from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from geo_service.errors import GeoServiceError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def problem_only(path: str) -> bool:
    """Errors on this path are always problem+json; elsewhere the client's Accept picks JSON or a page (the
    OpenAPI document declares both there)."""
    return path.startswith("/api/") or path in ("/healthz", "/oembed")


def _wants_json() -> bool:
    if problem_only(request.path):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json", PROBLEM_JSON])
    return best in ("application/json", PROBLEM_JSON)


def _nearest(problem: dict) -> dict | None:
    """Did-you-mean for a 404 of a route naming a scenario (and a code); None when nothing can be offered."""
    if problem.get("status") != 404 or not request.view_args:
        return None
    args = request.view_args
    scenario = args.get("scenario") or args.get("slug")
    if not isinstance(scenario, str):
        return None
    from geo_service.navigation.search import nearest_pages
    from geo_service.web.connection import get_conn
    from geo_service.web.search import visible_scenarios

    try:
        conn = get_conn()
        visible = visible_scenarios(conn)
        return nearest_pages(conn, scenario, args.get("code"), problem.get("parameter"), visible)
    except (GeoServiceError, psycopg2.Error):  # suggestions are a courtesy: the 404 stands without them
        log.warning("no suggestions for %s", request.path, exc_info=True)
        return None


def _render(problem: dict, status: int):
    nearest = _nearest(problem)
    if _wants_json():
        if nearest and nearest["suggestions"]:
            problem = {**problem, "suggestions": nearest["suggestions"]}
        return problem, status, {"Content-Type": PROBLEM_JSON}
    return render_template("error.html", problem=problem, nearest=nearest), status


def register(app: Flask) -> None:
    @app.errorhandler(GeoServiceError)
    def _service_error(err: GeoServiceError):
        if err.status >= 500:
            log.error("%s: %s", type(err).__name__, err.detail)
        return _render(err.to_problem(request.path), err.status)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        problem = {
            "type": "about:blank",
            "title": err.name,
            "status": err.code,
            "detail": err.description,
            "instance": request.path,
        }
        return _render(problem, err.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log.exception("unhandled error on %s", request.path)
        problem = {
            "type": "about:blank",
            "title": "Internal Server Error",
            "status": 500,
            "detail": "Something went wrong on our side. It has been logged.",
            "instance": request.path,
        }
        return _render(problem, 500)

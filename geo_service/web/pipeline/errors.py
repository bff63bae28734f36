"""One error handler: problem+json for the API, a friendly page for HTML. A "not found" also offers the
nearest valid pages: did-you-mean on the scenario, area or network code, the scenario's overview, home."""

from __future__ import annotations

import logging
import re

import numpy as np
import psycopg2
from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from geo_service.errors import GeoServiceError, InvalidParameter
from geo_service.navigation.search import nearest_pages
from geo_service.web.pipeline.connection import get_conn
from geo_service.web.pipeline.visibility_guard import visible_scenarios

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def problem_only(path: str) -> bool:
    """Errors on this path are always problem+json; elsewhere the client's Accept picks JSON or a page (the
    OpenAPI document declares both there)."""
    return path.startswith("/api/") or path in ("/healthz", "/oembed", "/metrics")


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


MAX_JSON_DEPTH = 32  # our JSON bodies nest 3 or 4 levels (a GeoJSON polygon 5); Python's parser stops near 1,000
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)


def json_depth(body: bytes) -> int:
    """How deep arrays and objects nest in a JSON text (strings skipped), without parsing it (issue 21)."""
    bare = np.frombuffer(_JSON_STRING.sub(b'""', body), dtype=np.uint8)
    if not len(bare):
        return 0
    steps = np.isin(bare, (ord("["), ord("{"))).astype(np.int32) - np.isin(bare, (ord("]"), ord("}")))
    return int(np.cumsum(steps).max(initial=0))


def _limit_json_depth() -> None:
    """Refuse a JSON body nested deeper than :data:`MAX_JSON_DEPTH` with a 400 before any route parses it
    (a 2 KB body nested 1,000 deep made the parser raise RecursionError: a 500 on every JSON write route)."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.is_json:
        return
    depth = json_depth(request.get_data(cache=True))
    if depth > MAX_JSON_DEPTH:
        raise InvalidParameter("body", f"The JSON body nests {depth} levels deep; at most {MAX_JSON_DEPTH}.")


def register(app: Flask) -> None:
    app.before_request(_limit_json_depth)

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

"""One error handler: problem+json for the API, a friendly page for HTML."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from geo_service.errors import GeoServiceError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def _wants_json() -> bool:
    path = request.path
    if path.startswith("/api/") or path in ("/healthz", "/oembed"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json", PROBLEM_JSON])
    return best in ("application/json", PROBLEM_JSON)


def _render(problem: dict, status: int):
    if _wants_json():
        return problem, status, {"Content-Type": PROBLEM_JSON}
    return render_template("error.html", problem=problem), status


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

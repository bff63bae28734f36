"""One JSON log line per request, and the request id in every log record and error body (issue 26).

``GEO_LOG_FORMAT=json`` (the default of ``serve --prod`` and the image) writes every log record of the process
as one JSON object per line on stderr (python-json-logger), ready for a log shipper; ``text`` (the development
default) keeps the plain format. Either way each request ends with one record on the ``geo_service.requests``
logger::

    {"time": "...", "level": "INFO", "logger": "geo_service.requests", "message": "request",
     "request_id": "4f…", "method": "GET", "route": "/maps/<scenario>", "path": "/maps/demo",
     "status": 200, "duration_ms": 18.4, "user_id": 3, "remote_addr": "10.0.0.7"}

What a line never holds: the query string (share links and sign-in redirects may carry tokens), headers
(Authorization, Cookie), form fields or bodies (passwords). ``user_id`` is the account already resolved by the
request (a Bearer token's or the session's user), never looked up for the log.

Every record logged while a request runs carries its ``request_id`` (a logging filter), so a traceback of a 500
can be found from the id the user saw: the id is in the ``X-Request-ID`` header, in every problem+json body
(``request_id``) and on the HTML error page.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time

from flask import Flask, g, has_request_context, request

REQUEST_LOGGER = "geo_service.requests"
log = logging.getLogger(REQUEST_LOGGER)
PROBLEM_JSON = "application/problem+json"
_HANDLER_NAME = "geo_service.json"


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to each record logged inside a request (``-`` outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def json_handler(stream=None) -> logging.Handler:
    from pythonjsonlogger.json import JsonFormatter

    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            datefmt="%Y-%m-%dT%H:%M:%S%z",
        )
    )
    handler.addFilter(RequestIdFilter())
    return handler


def configure(fmt: str, stream=None) -> None:
    """Route the process's log records through one JSON handler on the root logger (once per process)."""
    root = logging.getLogger()
    if fmt != "json" or any(h.get_name() == _HANDLER_NAME for h in root.handlers):
        return
    for handler in list(root.handlers):  # a previous plain handler (logging.basicConfig) would print twice
        root.removeHandler(handler)
    root.addHandler(json_handler(stream))
    root.setLevel(logging.INFO)


def _user_id() -> int | None:
    actor = g.get("geo_actor")
    if actor is None:
        user = g.get("_login_user")  # flask_login's, only when the request already loaded it
        actor = getattr(user, "actor", None)
    return getattr(actor, "id", None)


def _start() -> None:
    g.request_started = time.perf_counter()


def _add_request_id_to_problem(response):
    """``request_id`` in every problem+json body, whichever handler made it (errors, throttling, OGC, prints)."""
    if response.mimetype != PROBLEM_JSON or response.direct_passthrough or "request_id" not in g:
        return response
    try:
        body = json.loads(response.get_data())
    except ValueError:
        return response
    if isinstance(body, dict) and "request_id" not in body:
        body["request_id"] = g.request_id
        response.set_data(json.dumps(body, ensure_ascii=False))
    return response


def _finish(response):
    started = g.pop("request_started", None)
    rule = request.url_rule
    log.info(
        "request",
        extra={
            "request_id": g.get("request_id", "-"),
            "method": request.method,
            "route": rule.rule if rule is not None else None,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
            "user_id": _user_id(),
            "remote_addr": request.remote_addr,
        },
    )
    return _add_request_id_to_problem(response)


def register(app: Flask) -> None:
    fmt = str(app.config.get("GEO_LOG_FORMAT") or os.environ.get("GEO_LOG_FORMAT") or "text").strip().lower()
    if fmt not in ("json", "text"):
        raise ValueError(f"setting GEO_LOG_FORMAT must be json or text, got {fmt!r}")
    app.config["GEO_LOG_FORMAT"] = fmt
    configure(fmt)
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
    app.before_request_funcs.setdefault(None, []).insert(0, _start)  # first: timed even when a check refuses
    app.after_request(_finish)

"""Checks API: ``/api/v1/scenarios/<slug>/checks[.csv]``, ``/api/v1/scenarios/<slug>/networks/<code>``
and ``/api/v1/scenarios/compare?a=&b=``. Routes parse the query string and shape the response; the
rules live in :mod:`geo_service.analysis.service`.

Each request is judged in one scope (the scenario's date and extracts; ``as_of=YYYY-MM-DD`` reads it
as of another day). Responses are cached per process, keyed on the request and the scenario's own data
version (``caching.scenario_state``): any change to data it reads makes a new key, so a cached body is never
stale, and an edit of another scenario keeps it. They carry an ETag
(``If-None-Match`` → 304); ``Cache-Control: no-cache`` recomputes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from flask import Blueprint, Response, current_app, request

from geo_service.analysis import described, report, service
from geo_service.analysis.parameters import SPECS
from geo_service.caching import LRUCache, scenario_state
from geo_service.web.openapi import operation
from geo_service.web.pipeline.conditional import conditional_response
from geo_service.web.pipeline.connection import get_conn
from geo_service.web.schemas import checks as schemas
from geo_service.web.schemas import common

bp = Blueprint("checks_api", __name__, url_prefix="/api/v1")

CACHE_ENTRIES = 32
_ARGS = ("boundary_set", "area", "detail", "a", "b", "as_of", "page", "per_page", *SPECS)


def _cache() -> LRUCache[tuple[str, bytes, dict]]:
    return current_app.extensions.setdefault("geo_checks_cache", LRUCache(CACHE_ENTRIES))


def _params(query: dict) -> dict[str, str]:
    return {name: query[name] for name in SPECS if name in query}


def _cached(kind: str, query: dict, mimetype: str, build: Callable[[], tuple[bytes, dict]]) -> Response:
    # Keyed on the scenario's own version (the compare route: both scenarios'), so an edit of another
    # scenario (a private draft) leaves this body and its ETag as they were.
    conn = get_conn()
    slugs = [(request.view_args or {}).get("slug")] if kind != "compare" else [query.get(k) for k in "ab"]
    key = (
        kind,
        tuple(sorted((request.view_args or {}).items())),
        tuple((k, query.get(k)) for k in _ARGS),
        *(scenario_state(conn, s or "") for s in slugs),
    )
    cache = _cache()
    hit = None if "no-cache" in request.headers.get("Cache-Control", "") else cache.get(key)
    if hit is None:
        body, headers = build()
        etag = hashlib.blake2b(repr(key).encode() + body, digest_size=12).hexdigest()
        hit = (etag, body, headers)
        cache.put(key, hit)
    etag, body, headers = hit
    # clients revalidate (no-cache): the data can change at any time
    return conditional_response(etag, body, mimetype, {"Cache-Control": "no-cache"}, body_headers=headers, keep=key)


def _json(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _page(query: dict) -> dict:
    """``page`` / ``per_page`` of the checks route (a page of findings), when asked for."""
    if "page" not in query:
        return {}
    return {"page": int(query["page"]), "per_page": int(query.get("per_page") or 500)}


def _run(slug: str, query: dict, detail: str | None = None, paged: bool = False) -> dict:
    return service.run_checks(
        get_conn(),
        slug,
        query.get("boundary_set"),
        query.get("area"),
        _params(query),
        detail=detail or query.get("detail", "full"),
        as_of=query.get("as_of"),
        **(_page(query) if paged else {}),
    )


@bp.get("/scenarios/<slug>/checks")
@operation(
    tags=["checks"],
    summary="Run every check on a scenario (summary counts and findings)",
    query=schemas.ChecksQuery,
    responses={200: common.json_response(schemas.ChecksResult), 304: common.NOT_MODIFIED, **common.problems(400, 404)},
)
def checks(slug: str, query: dict):
    # Machine fields as before; each item also carries ``description`` and ``evidence_table`` (analysis.wording).
    return _cached(
        "checks",
        query,
        "application/json",
        lambda: (_json(described.describe_items(get_conn(), _run(slug, query, paged=True))), {}),
    )


@bp.get("/scenarios/<slug>/checks.csv")
@operation(
    tags=["checks"],
    summary="Every finding of every check as CSV (one row per finding)",
    query=schemas.ChecksCsvQuery,
    responses={
        200: common.content("text/csv", description="Findings, one row per finding.", binary=False),
        304: common.NOT_MODIFIED,
        **common.problems(400, 404),
    },
)
def checks_csv(slug: str, query: dict):
    def build():
        result = _run(slug, query, detail="full")
        name = f"checks-{result['scenario']['slug']}-{result['boundary_set']['slug']}"
        if result["area"]:
            name += f"-{result['area']['ods_code'] or result['area']['gss_code']}"
        names = described.names_for(get_conn(), result["items"], scope=result.get("scope"))
        return report.to_csv(result, names).encode(), {"Content-Disposition": f'attachment; filename="{name}.csv"'}

    return _cached("csv", query, "text/csv", build)


@bp.get("/scenarios/<slug>/networks/<code>")
@operation(
    tags=["checks"],
    summary="One network: members, population and its findings",
    path=common.NetworkPath,
    query=schemas.NetworkQuery,
    responses={200: common.json_response(schemas.NetworkDetail), 304: common.NOT_MODIFIED, **common.problems(400, 404)},
)
def network(slug: str, code: str, query: dict):
    return _cached(
        "network",
        query,
        "application/json",
        lambda: (
            _json(
                described.describe_items(
                    get_conn(),
                    service.network_detail(get_conn(), slug, code, query.get("boundary_set"), _params(query)),
                )
            ),
            {},
        ),
    )


@bp.get("/scenarios/compare")
@operation(
    tags=["checks"],
    summary="Compare two scenarios: practices moved, networks changed, checks side by side",
    query=schemas.CompareQuery,
    responses={200: common.json_response(schemas.Comparison), 304: common.NOT_MODIFIED, **common.problems(400, 404)},
)
def compare(query: dict):
    def build():
        result = service.compare_scenarios(
            get_conn(),
            query.get("a", ""),
            query.get("b", ""),
            query.get("boundary_set"),
            _params(query),
            query.get("area"),
        )
        return _json(result), {}

    return _cached("compare", query, "application/json", build)

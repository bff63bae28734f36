"""Cacheable GeoJSON layers for the maps: ``/api/v1/maps/...``.

Each request resolves its scope first (scenario date, dataset, extracts, boundary set, area). ETag = hash
of the data version, the scope and the request (path + sorted query), so a client or proxy revalidates with
``If-None-Match`` and gets ``304`` without the server computing the layer.
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, request

from geo_service import catalogue
from geo_service.caching import LRUCache
from geo_service.errors import NotFound
from geo_service.maps import views
from geo_service.scope import Scope, resolve_scope
from geo_service.web.map_context import links
from geo_service.web.openapi import operation
from geo_service.web.pipeline.conditional import conditional_response
from geo_service.web.pipeline.connection import get_conn
from geo_service.web.schemas import common
from geo_service.web.schemas import layers as schemas

bp = Blueprint("layers_api", __name__, url_prefix="/api/v1/maps")

MAX_AGE = 60  # seconds before a client revalidates (cheap: a few tiny queries)
# issue 26: a layer asked for with its version pin (?v=) never changes: a CDN keeps it and never asks again.
IMMUTABLE = "public, max-age=31536000, immutable"
GEOJSON = "application/geo+json"
_bodies: LRUCache[bytes] = LRUCache(32)  # serialised layers; the key holds the data version, so never stale


def _etag(version: int, scope: Scope) -> str:
    # The whole query string as sent (every parameter, repeated ones too): the URL's identity, not its values.
    args = "&".join(f"{k}={v}" for k, v in sorted(request.args.items(multi=True)))
    digest = hashlib.sha256(f"{version}|{scope.key()}|{request.path}|{args}".encode()).hexdigest()[:32]
    return f'"{digest}"'


def version_pin(scenario_id: int, version: int, scope: Scope) -> str:
    """What the answer depends on, in 16 hex digits: the scenario (its id, so a scenario made again under the same
    slug gets new pins), its data version and the scope. Same pin, same bytes."""
    return hashlib.sha256(f"{scenario_id}|{version}|{scope.key()}".encode()).hexdigest()[:16]


def _pinned_url(pin: str) -> str:
    args = [(k, v) for k, v in sorted(request.args.items(multi=True)) if k != "v"] + [("v", pin)]
    from urllib.parse import urlencode

    return f"{request.path}?{urlencode(args)}"


def _cached(scope: Scope, query: dict, build) -> Response:
    conn = get_conn()
    # The scenario's own version: an edit of another scenario (a private draft) keeps this layer's ETag.
    version = catalogue.scenario_version(conn, int(scope.scenario["id"]))
    etag = _etag(version, scope)
    pin = version_pin(int(scope.scenario["id"]), version, scope)
    asked = query.get("v")
    if asked is not None and asked != pin:  # an older (or unknown) version: the current one, not cached
        return Response(status=302, headers={"Location": _pinned_url(pin), "Cache-Control": "no-cache"})
    cache_control = IMMUTABLE if asked == pin else f"public, max-age={MAX_AGE}"
    headers = {
        "Cache-Control": cache_control,
        "Vary": "Accept-Encoding",
        "Content-Location": _pinned_url(pin),  # where this very answer stays the same for ever
    }
    body = lambda: _bodies.get_or_build(  # noqa: E731 - built only when the client's copy is stale
        (conn.dsn, etag),
        lambda: json.dumps(build(), separators=(",", ":"), ensure_ascii=False, default=str).encode(),
    )
    return conditional_response(etag, body, GEOJSON, headers, keep=(conn.dsn, etag))


@bp.get("/<scenario>/areas.geojson")
@operation(
    tags=["map layers"],
    summary="Every area of a boundary set with its number of findings (overview map layer)",
    query=schemas.OverviewQuery,
    responses={
        200: common.geojson_collection(),
        302: common.PIN_MOVED,
        304: common.NOT_MODIFIED,
        **common.problems(400, 404),
    },
)
def overview_areas(scenario: str, query: dict):
    """Every area of a boundary set with its number of findings (the overview map's layer)."""
    tolerance = views.check_overview_tolerance(query.get("simplify"))
    scope = resolve_scope(get_conn(), scenario, query.get("boundary_set") or None)
    return _cached(scope, query, lambda: views.overview_features(get_conn(), scope, tolerance))


@bp.get("/<scenario>/practices")
@operation(
    tags=["map layers"],
    summary="Search practices by name, ODS code or postcode prefix",
    query=schemas.PracticeSearchQuery,
    responses={200: common.json_response(schemas.PracticeSearch), **common.problems(400, 404)},
)
def search_practices(scenario: str, query: dict):
    """Practice search for the overview: ``?q=`` name fragment, ODS code or postcode prefix."""
    scope = resolve_scope(get_conn(), scenario, query.get("boundary_set") or None)
    body = views.search_practices(get_conn(), scope, query.get("q", ""))
    return body, 200, {"Cache-Control": f"public, max-age={MAX_AGE}"}


@bp.get("/<scenario>/areas/<code>/layers/<key>.geojson")
@operation(
    tags=["map layers"],
    summary="One layer of an area map (networks, practices, orphaned, ...)",
    query=schemas.LayerQuery,
    responses={
        200: common.geojson_collection(),
        302: common.PIN_MOVED,
        304: common.NOT_MODIFIED,
        **common.problems(400, 404),
    },
)
def area_layer(scenario: str, code: str, key: str, query: dict):
    """One layer of an area map (networks, practices, orphaned, ...), as drawn on the page."""
    scope = resolve_scope(get_conn(), scenario, query.get("boundary_set") or None, area=code)

    def build():
        view = views.area_view(get_conn(), scope, links(scope))
        layer = next((layer for layer in view.layers if layer.key == key), None)
        if layer is None:
            raise NotFound(f"No layer '{key}' on area maps. Layers: {', '.join(x.key for x in view.layers)}.")
        return layer.feature_collection()

    return _cached(scope, query, build)

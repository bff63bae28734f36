"""OGC API – Features (Part 1 Core, Part 2 CRS) and vector tiles under ``/ogc``.

GeoJSON by default (``application/geo+json``), HTML with ``?f=html`` or a browser's ``Accept``. Errors are
problem+json naming the parameter (HTML with ``?f=html``). Links are absolute, on ``GEO_PUBLIC_URL``.
Tiles: ``/ogc/collections/{id}/tiles/WebMercatorQuad/{z}/{x}/{y}`` (MVT), TileJSON at
``/ogc/collections/{id}/tiles.json``.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from geo_service.errors import GeoServiceError, InvalidParameter
from geo_service.ogc import catalogue, features, tiles
from geo_service.ogc.reference_systems import CRS84, STORAGE, URIS, bbox_in
from geo_service.ogc.requests import parse_items_request
from geo_service.plans.visibility import is_hidden
from geo_service.web.openapi import operation
from geo_service.web.pipeline import precompressed
from geo_service.web.pipeline.conditional import conditional_response
from geo_service.web.pipeline.connection import get_conn
from geo_service.web.pipeline.public_urls import public_base
from geo_service.web.pipeline.visibility_guard import hidden_for_request
from geo_service.web.schemas import common
from geo_service.web.schemas import ogc as schemas

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

JSON = "application/json"
GEOJSON = features.GEOJSON
PROBLEM = "application/problem+json"
MAX_AGE = 60
OPENAPI_PATH = "/api/openapi.json"
OAS30 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"  # only while /api/openapi.json is served
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]


def _base() -> str:
    return public_base() + "/ogc"


def _format() -> str:
    """'json' or 'html': ``?f=`` first, else the Accept header (JSON unless HTML is preferred)."""
    f = request.args.get("f")
    if f is not None:
        value = f.strip().lower()
        if value in ("json", "geojson"):
            return "json"
        if value == "html":
            return "html"
        raise InvalidParameter("f", f"'f' must be json or html, got '{f[:20]}'.", allowed=["json", "html"])
    best = request.accept_mimetypes.best_match([JSON, GEOJSON, "text/html"])
    return (
        "html"
        if best == "text/html" and request.accept_mimetypes["text/html"] > request.accept_mimetypes[JSON]
        else "json"
    )


def _only(*names: str) -> None:
    """Refuse parameters a route does not take (a 400 naming the first)."""
    for name in request.args:
        if name not in names:
            raise InvalidParameter(name, f"Unknown parameter '{name}'. Parameters: {', '.join(names)}.")


def _json(doc: dict, mimetype: str = JSON, headers: dict | None = None) -> Response:
    body = json.dumps(doc, separators=(",", ":"), ensure_ascii=False, default=str).encode()
    resp = Response(body, mimetype=mimetype, headers=headers)
    resp.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return resp


def _html(title: str, **context) -> Response:
    resp = Response(render_template("ogc/page.html", title=title, **context), mimetype="text/html")
    resp.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return resp


def _has_openapi() -> bool:
    adapter = current_app.url_map.bind("localhost")
    return adapter.test(OPENAPI_PATH, method="GET")


def _link(href: str, rel: str, type_: str, title: str) -> dict:
    return {"href": href, "rel": rel, "type": type_, "title": title}


@bp.errorhandler(GeoServiceError)
def _problem(err: GeoServiceError):
    return _error_response(err.to_problem(request.path), err.status)


@bp.errorhandler(HTTPException)
def _http_problem(err: HTTPException):
    problem = {"type": "about:blank", "title": err.name, "status": err.code, "detail": err.description}
    return _error_response({**problem, "instance": request.path}, err.code or 500)


def _error_response(problem: dict, status: int):
    if request.args.get("f", "").lower() == "html":
        return render_template("error.html", problem=problem), status
    return problem, status, {"Content-Type": PROBLEM, "Cache-Control": "no-store"}


@bp.get("/")
@bp.get("")
@operation(
    tags=["ogc"],
    summary="OGC API landing page",
    query=schemas.FormatQuery,
    responses={
        200: schemas.json_or_html(schemas.Landing, "Links to conformance and collections."),
        **common.problems(400),
    },
)
def landing():
    """Landing page: links to the API definition, conformance and the collections."""
    _only("f")
    base = _base()
    links = [
        _link(f"{base}?f=json", "self", JSON, "This document"),
        _link(f"{base}?f=html", "alternate", "text/html", "This document as HTML"),
        _link(f"{base}/conformance?f=json", "conformance", JSON, "Conformance classes implemented"),
        _link(f"{base}/collections?f=json", "data", JSON, "Collections"),
    ]
    if _has_openapi():
        links.append(
            _link(public_base() + OPENAPI_PATH, "service-desc", "application/vnd.oai.openapi+json;version=3.0", "API")
        )
    doc = {
        "title": "geo_service: GP primary care networks (OGC API – Features)",
        "description": "Practices, networks, memberships and commissioner areas of each scenario and boundary set, "
        "as of each scenario's date, with the planning rules' findings. Vector tiles for areas, networks and "
        "practices.",
        "links": links,
    }
    if _format() == "html":
        return _html(doc["title"], description=doc["description"], links=links)
    return _json(doc)


@bp.get("/conformance")
@operation(
    tags=["ogc"],
    summary="Conformance classes implemented",
    query=schemas.FormatQuery,
    responses={200: schemas.json_or_html(schemas.Conformance, "Conformance classes."), **common.problems(400)},
)
def conformance():
    _only("f")
    classes = [*CONFORMANCE, OAS30] if _has_openapi() else CONFORMANCE
    doc = {"conformsTo": classes}
    if _format() == "html":
        return _html("Conformance", description="Conformance classes this service implements.", items_list=classes)
    return _json(doc)


def _collection_doc(c: catalogue.Collection, base: str) -> dict:
    url = f"{base}/collections/{c.id}"
    links = [
        _link(f"{url}?f=json", "self", JSON, c.title),
        _link(f"{url}?f=html", "alternate", "text/html", c.title + " (HTML)"),
        _link(f"{url}/items?f=json", "items", GEOJSON, "Items"),
        _link(f"{url}/items?f=html", "items", "text/html", "Items (HTML)"),
    ]
    if c.has_tiles:
        links.append(_link(f"{url}/tiles.json", "describedby", JSON, "Vector tiles (TileJSON)"))
    doc: dict = {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "itemType": "feature",
        "links": links,
        "crs": URIS,
        "storageCrs": CRS84,
        "extent": {},
    }
    if c.bbox:
        doc["extent"]["spatial"] = {"bbox": [[round(v, 6) for v in bbox_in(STORAGE, c.bbox)]], "crs": CRS84}
    if c.interval:
        doc["extent"]["temporal"] = {
            "interval": [list(c.interval)],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return doc


@bp.get("/collections")
@operation(
    tags=["ogc"],
    summary="Feature collections",
    query=schemas.FormatQuery,
    responses={200: schemas.json_or_html(schemas.Collections, "Every collection."), **common.problems(400)},
)
def collections():
    _only("f")
    base = _base()
    hidden = hidden_for_request()  # issue 12: a draft / private plan's collections only for who may see it
    docs = [_collection_doc(c, base) for c in catalogue.collections(get_conn()) if not is_hidden(c.scenario, hidden)]
    links = [
        _link(f"{base}/collections?f=json", "self", JSON, "Collections"),
        _link(f"{base}/collections?f=html", "alternate", "text/html", "Collections (HTML)"),
    ]
    if _format() == "html":
        return _html("Collections", description=f"{len(docs):,} collections.", links=links, collections=docs)
    return _json({"links": links, "collections": docs})


@bp.get("/collections/<collection_id>")
@operation(
    tags=["ogc"],
    summary="One feature collection",
    query=schemas.FormatQuery,
    responses={200: schemas.json_or_html(schemas.CollectionInfo, "The collection."), **common.problems(400, 404)},
)
def collection(collection_id: str):
    _only("f")
    c = catalogue.collection(get_conn(), collection_id)
    doc = _collection_doc(c, _base())
    if _format() == "html":
        return _html(c.title, description=c.description, links=doc["links"], collection=doc, queryables=c.queryables)
    return _json(doc)


def _items_args() -> dict[str, list[str]]:
    return {name: request.args.getlist(name) for name in request.args}


def _feature_response(page: features.Page, key: tuple, title: str, fmt: str) -> Response:
    headers = {"Content-Crs": f"<{page.crs.uri}>", "Cache-Control": f"public, max-age={MAX_AGE}"}
    if fmt == "html":
        doc = json.loads(page.body)
        resp = _html(
            title,
            links=doc.get("links", []),
            features=doc.get("features", [doc] if doc.get("type") == "Feature" else []),
            matched=doc.get("numberMatched"),
            returned=doc.get("numberReturned"),
        )
        resp.headers["Content-Crs"] = headers["Content-Crs"]
        return resp
    return precompressed.response(key, page.body, GEOJSON, headers)


@bp.get("/collections/<collection_id>/items")
@operation(
    tags=["ogc"],
    summary="Features of a collection",
    query=schemas.ItemsQuery,
    responses={200: schemas.geojson_or_html(False, "A page of features."), **common.problems(400, 404)},
)
def items(collection_id: str):
    """Features with bbox (+ bbox-crs), limit/offset, crs, datetime (dated collections) and property filters."""
    fmt = _format()
    conn = get_conn()
    c = catalogue.collection(conn, collection_id)
    query = parse_items_request(c, _items_args())
    fresh = "no-cache" in request.headers.get("Cache-Control", "")
    page = features.items(conn, c, query, _base(), fresh=fresh)
    return _feature_response(page, ("ogc-items", c.id, query.key(), len(page.body), hash(page.body)), c.title, fmt)


@bp.get("/collections/<collection_id>/items/<feature_id>")
@operation(
    tags=["ogc"],
    summary="One feature",
    query=schemas.ItemQuery,
    responses={200: schemas.geojson_or_html(True, "The feature."), **common.problems(400, 404)},
)
def item(collection_id: str, feature_id: str):
    fmt = _format()
    conn = get_conn()
    c = catalogue.collection(conn, collection_id)
    args = {k: v for k, v in _items_args().items() if k in ("crs", "f")}
    _only("f", "crs")
    query = parse_items_request(c, args)
    page = features.item(conn, c, feature_id, query, _base())
    return _feature_response(page, ("ogc-item", c.id, feature_id, hash(page.body)), f"{c.title}: {feature_id}", fmt)


@bp.get("/collections/<collection_id>/tiles.json")
@operation(
    tags=["ogc"],
    summary="TileJSON of a collection's vector tiles",
    responses={200: common.json_response(schemas.TileJSON), **common.problems(400, 404)},
)
def tilejson(collection_id: str):
    _only()
    c = catalogue.collection(get_conn(), collection_id)
    if not c.has_tiles:
        raise InvalidParameter("collectionId", f"Collection '{c.id}' has no vector tiles.")
    doc = _json(tiles.tilejson(c, _base(), tiles.pin(get_conn(), c)))  # issue 26: pinned tile URLs
    doc.headers["Cache-Control"] = "no-cache"  # it names the current pin: revalidated, never kept stale
    return doc


@bp.get("/collections/<collection_id>/tiles/WebMercatorQuad/<z>/<x>/<y>")  # z/x/y checked by RULES (400 named)
@operation(
    tags=["ogc"],
    summary="One Mapbox vector tile (WebMercatorQuad z/x/y)",
    path=schemas.TilePath,
    query=schemas.TileQuery,
    responses={
        200: common.content("application/vnd.mapbox-vector-tile", description="The tile."),
        302: common.PIN_MOVED,
        304: common.NOT_MODIFIED,
        **common.problems(400, 404),
    },
)
def tile(collection_id: str, z: str, x: str, y: str, query: dict):
    """One Mapbox vector tile, built by PostGIS and kept per data version (ETag; 304 on If-None-Match). With the
    current ``?v=`` pin it is immutable; an old pin redirects to the current one (issue 26)."""
    _only("v")
    conn = get_conn()
    c = catalogue.collection(conn, collection_id)
    body, etag = tiles.tile(conn, c, int(z), int(x), int(y))
    pin, asked = tiles.pin(conn, c), query.get("v")
    if asked is not None and asked != pin:
        return Response(status=302, headers={"Location": f"{request.path}?v={pin}", "Cache-Control": "no-cache"})
    cache = "public, max-age=31536000, immutable" if asked == pin else f"public, max-age={MAX_AGE}"
    headers = {"Cache-Control": cache, "Content-Location": f"{request.path}?v={pin}"}
    return conditional_response(etag, body, tiles.MVT, headers, keep=("ogc-tile", etag))

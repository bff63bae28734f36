"""Items and single features of a collection: GeoJSON built in PostGIS, spliced here, kept per data version.

A page is the features text plus honest ``numberMatched`` (a count of what the filters select, skipped only
when the first page already holds everything) and ``numberReturned``, with ``self``/``alternate``/``next``/
``prev`` links on the public base URL the route passes in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from geo_service.analysis.service import findings_in
from geo_service.caching import LRUCache, data_state
from geo_service.db.repositories import ogc_features as repo
from geo_service.errors import NotFound
from geo_service.ogc.catalogue import Collection
from geo_service.ogc.reference_systems import STORAGE, ReferenceSystem
from geo_service.ogc.requests import ItemsRequest
from geo_service.scope import resolve_scope

GEOJSON = "application/geo+json"
_BODIES: LRUCache[bytes] = LRUCache(256)


@dataclass(frozen=True)
class Page:
    body: bytes
    crs: ReferenceSystem


def collection_values(conn, collection: Collection) -> dict:
    """Bind values of a collection: its boundary set, or its scenario's resolved scope (+ network findings)."""
    if collection.kind == "areas":
        from geo_service.db.repositories import scope as scope_repo

        bs = scope_repo.boundary_set(conn, collection.boundary_set)
        return {"bs_id": bs["id"]}
    scope = resolve_scope(conn, collection.scenario)
    values = scope.values()
    if collection.kind == "networks":
        network_keys, _ = findings_in(conn, scope)
        codes = sorted(network_keys)
        values["f_codes"] = codes
        values["f_keys"] = [",".join(network_keys[c]) for c in codes]
        values["profiles"] = _profiles_json(conn, scope)
    return values


def _profiles_json(conn, scope) -> str:
    """The networks' profiles (issue 25) as one JSON object keyed by code, each with its sources' lines."""
    from geo_service.analysis import profiles

    src = profiles.sources(scope)
    line = " | ".join(s["line"] for s in src.values() if s) or None
    return json.dumps({p["code"]: {**p, "profile_sources": line} for p in profiles.network_profiles(conn, scope)})


def _query_values(request: ItemsRequest) -> dict:
    crs = request.crs or STORAGE
    values = {"out_srid": crs.srid, "flip": crs.lat_first, "digits": crs.digits}
    if request.bbox:
        values.update(zip(("env_minx", "env_miny", "env_maxx", "env_maxy"), request.bbox, strict=True))
    for name, value in request.filters.items():
        values["q_" + name] = value
    if request.datetime:
        values["dt_start"], values["dt_end"] = request.datetime
    return values


def _link(href: str, rel: str, type_: str, title: str) -> dict:
    return {"href": href, "rel": rel, "type": type_, "title": title}


def _items_url(base: str, collection: Collection, request: ItemsRequest, offset: int, fmt: str) -> str:
    params: list[tuple[str, str]] = [("f", fmt), ("limit", str(request.limit))]
    if offset:
        params.append(("offset", str(offset)))
    if request.bbox_text is not None:
        params.append(("bbox", request.bbox_text))
    if request.bbox_crs is not None:
        params.append(("bbox-crs", request.bbox_crs.uri))
    if request.crs is not None and request.crs is not STORAGE:
        params.append(("crs", request.crs.uri))
    if request.datetime_text is not None:
        params.append(("datetime", request.datetime_text))
    params.extend(sorted(request.filters.items()))
    return f"{base}/collections/{collection.id}/items?{urlencode(params)}"


def items(conn, collection: Collection, request: ItemsRequest, base: str, fresh: bool = False) -> Page:
    """A page of a collection's items as GeoJSON bytes (kept per data version, request and base URL;
    ``fresh`` rebuilds, as a client's ``Cache-Control: no-cache`` asks)."""
    key = (*data_state(conn), "items", collection.id, request.key(), base)
    cached = None if fresh else _BODIES.get(key)
    if cached is None:
        cached = _BODIES.put(key, _build_items(conn, collection, request, base))
    return Page(cached, request.crs or STORAGE)


def _build_items(conn, collection: Collection, request: ItemsRequest, base: str) -> bytes:
    values = {**collection_values(conn, collection), **_query_values(request)}
    texts = repo.features(conn, collection.kind, values, request.limit, request.offset)
    if request.offset == 0 and len(texts) < request.limit:
        matched = len(texts)
    else:
        matched = repo.count(conn, collection.kind, values)
    links = [
        _link(_items_url(base, collection, request, request.offset, "json"), "self", GEOJSON, "This page"),
        _link(
            _items_url(base, collection, request, request.offset, "html"), "alternate", "text/html", "This page as HTML"
        ),
        _link(f"{base}/collections/{collection.id}?f=json", "collection", "application/json", collection.title),
    ]
    if request.offset + len(texts) < matched:
        nxt = request.offset + request.limit
        links.append(_link(_items_url(base, collection, request, nxt, "json"), "next", GEOJSON, "Next page"))
    if request.offset > 0:
        prev = max(0, request.offset - request.limit)
        links.append(_link(_items_url(base, collection, request, prev, "json"), "prev", GEOJSON, "Previous page"))
    head = {
        "type": "FeatureCollection",
        "numberMatched": matched,
        "numberReturned": len(texts),
        "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "links": links,
    }
    prefix = json.dumps(head, separators=(",", ":"), ensure_ascii=False)[:-1]
    return (prefix + ',"features":[' + ",".join(texts) + "]}").encode()


def item(conn, collection: Collection, feature_id: str, request: ItemsRequest, base: str) -> Page:
    """One feature by its id (area code, ODS code, network code or membership id), or NotFound."""
    key = (*data_state(conn), "item", collection.id, feature_id, request.key(), base)

    def build() -> bytes:
        values = {**collection_values(conn, collection), **_query_values(request), "fid": feature_id}
        texts = repo.features(conn, collection.kind, values, 1, 0)
        if not texts:
            raise NotFound(f"No feature '{feature_id}' in collection '{collection.id}'.", parameter="featureId")
        feature = json.loads(texts[0])
        url = f"{base}/collections/{collection.id}/items/{feature_id}"
        feature["links"] = [
            _link(url + "?f=json", "self", GEOJSON, "This feature"),
            _link(url + "?f=html", "alternate", "text/html", "This feature as HTML"),
            _link(f"{base}/collections/{collection.id}?f=json", "collection", "application/json", collection.title),
        ]
        return json.dumps(feature, separators=(",", ":"), ensure_ascii=False).encode()

    return Page(_BODIES.get_or_build(key, build), request.crs or STORAGE)

"""Mapbox vector tiles (WebMercatorQuad ``z/x/y``) of the areas, networks and practices collections, built by
PostGIS (``ST_AsMVT``), simplified per zoom (about one pixel of a 4,096-unit tile), and TileJSON 3.0.

Tiles are kept per process under (database, data version, collection, z, x, y): never stale, only evicted.
"""

from __future__ import annotations

import hashlib

from geo_service.caching import LRUCache, data_state
from geo_service.db.repositories import ogc_features as repo
from geo_service.errors import InvalidParameter
from geo_service.ogc.catalogue import Collection
from geo_service.ogc.features import collection_values
from geo_service.ogc.reference_systems import STORAGE, bbox_in

MVT = "application/vnd.mapbox-vector-tile"
MIN_ZOOM, MAX_ZOOM = 0, 16
WORLD_M = 40_075_016.685578488  # Web Mercator world width in metres
_TILES: LRUCache[bytes] = LRUCache(1024)
_FIELD_TYPES = {"members": "Number", "population": "Number", "unknown_list_sizes": "Number", "list_size": "Number"}
_FIELD_TYPES |= {"finding_count": "Number", "area_km2": "Number"}
_FIELD_TYPES |= {k: "Number" for k, t in repo.PROFILE_PROPERTIES.items() if t != "text"}


def check_tile(z: int, x: int, y: int) -> None:
    if not MIN_ZOOM <= z <= MAX_ZOOM:
        raise InvalidParameter("z", f"Zoom 'z' must be from {MIN_ZOOM} to {MAX_ZOOM}, got {z}.")
    top = 2**z - 1
    for name, value in (("x", x), ("y", y)):
        if not 0 <= value <= top:
            raise InvalidParameter(name, f"Tile '{name}' must be from 0 to {top:,} at zoom {z}, got {value:,}.")


def tolerance(z: int) -> float:
    """Simplification in Web Mercator metres: half a tile unit at this zoom."""
    return WORLD_M / 2**z / 4096 / 2


def tile(conn, collection: Collection, z: int, x: int, y: int) -> tuple[bytes, str]:
    """(tile bytes, ETag). Empty tiles are empty bodies (a valid MVT)."""
    if not collection.has_tiles:
        raise InvalidParameter("collectionId", f"Collection '{collection.id}' has no vector tiles.")
    check_tile(z, x, y)
    state = data_state(conn)
    key = (*state, collection.id, z, x, y)
    etag = '"' + hashlib.sha256(repr(key).encode()).hexdigest()[:32] + '"'

    def build() -> bytes:
        values = collection_values(conn, collection)
        return repo.tile(conn, collection.kind, values, z, x, y, tolerance(z), collection.kind)

    return _TILES.get_or_build(key, build), etag


def pin(conn, collection: Collection) -> str:
    """The version pin of a collection's tiles (issue 26), in 16 hex digits: the data version they are built from
    and the collection. ``?v=<pin>`` tile URLs never change, so a CDN may keep them for ever."""
    _, version = data_state(conn)
    return hashlib.sha256(f"{version}|{collection.id}".encode()).hexdigest()[:16]


def clear_kept() -> None:
    """Forget the kept tiles (benchmarks time cold builds)."""
    _TILES.clear()


def tilejson(collection: Collection, base: str, version_pin: str | None = None) -> dict:
    """TileJSON 3.0.0 for a collection's tiles (one vector layer named after its kind); with ``version_pin``,
    the tile URLs are the pinned, immutable ones of the current data."""
    fields = {p: _FIELD_TYPES.get(p, "String") for p in repo.PROPERTIES[collection.kind]}
    doc = {
        "tilejson": "3.0.0",
        "name": collection.title,
        "description": collection.description,
        "scheme": "xyz",
        "tiles": [
            f"{base}/collections/{collection.id}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}"
            + (f"?v={version_pin}" if version_pin else "")
        ],
        "minzoom": MIN_ZOOM,
        "maxzoom": MAX_ZOOM,
        "vector_layers": [{"id": collection.kind, "fields": fields, "minzoom": MIN_ZOOM, "maxzoom": MAX_ZOOM}],
        "attribution": "Contains NHS Digital (ODS) data; Contains OS data © Crown copyright and database right",
    }
    if collection.bbox:
        doc["bounds"] = [round(v, 5) for v in bbox_in(STORAGE, collection.bbox)]
    return doc

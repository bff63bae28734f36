"""The coordinate reference systems the OGC API offers (Part 2, CRS by reference), by their OGC URIs.

* CRS84 (longitude, latitude): the default, and how geometry is stored (EPSG:4326 with lon/lat order);
* EPSG:4326: the same datum with the axis order the EPSG register gives it, latitude first;
* EPSG:27700: British National Grid (easting, northing in metres), what GIS analysts in England use.

Query envelopes (``bbox`` in ``bbox-crs``) are transformed to the storage CRS here, with pyproj through
:mod:`geo_service.crs` (densified edges, so a grid box becomes the lon/lat box that holds it), never by
transforming the column in SQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from geo_service.crs import AREA_SRID, STORAGE_SRID, transformer
from geo_service.errors import InvalidParameter

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_27700 = "http://www.opengis.net/def/crs/EPSG/0/27700"


@dataclass(frozen=True)
class ReferenceSystem:
    uri: str
    srid: int
    lat_first: bool  # axis order latitude, longitude (EPSG:4326 as registered)
    digits: int  # decimals written: 6 in degrees (~0.1 m), 2 in metres
    label: str


SYSTEMS: dict[str, ReferenceSystem] = {
    CRS84: ReferenceSystem(CRS84, STORAGE_SRID, False, 6, "WGS 84 longitude/latitude (CRS84)"),
    EPSG_4326: ReferenceSystem(EPSG_4326, STORAGE_SRID, True, 6, "WGS 84 latitude/longitude (EPSG:4326)"),
    EPSG_27700: ReferenceSystem(EPSG_27700, AREA_SRID, False, 2, "British National Grid (EPSG:27700)"),
}
STORAGE = SYSTEMS[CRS84]
# Short spellings people type, mapped to the URI.
_ALIASES = {
    "crs84": CRS84,
    "ogc:crs84": CRS84,
    "[ogc:crs84]": CRS84,
    "epsg:4326": EPSG_4326,
    "[epsg:4326]": EPSG_4326,
    "epsg:27700": EPSG_27700,
    "[epsg:27700]": EPSG_27700,
    "https://www.opengis.net/def/crs/ogc/1.3/crs84": CRS84,
    "https://www.opengis.net/def/crs/epsg/0/4326": EPSG_4326,
    "https://www.opengis.net/def/crs/epsg/0/27700": EPSG_27700,
}
URIS = list(SYSTEMS)

# Envelopes that make sense for a service about England, in each CRS's own units.
_LIMITS = {
    STORAGE_SRID: (-180.0, -90.0, 180.0, 90.0),
    AREA_SRID: (-1_000_000.0, -1_000_000.0, 1_700_000.0, 2_300_000.0),
}


def reference_system(name: str, raw: str | None) -> ReferenceSystem:
    """The CRS named by parameter ``name`` (``crs`` or ``bbox-crs``); CRS84 when absent."""
    if raw is None or raw.strip() == "":
        return STORAGE
    text = raw.strip()
    uri = text if text in SYSTEMS else _ALIASES.get(text.lower(), text)
    if uri not in SYSTEMS:
        raise InvalidParameter(
            name, f"'{name}' must be one of the CRS URIs this service offers, got '{text[:120]}'.", allowed=URIS
        )
    return SYSTEMS[uri]


def parse_bbox(raw: str | None, system: ReferenceSystem) -> tuple[float, float, float, float] | None:
    """``bbox`` (4 numbers, or 6 with heights, in the axis order of ``bbox-crs``) as a lon/lat envelope in the
    storage CRS: (min lon, min lat, max lon, max lat)."""
    if raw is None:
        return None
    parts = [p.strip() for p in raw.split(",")]
    if len(parts) not in (4, 6):
        raise InvalidParameter(
            "bbox", f"'bbox' must be 4 numbers (minx,miny,maxx,maxy) or 6 with heights, got {len(parts)}."
        )
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise InvalidParameter("bbox", f"'bbox' must be numbers separated by commas, got '{raw[:80]}'.") from None
    if not all(math.isfinite(n) for n in numbers):
        raise InvalidParameter("bbox", "'bbox' must be finite numbers.")
    if len(numbers) == 6:  # minx, miny, minz, maxx, maxy, maxz: heights are ignored (2D data)
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    a_min, b_min, a_max, b_max = numbers
    if system.lat_first:  # EPSG:4326: latitude first
        a_min, b_min, a_max, b_max = b_min, a_min, b_max, a_max
    axes = ("latitude", "longitude") if system.lat_first else ("x", "y")
    if a_min > a_max:
        first = axes[1] if system.lat_first else axes[0]
        raise InvalidParameter("bbox", f"'bbox' minimum {first} ({a_min:g}) is greater than its maximum ({a_max:g}).")
    if b_min > b_max:
        second = axes[0] if system.lat_first else axes[1]
        raise InvalidParameter("bbox", f"'bbox' minimum {second} ({b_min:g}) is greater than its maximum ({b_max:g}).")
    lo_x, lo_y, hi_x, hi_y = _LIMITS[system.srid]
    if a_min < lo_x or a_max > hi_x or b_min < lo_y or b_max > hi_y:
        raise InvalidParameter(
            "bbox",
            f"'bbox' is outside the range of {system.label} ({lo_x:g} to {hi_x:g}, {lo_y:g} to {hi_y:g}).",
        )
    if system.srid == STORAGE_SRID:
        return a_min, b_min, a_max, b_max
    return tuple(transformer(system.srid, STORAGE_SRID).transform_bounds(a_min, b_min, a_max, b_max, densify_pts=21))


def bbox_in(system: ReferenceSystem, lonlat: tuple[float, float, float, float]) -> list[float]:
    """A storage-CRS envelope written in ``system`` (its axis order), for extents and TileJSON."""
    if system.srid == STORAGE_SRID:
        x0, y0, x1, y1 = lonlat
    else:
        x0, y0, x1, y1 = transformer(STORAGE_SRID, system.srid).transform_bounds(*lonlat, densify_pts=21)
    return [y0, x0, y1, x1] if system.lat_first else [x0, y0, x1, y1]

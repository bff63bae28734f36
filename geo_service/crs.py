"""Coordinate reference systems: the one place that names SRIDs.

Geometry is stored in EPSG:4326 (lon/lat); area and distance maths is done in
EPSG:27700 (British National Grid), never in Web Mercator.
"""

from __future__ import annotations

from functools import cache

from pyproj import Transformer

STORAGE_SRID = 4326
AREA_SRID = 27700
ALLOWED_OUTPUT_SRIDS = (4326, 27700)


@cache
def transformer(src: int, dst: int) -> Transformer:
    """Cached lon/lat-ordered transformer (``always_xy=True``)."""
    return Transformer.from_crs(src, dst, always_xy=True)


def to_bng(lon: float, lat: float) -> tuple[float, float]:
    return transformer(STORAGE_SRID, AREA_SRID).transform(lon, lat)

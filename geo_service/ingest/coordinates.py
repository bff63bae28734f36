"""Where imported coordinates may lie: the declared CRS's valid range, then the UK.

The service plans England's networks (with Welsh practices out of scope beside them), so every location and
boundary must fall in the UK with its islands. A file whose numbers fit another CRS better — lon/lat in a file
declaring British National Grid, metres in a file read as WGS 84 — is refused with that reason, instead of
being imported as a speck off the Isles of Scilly or failing later inside PostGIS.
"""

from __future__ import annotations

import numpy as np

# lon/lat box of the UK, the Isle of Man and the Channel Islands, with a margin (EPSG:4326).
UK_LON = (-11.0, 3.0)
UK_LAT = (49.0, 61.5)
# The British National Grid's own extent in metres (EPSG:27700).
BNG_EASTING = (0.0, 700_000.0)
BNG_NORTHING = (0.0, 1_300_000.0)


def in_uk(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Per point: finite and inside the UK box."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (
        np.isfinite(lon)
        & np.isfinite(lat)
        & (lon >= UK_LON[0])
        & (lon <= UK_LON[1])
        & (lat >= UK_LAT[0])
        & (lat <= UK_LAT[1])
    )


def in_bng(easting: np.ndarray, northing: np.ndarray) -> np.ndarray:
    """Per point: finite and on the British National Grid."""
    e, n = np.asarray(easting, dtype=float), np.asarray(northing, dtype=float)
    return (
        np.isfinite(e)
        & np.isfinite(n)
        & (e >= BNG_EASTING[0])
        & (e <= BNG_EASTING[1])
        & (n >= BNG_NORTHING[0])
        & (n <= BNG_NORTHING[1])
    )


def looks_like_degrees(x: np.ndarray, y: np.ndarray) -> bool:
    """Every coordinate fits longitude/latitude (|x| ≤ 180, |y| ≤ 90)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return bool(len(x)) and bool(np.all(np.abs(x) <= 180) and np.all(np.abs(y) <= 90))


def fmt_point(x: float, y: float) -> str:
    return f"({x:.6g}, {y:.6g})"

"""Allow-lists for exports and print maps: formats, CRS, layers, paper, orientation, dpi.

Every value a user can pass is checked here against a fixed list; a wrong value raises
:class:`~geo_service.errors.InvalidParameter` naming the parameter and the allowed values
(the web layer turns that into a 400 problem+json, the CLI into an error message).
"""

from __future__ import annotations

from dataclasses import dataclass

from geo_service.crs import ALLOWED_OUTPUT_SRIDS, STORAGE_SRID
from geo_service.errors import InvalidParameter

LAYERS = ("practices", "networks", "areas", "memberships")
SPATIAL_LAYERS = ("practices", "networks", "areas")


@dataclass(frozen=True)
class VectorFormat:
    key: str
    label: str
    driver: str  # GDAL driver name, written through pyogrio
    extension: str  # of the file handed to the user
    media_type: str
    multi_layer: bool  # True: all layers in one download; False: exactly one layer per request
    srids: tuple[int, ...]  # output CRS the format allows
    spatial_only: bool = False  # cannot hold a table without geometry (memberships)


FORMATS: dict[str, VectorFormat] = {
    "gpkg": VectorFormat(
        "gpkg", "GeoPackage", "GPKG", "gpkg", "application/geopackage+sqlite3", True, ALLOWED_OUTPUT_SRIDS
    ),
    # RFC 7946 fixes GeoJSON to WGS 84 lon/lat: EPSG:27700 is refused rather than silently ignored.
    "geojson": VectorFormat(
        "geojson", "GeoJSON (RFC 7946)", "GeoJSON", "geojson", "application/geo+json", False, (4326,)
    ),
    "shp": VectorFormat(
        "shp", "Shapefile (zip)", "ESRI Shapefile", "zip", "application/zip", True, ALLOWED_OUTPUT_SRIDS
    ),
    # KML is defined in WGS 84 only.
    "kml": VectorFormat(
        "kml", "KML", "KML", "kml", "application/vnd.google-earth.kml+xml", False, (4326,), spatial_only=True
    ),
    "csv": VectorFormat("csv", "CSV (lon/lat or WKT)", "CSV", "csv", "text/csv", False, ALLOWED_OUTPUT_SRIDS),
}

# Paper sizes in millimetres, portrait (width, height).
PAPERS: dict[str, tuple[int, int]] = {"a4": (210, 297), "a3": (297, 420)}
ORIENTATIONS = ("landscape", "portrait")
PRINT_FORMATS = ("png", "pdf")
PRINT_MEDIA_TYPES = {"png": "image/png", "pdf": "application/pdf"}
DPIS = (72, 96, 150, 200, 300, 600)
DEFAULT_DPI = 300


def parse_format(value: str | None) -> VectorFormat:
    key = (value or "").strip().lower()
    if key not in FORMATS:
        raise InvalidParameter(
            "format", f"Unknown export format '{value}'. Choose one of: {', '.join(FORMATS)}.", allowed=list(FORMATS)
        )
    return FORMATS[key]


def parse_crs(value: str | int | None, fmt: VectorFormat) -> int:
    """'27700', 'EPSG:27700' or 27700 → 27700; default EPSG:4326."""
    if value is None or str(value).strip() == "":
        return STORAGE_SRID
    text = str(value).strip().upper().removeprefix("EPSG:")
    srid = int(text) if text.isdigit() else None
    if srid not in ALLOWED_OUTPUT_SRIDS:
        raise InvalidParameter(
            "crs",
            f"Unsupported CRS '{value}'. Choose one of: {', '.join(map(str, ALLOWED_OUTPUT_SRIDS))}.",
            allowed=list(ALLOWED_OUTPUT_SRIDS),
        )
    if srid not in fmt.srids:
        raise InvalidParameter(
            "crs",
            f"{fmt.label} is always EPSG:{fmt.srids[0]}; use gpkg, shp or csv for EPSG:{srid}.",
            allowed=list(fmt.srids),
        )
    return srid


def parse_layers(value: str | None, fmt: VectorFormat) -> tuple[str, ...]:
    """Which layers to write. Multi-layer formats default to all; single-layer ones need exactly one."""
    allowed = list(SPATIAL_LAYERS if fmt.spatial_only else LAYERS)
    if value is None or value.strip() == "":
        if fmt.multi_layer:
            return tuple(allowed)
        raise InvalidParameter(
            "layer", f"{fmt.label} holds one layer per file: choose one of {', '.join(allowed)}.", allowed=allowed
        )
    names = [v.strip().lower() for v in value.split(",") if v.strip()]
    for name in names:
        if name not in allowed:
            raise InvalidParameter(
                "layer", f"Unknown layer '{name}' for {fmt.label}. Choose from: {', '.join(allowed)}.", allowed=allowed
            )
    if not fmt.multi_layer and len(names) != 1:
        raise InvalidParameter(
            "layer", f"{fmt.label} holds one layer per file: choose one of {', '.join(allowed)}.", allowed=allowed
        )
    return tuple(dict.fromkeys(names))


def parse_print_format(value: str | None) -> str:
    key = (value or "").strip().lower()
    if key not in PRINT_FORMATS:
        raise InvalidParameter(
            "format", f"Unknown print format '{value}'. Choose png or pdf.", allowed=list(PRINT_FORMATS)
        )
    return key


def parse_paper(value: str | None) -> str:
    key = (value or "a4").strip().lower()
    if key not in PAPERS:
        raise InvalidParameter("paper", f"Unknown paper size '{value}'. Choose a4 or a3.", allowed=list(PAPERS))
    return key


def parse_orientation(value: str | None) -> str:
    key = (value or "landscape").strip().lower()
    if key not in ORIENTATIONS:
        raise InvalidParameter(
            "orientation", f"Unknown orientation '{value}'. Choose landscape or portrait.", allowed=list(ORIENTATIONS)
        )
    return key


def parse_dpi(value: str | int | None) -> int:
    if value is None or str(value).strip() == "":
        return DEFAULT_DPI
    text = str(value).strip()
    dpi = int(text) if text.isdigit() else None
    if dpi not in DPIS:
        raise InvalidParameter(
            "dpi", f"Unsupported resolution '{value}'. Choose one of: {', '.join(map(str, DPIS))}.", allowed=list(DPIS)
        )
    return dpi


def page_size_mm(paper: str, orientation: str) -> tuple[int, int]:
    w, h = PAPERS[paper]
    return (h, w) if orientation == "landscape" else (w, h)

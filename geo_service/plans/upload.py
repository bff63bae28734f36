"""Network polygons from a file: GeoJSON, KML, zipped Shapefile or GeoPackage, in any CRS.

The file is read by GDAL (pyogrio), moved to EPSG:4326 (pyproj via geopandas), and each feature is matched to a
network: the one network named by the caller (all features together make its polygon) or, for many networks,
a property naming the network code. Invalid geometry is repaired (shapely.make_valid, polygonal parts kept) and
reported; anything that cannot be used refuses the WHOLE file with the reason (file, feature number, field), so
nothing is changed. No database here: the plan service saves the result as one undoable edit.
"""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from geo_service.errors import InvalidParameter

MAX_BYTES = 20 * 1024 * 1024
MAX_FEATURES = 5000
FORMATS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".kml": "KML", ".zip": "zipped Shapefile", ".gpkg": "GeoPackage"}
# Properties tried, in order, when the caller does not name the one holding the network code.
CODE_FIELDS = ("network", "network_code", "pcn_code", "pcn", "code", "ods_code", "name")


@dataclass
class Upload:
    """What a file gives: network code → GeoJSON MultiPolygon (EPSG:4326), and what was repaired."""

    polygons: dict[str, dict]
    repaired: list[dict] = field(default_factory=list)
    crs: str = ""
    file_format: str = ""
    features: int = 0
    first_feature: dict[str, int] = field(default_factory=dict)  # network code → number of its first feature
    code_field: str | None = None
    file_name: str = ""


def refusal(file_name: str, detail: str, **where) -> InvalidParameter:
    """A 400 naming the file, and where known the feature (from 1) and the field; nothing is changed."""
    err = InvalidParameter("file", f"'{file_name}': {detail} Nothing was changed.")
    err.extra.update({"file": file_name, **{k: v for k, v in where.items() if v is not None}})
    return err


def _read(data: bytes, file_name: str):
    import geopandas as gpd
    import pyogrio

    suffix = Path(file_name).suffix.lower()
    if suffix not in FORMATS:
        raise refusal(file_name, f"unknown file type '{suffix or '(none)'}'; send {', '.join(sorted(FORMATS))}.")
    if not data:
        raise refusal(file_name, "the file is empty.")
    if len(data) > MAX_BYTES:
        raise refusal(file_name, f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    with tempfile.TemporaryDirectory(prefix="plan-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        source = str(path)
        if suffix == ".zip":
            try:
                with zipfile.ZipFile(path) as zf:
                    shps = [n for n in zf.namelist() if n.lower().endswith(".shp") and not n.startswith("__MACOSX")]
            except zipfile.BadZipFile:
                raise refusal(file_name, "not a readable zip file.") from None
            if len(shps) != 1:
                raise refusal(file_name, f"the zip must hold exactly one .shp file (found {len(shps)}).")
            source = f"/vsizip/{path}/{shps[0]}"
        try:
            layers = pyogrio.list_layers(source)
            polygon_layers = [str(name) for name, kind in layers if kind is None or "Polygon" in str(kind)]
            if len(layers) > 1 and len(polygon_layers) != 1:
                names = ", ".join(str(n) for n, _ in layers)
                raise refusal(file_name, f"the file has several layers ({names}); send one polygon layer.")
            layer = polygon_layers[0] if len(layers) > 1 else None
            frame = gpd.read_file(source, layer=layer, engine="pyogrio")
        except InvalidParameter:
            raise
        except Exception as exc:  # noqa: BLE001 - GDAL's reasons are many; the message says what it was
            reason = str(exc).replace(source, file_name).replace(str(path), file_name).strip()[:200]
            raise refusal(file_name, f"not a readable {FORMATS[suffix]} file ({reason}).") from None
    return frame, FORMATS[suffix]


def _polygonal(geom):
    """The polygonal part of a geometry as a MultiPolygon, or None."""
    from shapely.geometry import MultiPolygon, Polygon

    if geom is None or geom.is_empty:
        return None
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    if isinstance(geom, MultiPolygon):
        return geom
    parts: list = []
    for g in getattr(geom, "geoms", []):
        part = _polygonal(g)
        if part is not None:
            parts.extend(part.geoms)
    return MultiPolygon(parts) if parts else None


def read_polygons(data: bytes, file_name: str, network: str | None = None, code_field: str | None = None) -> Upload:
    """Read the file; ``network``: one network takes every feature; else ``code_field`` (or the first of
    :data:`CODE_FIELDS` present) names each feature's network. Refuses the whole file on the first problem."""
    from shapely import make_valid
    from shapely.geometry import mapping
    from shapely.ops import unary_union
    from shapely.validation import explain_validity

    frame, file_format = _read(data, file_name)
    if len(frame) == 0:
        raise refusal(file_name, "the file has no features.")
    if len(frame) > MAX_FEATURES:
        raise refusal(file_name, f"the file has {len(frame):,} features; at most {MAX_FEATURES:,}.")
    if frame.crs is None:
        raise refusal(file_name, "the file does not say its coordinate reference system (a Shapefile needs its .prj).")
    crs = frame.crs.to_string()
    try:
        frame = frame.to_crs(4326)
    except Exception as exc:  # noqa: BLE001 - pyproj's reasons
        raise refusal(file_name, f"cannot transform from {crs} to EPSG:4326 ({exc}).") from None
    columns = [c for c in frame.columns if c != "geometry"]
    if network is None:
        if code_field is not None:
            if code_field not in columns:
                raise refusal(file_name, f"no field '{code_field}' (fields: {', '.join(columns) or 'none'}).",
                              field=code_field)  # fmt: skip
            chosen = code_field
        else:
            lower = {c.lower(): c for c in columns}
            chosen = next((lower[c] for c in CODE_FIELDS if c in lower), None)
            if chosen is None:
                raise refusal(
                    file_name,
                    f"name the field holding the network code (fields: {', '.join(columns) or 'none'}), or choose "
                    "one network for the whole file.",
                )
    pieces: dict[str, list] = {}
    first: dict[str, int] = {}
    repaired: list[dict] = []
    values = frame[chosen].tolist() if network is None else [network] * len(frame)
    for number, (geom, value) in enumerate(zip(frame.geometry, values, strict=True), start=1):
        where = {"feature": number}
        if network is not None:
            code = network
        else:
            if value is None or str(value).strip() in ("", "nan", "None"):
                raise refusal(file_name, f"feature {number} has no value in field '{chosen}'.", field=chosen, **where)
            code = str(value).strip()
            where["field"] = chosen
        if geom is None or geom.is_empty:
            raise refusal(file_name, f"feature {number} ({code}) has no geometry.", **where)
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise refusal(file_name, f"feature {number} ({code}) is a {geom.geom_type}, not a polygon.", **where)
        if not geom.is_valid:
            reason = explain_validity(geom)
            fixed = _polygonal(make_valid(geom))
            if fixed is None or fixed.area == 0:
                raise refusal(file_name, f"feature {number} ({code}) is invalid ({reason}) and has no area once "
                              "repaired.", **where)  # fmt: skip
            repaired.append({"feature": number, "network": code, "reason": reason,
                             "parts": len(fixed.geoms)})  # fmt: skip
            geom = fixed
        pieces.setdefault(code, []).append(geom)
        first.setdefault(code, number)
    polygons = {}
    for code, geoms in pieces.items():
        merged = _polygonal(unary_union(geoms)) if len(geoms) > 1 else _polygonal(geoms[0])
        polygons[code] = mapping(merged)
    return Upload(
        polygons, repaired, crs, file_format, len(frame), first, chosen if network is None else None, file_name
    )

"""Vector files (GeoJSON, zipped or plain Shapefile, GeoPackage, KML) read through GDAL (pyogrio).

Geometry comes back in EPSG:4326 as polygons only: other CRSs are reprojected with pyproj, invalid
polygons are repaired with ``shapely.make_valid`` (and counted), and a file without a CRS is refused.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
import pyogrio
import pyogrio.errors
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geo_service.crs import STORAGE_SRID
from geo_service.errors import InputFileError
from geo_service.ingest.coordinates import fmt_point, in_uk, looks_like_degrees
from geo_service.ingest.files import LIMITS, check_file, display_name, size_text
from geo_service.ingest.zip_safety import safe_members

log = logging.getLogger(__name__)

_VECTOR_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".kml")
_READ_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.FieldError,
)


@dataclass
class VectorLayer:
    """Features of one layer: attribute columns (as text) and polygon geometry in EPSG:4326."""

    name: str
    fields: dict[str, list[str | None]]
    geoms: np.ndarray  # shapely (Multi)Polygons, None where the feature has no usable polygon
    made_valid: np.ndarray  # bool per feature: geometry was invalid and was repaired
    source_crs: str

    def __len__(self) -> int:
        return len(self.geoms)

    def field_names(self) -> list[str]:
        return list(self.fields)


def _gdal_path(path: Path, name: str) -> str:
    """The GDAL dataset name for ``path``: zips are opened through /vsizip/ after their members are checked."""
    with open(path, "rb") as fh:
        magic = fh.read(4)
    is_zip = magic == b"PK\x03\x04" or path.suffix.lower() == ".zip"
    if not is_zip:
        if path.suffix.lower() == ".shp" and not path.with_suffix(".prj").exists():
            raise InputFileError(name, "the shapefile has no .prj file beside it: unknown CRS")
        return str(path)
    members = safe_members(path)
    shapefiles = [m for m in members if m.lower().endswith(".shp")]
    if len(shapefiles) > 1:
        raise InputFileError(name, f"the zip holds several shapefiles ({', '.join(shapefiles)}); give one")
    if shapefiles:
        shp = shapefiles[0]
        stem = shp[:-4].lower()
        lowered = {m.lower() for m in members}
        for needed in (".shx", ".dbf"):
            if stem + needed not in lowered:
                raise InputFileError(name, f"the zipped shapefile {shp} has no {needed} file")
        if stem + ".prj" not in lowered:
            raise InputFileError(name, f"the zipped shapefile {shp} has no .prj file: unknown CRS")
        member = shp
    else:
        vectors = [m for m in members if PurePosixPath(m).suffix.lower() in _VECTOR_SUFFIXES]
        if len(vectors) != 1:
            raise InputFileError(name, "the zip must hold exactly one shapefile, GeoPackage, GeoJSON or KML file")
        member = vectors[0]
    return f"/vsizip/{path.resolve()}/{member}"


def _choose_layer(src: str, name: str, layer: str | None) -> str | None:
    if layer is None and not src.lower().endswith((".gpkg", ".kml")):
        return None  # single-layer formats: no need to ask GDAL
    try:
        layers = pyogrio.list_layers(src)
    except _READ_ERRORS as exc:
        raise InputFileError(name, "cannot be read as a GeoJSON, Shapefile, GeoPackage or KML file") from exc
    if layer is not None:
        if layer not in [str(row[0]) for row in layers]:
            raise InputFileError(name, f"no layer named {layer!r}; layers: {', '.join(str(r[0]) for r in layers)}")
        return layer
    polygonal = [str(r[0]) for r in layers if r[1] is None or "Polygon" in str(r[1]) or str(r[1]) == "Unknown"]
    if len(layers) > 1 and len(polygonal) != 1:
        raise InputFileError(name, f"several layers ({', '.join(str(r[0]) for r in layers)}); choose one")
    return polygonal[0] if len(layers) > 1 else None


def _parse_crs(crs_text: str, name: str) -> CRS:
    try:
        return CRS.from_user_input(crs_text)
    except CRSError as exc:
        raise InputFileError(name, f"the file declares an unknown CRS {crs_text!r}") from exc


def _declared_geojson_crs(path: Path, name: str) -> str | None:
    """The CRS a GeoJSON file's ``crs`` member names (None without one: RFC 7946 says WGS 84).

    GDAL reads an unknown CRS such as ``EPSG:999999`` as WGS 84 without a word, so the member is read here.
    Parsing the JSON here also names the line where a broken file breaks.
    """
    try:
        doc = json.loads(path.read_bytes())
    except UnicodeDecodeError as exc:
        raise InputFileError(name, "not UTF-8 JSON text") from exc
    except json.JSONDecodeError as exc:
        raise InputFileError(name, f"not valid JSON, the file may be truncated ({exc.msg})", row=exc.lineno) from exc
    except RecursionError as exc:
        raise InputFileError(name, "not valid GeoJSON (nested too deeply)") from exc
    crs = doc.get("crs") if isinstance(doc, dict) else None
    if crs is None:
        return None
    props = crs.get("properties") if isinstance(crs, dict) else None
    props = props if isinstance(props, dict) else {}
    kind = str(crs.get("type", "")).lower() if isinstance(crs, dict) else ""
    if kind == "name" and isinstance(props.get("name"), str):
        text = props["name"]
    elif kind == "epsg" and isinstance(props.get("code"), int | str):
        text = f"EPSG:{props['code']}"
    else:
        raise InputFileError(name, f"the 'crs' member is not a named CRS ({json.dumps(crs)[:120]})", field="crs")
    _parse_crs(text, name)
    return text


def _check_coordinates(geoms: np.ndarray, crs: CRS, label: str, name: str, geojson_default: bool) -> None:
    """Coordinates must fit the declared CRS: degrees for a geographic one, not degrees for a projected one."""
    xy = shapely.get_coordinates(geoms)
    if not np.isfinite(xy).all():
        raise InputFileError(name, "a coordinate is not a finite number")
    x, y = xy[:, 0], xy[:, 1]
    if crs.is_geographic and not looks_like_degrees(x, y):
        bad = int(np.flatnonzero((np.abs(x) > 180) | (np.abs(y) > 90))[0])
        why = " (a GeoJSON file without a 'crs' member is WGS 84 longitude/latitude)" if geojson_default else ""
        raise InputFileError(
            name,
            f"coordinate {fmt_point(x[bad], y[bad])} is not a longitude/latitude, but the file is read as "
            f"{label}{why}: metres without a CRS?",
        )
    if crs.is_projected and looks_like_degrees(x, y):
        raise InputFileError(
            name,
            f"every coordinate looks like longitude/latitude degrees (e.g. {fmt_point(x[0], y[0])}) but the file "
            f"declares {label}, which is in metres: wrong CRS?",
        )


def _check_in_uk(geoms: np.ndarray, label: str, name: str) -> None:
    bounds = shapely.bounds(geoms)
    inside = in_uk(bounds[:, 0], bounds[:, 1]) & in_uk(bounds[:, 2], bounds[:, 3])
    if not inside.all():
        i = int(np.flatnonzero(~inside)[0])
        minx, miny, maxx, maxy = bounds[i]
        raise InputFileError(
            name,
            f"feature {i + 1} lies outside the UK read as {label} (longitude {minx:.5g} to {maxx:.5g}, latitude "
            f"{miny:.5g} to {maxy:.5g}): wrong CRS or wrong file?",
        )


def _crs_label(crs: CRS, text: str) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else (crs.name or text)


def _to_storage(geoms: np.ndarray, crs: CRS) -> np.ndarray:
    if crs.to_epsg() == STORAGE_SRID or crs.equals(CRS.from_user_input("OGC:CRS84")):
        return geoms
    transformer = Transformer.from_crs(crs, STORAGE_SRID, always_xy=True)

    def move(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1], errcheck=False)
        return np.column_stack([x, y])

    return shapely.transform(geoms, move)


def _polygonal(geom):
    """The polygon parts of a (repaired) geometry as one MultiPolygon, or None if nothing polygonal is left."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    polys = [p for g in parts for p in shapely.get_parts(g)] if parts else []
    polys = [p for p in polys if not p.is_empty and p.area > 0]
    return shapely.MultiPolygon(polys) if polys else None


def read_polygons(path: str | Path, layer: str | None = None) -> VectorLayer:
    """Read a polygon layer, reprojected to EPSG:4326, with invalid polygons repaired."""
    p = check_file(path)
    name = display_name(p)
    if p.stat().st_size > LIMITS.max_bytes:
        raise InputFileError(name, f"the file is larger than the {size_text(LIMITS.max_bytes)} limit; refused")
    src = _gdal_path(p, name)
    is_geojson = src == str(p) and p.suffix.lower() in (".geojson", ".json")
    declared = _declared_geojson_crs(p, name) if is_geojson else None
    chosen = _choose_layer(src, name, layer)
    try:
        meta, _fids, wkb, field_data = pyogrio.raw.read(src, layer=chosen)
    except _READ_ERRORS as exc:
        log.info("GDAL could not read %s: %s", name, exc)
        raise InputFileError(name, "cannot be read as a GeoJSON, Shapefile, GeoPackage or KML file") from exc
    if not meta.get("crs"):
        raise InputFileError(name, "the file declares no coordinate reference system: unknown CRS")
    crs_text = declared or str(meta["crs"])
    crs = _parse_crs(crs_text, name)
    label = _crs_label(crs, crs_text)
    if len(wkb) == 0:
        raise InputFileError(name, "the layer has no features")
    geoms = shapely.from_wkb(wkb)
    for i, g in enumerate(geoms):
        if g is None or g.is_empty:
            raise InputFileError(name, f"feature {i + 1} has no geometry")
        if g.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputFileError(name, f"feature {i + 1} is a {g.geom_type}; polygons are expected")
    geoms = shapely.force_2d(geoms)
    _check_coordinates(geoms, crs, label, name, geojson_default=is_geojson and declared is None)
    geoms = _to_storage(geoms, crs)
    _check_in_uk(geoms, label, name)
    invalid = ~shapely.is_valid(geoms)
    made_valid = np.zeros(len(geoms), dtype=bool)
    for i in np.flatnonzero(invalid):
        geoms[i] = _polygonal(shapely.make_valid(geoms[i]))
        made_valid[i] = True
    fields = {
        str(fname): [None if v is None or (isinstance(v, float) and np.isnan(v)) else _text(v) for v in values]
        for fname, values in zip(meta["fields"], field_data, strict=True)
    }
    return VectorLayer(name=name, fields=fields, geoms=geoms, made_valid=made_valid, source_crs=label)


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def guess_field(names: list[str], patterns: list[str]) -> str | None:
    """The first field matching one of the regular expressions (case-insensitive), in pattern order."""
    for pattern in patterns:
        rx = re.compile(pattern, re.IGNORECASE)
        for n in names:
            if rx.fullmatch(n):
                return n
    return None

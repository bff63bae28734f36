"""Network polygons from a file: GeoJSON, KML, zipped Shapefile or GeoPackage, in any CRS.

The file is read by GDAL (pyogrio), moved to EPSG:4326 (pyproj via geopandas), and each feature is matched to a
network: the one network named by the caller (all features together make its polygon) or, for many networks,
a property naming the network code. Invalid geometry is repaired (shapely.make_valid, polygonal parts kept) and
reported; anything that cannot be used refuses the WHOLE file with the reason (file, feature number, field), so
nothing is changed. No database here: the plan service saves the result as one undoable edit.

Issue 21: a file is someone else's program as much as data. :func:`read_polygons` therefore reads it in a
child process with a CPU-time, wall-time and address-space limit, so a file that would take minutes or gigabytes
costs at most those limits and the worker's memory is untouched. The child is forked from a reader process that
has its modules imported already (:mod:`geo_service.plans.upload_reader`), so a file does not pay Python's start.
Inside the child, before GDAL opens anything: a GeoPackage holding SQL views or virtual tables (other than its
R-tree spatial indexes) is refused (a recursive view would otherwise run for ever); then feature and vertex
counts are capped BEFORE any validity check or repair; then every coordinate must lie in the UK.
"""

from __future__ import annotations

import json
import resource
import sqlite3
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from geo_service.errors import InvalidParameter
from geo_service.plans import upload_reader

MAX_BYTES = 20 * 1024 * 1024
MAX_FEATURES = 5000
MAX_VERTICES = 250_000  # all features together; a detailed network boundary has a few thousand
READ_TIMEOUT_S = 20  # wall time of the reading child
READ_CPU_S = 20  # its CPU time
READ_MEMORY_BYTES = 1536 * 1024 * 1024  # its address space
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


def checked_file_type(data: bytes, file_name: str, formats, max_bytes: int, refuse, send: str) -> str:
    """An uploaded file's type (its suffix, one of ``formats``), once its name, emptiness and size are checked;
    refused with ``refuse(file_name, detail)`` naming the file (``send``: the types to ask for)."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in formats:
        raise refuse(file_name, f"unknown file type '{suffix or '(none)'}'; send {send}.")
    if not data:
        raise refuse(file_name, "the file is empty.")
    if len(data) > max_bytes:
        raise refuse(file_name, f"the file is larger than {max_bytes // (1024 * 1024)} MB.")
    return suffix


def _checked_suffix(data: bytes, file_name: str) -> str:
    return checked_file_type(data, file_name, FORMATS, MAX_BYTES, refusal, ", ".join(sorted(FORMATS)))


def _read(data: bytes, file_name: str):
    import geopandas as gpd
    import pyogrio

    suffix = _checked_suffix(data, file_name)
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
        if suffix == ".gpkg":
            _refuse_active_sqlite(path, file_name)
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


def read_polygons_here(
    data: bytes, file_name: str, network: str | None = None, code_field: str | None = None
) -> Upload:
    """Read the file in this process (the child of :func:`read_polygons`); ``network``: one network takes every
    feature; else ``code_field`` (or the first of :data:`CODE_FIELDS` present) names each feature's network.
    Refuses the whole file on the first problem."""
    from shapely import make_valid
    from shapely.geometry import mapping
    from shapely.ops import unary_union
    from shapely.validation import explain_validity

    frame, file_format = _read(data, file_name)
    if len(frame) == 0:
        raise refusal(file_name, "the file has no features.")
    if len(frame) > MAX_FEATURES:
        raise refusal(file_name, f"the file has {len(frame):,} features; at most {MAX_FEATURES:,}.")
    _check_size(frame, file_name)
    if frame.crs is None:
        raise refusal(file_name, "the file does not say its coordinate reference system (a Shapefile needs its .prj).")
    crs = frame.crs.to_string()
    try:
        frame = frame.to_crs(4326)
    except Exception as exc:  # noqa: BLE001 - pyproj's reasons
        raise refusal(file_name, f"cannot transform from {crs} to EPSG:4326 ({exc}).") from None
    _check_in_uk(frame, file_name, crs)
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


# ---- bounds (issue 21) ---------------------------------------------------------------------------------------


def _refuse_active_sqlite(path: Path, file_name: str) -> None:
    """Refuse a GeoPackage with SQL views or virtual tables (R-tree spatial indexes excepted): reading a layer
    that is a view runs the view's SQL, which can be made to run for ever. Read with sqlite3 read-only, no GDAL."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        raise refusal(file_name, "not a readable GeoPackage (SQLite) file.") from None
    try:
        db.execute("PRAGMA trusted_schema = OFF")
        rows = db.execute("SELECT type, name, coalesce(sql, '') FROM sqlite_master").fetchall()
    except sqlite3.Error as exc:
        raise refusal(file_name, f"not a readable GeoPackage file ({str(exc)[:100]}).") from None
    finally:
        db.close()
    for kind, name, sql in rows:
        text = " ".join(sql.split()).upper()
        if kind == "view":
            raise refusal(file_name, f"the GeoPackage holds an SQL view ('{name}'); send plain tables only.")
        if text.startswith("CREATE VIRTUAL TABLE") and not (
            str(name).startswith("rtree_") and " USING RTREE(" in text.replace(" USING RTREE (", " USING RTREE(")
        ):
            raise refusal(file_name, f"the GeoPackage holds a virtual table ('{name}'); send plain tables only.")


def _check_size(frame, file_name: str) -> None:
    """Feature and vertex caps, checked before any validity test or repair (those cost far more than reading)."""
    import shapely

    if len(frame) > MAX_FEATURES:
        raise refusal(file_name, f"the file has {len(frame):,} features; at most {MAX_FEATURES:,}.")
    vertices = int(shapely.get_num_coordinates(frame.geometry.values).sum())
    if vertices > MAX_VERTICES:
        raise refusal(
            file_name,
            f"the file has {vertices:,} vertices; at most {MAX_VERTICES:,}. Simplify the polygons (a tolerance of "
            "a few metres keeps a network boundary's shape) and send it again.",
        )


def _check_in_uk(frame, file_name: str, crs: str) -> None:
    """Every vertex (EPSG:4326) inside the UK with its islands, else refused naming the first feature outside:
    catches latitude/longitude swapped and files of somewhere else entirely."""
    import numpy as np
    import shapely

    from geo_service.ingest.coordinates import UK_LAT, UK_LON, fmt_point

    for number, geom in enumerate(frame.geometry, start=1):
        if geom is None or geom.is_empty:
            continue
        xy = shapely.get_coordinates(geom)
        inside = np.isfinite(xy).all(axis=1) & (xy[:, 0] >= UK_LON[0]) & (xy[:, 0] <= UK_LON[1])
        inside &= (xy[:, 1] >= UK_LAT[0]) & (xy[:, 1] <= UK_LAT[1])
        if not inside.all():
            x, y = xy[int(np.argmin(inside))]
            swapped = UK_LON[0] <= y <= UK_LON[1] and UK_LAT[0] <= x <= UK_LAT[1]
            hint = " (latitude and longitude look swapped)" if swapped else ""
            raise refusal(
                file_name,
                f"feature {number} lies outside the UK: point {fmt_point(x, y)} in EPSG:4326 (read as {crs}){hint}.",
                feature=number,
            )


def read_polygons(data: bytes, file_name: str, network: str | None = None, code_field: str | None = None) -> Upload:
    """:func:`read_polygons_here` in a child process with time and memory limits (see the module docstring);
    a file that overruns them is refused like any other unusable file. The caller holds no transaction."""
    _checked_suffix(data, file_name)  # refused here, before a child process is started
    with tempfile.TemporaryDirectory(prefix="plan-read-") as tmp:
        job = Path(tmp)
        (job / "data").write_bytes(data)
        (job / "job.json").write_text(json.dumps({"file_name": file_name, "network": network,
                                                  "code_field": code_field}))  # fmt: skip
        code = upload_reader.run(job, READ_TIMEOUT_S)
        if code is None:
            raise refusal(file_name, f"reading it took longer than {READ_TIMEOUT_S} s.")
        result = job / "result.json"
        if code != 0 or not result.exists():
            import logging

            errors = (job / "stderr").read_text(errors="replace") if (job / "stderr").exists() else ""
            logging.getLogger(__name__).warning("upload reader exited %s: %s", code, errors[-500:])
            raise refusal(
                file_name,
                f"reading it needed more than the {READ_CPU_S} s of CPU time or "
                f"{READ_MEMORY_BYTES // (1024 * 1024):,} MB of memory allowed for one file.",
            )
        answer = json.loads(result.read_text())
    if "refused" in answer:
        err = InvalidParameter("file", answer["refused"]["detail"])
        err.extra.update(answer["refused"]["extra"])
        raise err
    got = answer["ok"]
    return Upload(
        got["polygons"], got["repaired"], got["crs"], got["file_format"], got["features"], got["first_feature"],
        got["code_field"], got["file_name"],
    )  # fmt: skip


def _child(job_dir: str) -> None:
    """The child: limit itself, read, write ``result.json`` (the Upload or the refusal)."""
    resource.setrlimit(resource.RLIMIT_CPU, (READ_CPU_S, READ_CPU_S + 1))
    resource.setrlimit(resource.RLIMIT_AS, (READ_MEMORY_BYTES, READ_MEMORY_BYTES))
    job = Path(job_dir)
    spec = json.loads((job / "job.json").read_text())
    try:
        got = read_polygons_here((job / "data").read_bytes(), spec["file_name"], spec["network"], spec["code_field"])
        out: dict = {"ok": {k: getattr(got, k) for k in Upload.__dataclass_fields__}}
    except InvalidParameter as err:
        out = {"refused": {"detail": err.detail, "extra": err.extra}}
    (job / "result.json").write_text(json.dumps(out))


if __name__ == "__main__":
    _child(sys.argv[1])

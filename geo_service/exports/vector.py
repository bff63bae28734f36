"""Write export layers to GIS files through GDAL (pyogrio): GeoPackage, GeoJSON, Shapefile zip, KML, CSV.

Each export is built in its own temporary folder, one layer at a time, and handed back as an
:class:`ExportFile` on disk: the web layer streams it in chunks and then deletes the folder; the
CLI moves it to the requested path. Every format goes through GDAL except CSV, which goes through the
service's one CSV writer (``geo_service.csv_output``: formula cells defused, as in checks.csv).

Which data an export shows (``Scope.data_line()``: "as of 4 Dec 2019 · register Dec 2019 · list sizes
Jan 2021 · locations Oct 2020 · boundaries Apr 2019") travels with the file where GIS tools look for it:

* GeoPackage: each layer's description in ``gpkg_contents`` (QGIS shows it as the layer's abstract; ArcGIS
  as its description), and ``DATA_SCOPE`` / ``SCENARIO`` / ``AS_OF`` / ``BOUNDARY_SET`` / extract items in the
  GDAL metadata of the dataset and of each layer (``gpkg_metadata``; ``ogrinfo`` lists them);
* Shapefile zip: a ``README.txt`` beside the files (scenario, date, each extract's file and date, boundary
  set, CRS, field-name mapping);
* GeoJSON: the FeatureCollection's ``description`` member (a foreign member, allowed by RFC 7946);
* CSV and KML hold no dataset metadata that GIS tools read: the API sends the data line in the
  ``X-Data-Scope`` response header (as on every export and print), and the CLI prints it.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo_service.csv_output import write_csv_file
from geo_service.exports.formats import VectorFormat
from geo_service.exports.layers import iter_layers
from geo_service.scope import Scope
from geo_service.slugs import slugify

log = logging.getLogger(__name__)

CHUNK_SIZE = 256 * 1024

# Shapefile (dBase) field names hold at most 10 characters. Longer names are shortened word by
# word with this table, then squeezed and, only if still too long or taken, truncated and numbered.
SHAPEFILE_ABBREVIATIONS = {
    "administrative": "adm",
    "assigned": "asg",
    "boundary": "bnd",
    "catchment": "cat",
    "code": "cd",
    "codes": "cds",
    "commissioner": "comm",
    "count": "n",
    "cross": "x",
    "current": "cur",
    "date": "dt",
    "dominated": "dom",
    "extended": "ext",
    "findings": "findings",
    "geom": "geom",
    "geometry": "geom",
    "hours": "hrs",
    "invalid": "inv",
    "lead": "ld",
    "list": "lst",
    "location": "loc",
    "made": "mk",
    "member": "mem",
    "members": "mem",
    "multiply": "mult",
    "name": "nm",
    "names": "nms",
    "network": "net",
    "networks": "net",
    "outside": "out",
    "overlapping": "ovl",
    "oversized": "over",
    "polygon": "poly",
    "population": "pop",
    "practice": "prac",
    "prescribing": "presc",
    "register": "reg",
    "setting": "set",
    "size": "sz",
    "spill": "spl",
    "sizes": "sz",
    "source": "src",
    "stale": "stl",
    "undersized": "under",
    "unknown": "unk",
    "valid": "vld",
    "without": "wo",
}

_README_HEAD = """\
geo_service Shapefile export
============================

Scenario:      {scenario}
Data:          {data_line}
As of:         {as_of} (memberships current on this date; dataset: {dataset})
{extracts}
Boundary set:  {boundary_set}
Area:          {area}
CRS:           EPSG:{srid} (also in each .prj file)
Exported on:   {today}
Encoding:      UTF-8 (declared in each .cpg file)

Files: one Shapefile (.shp, .shx, .dbf, .prj, .cpg) per spatial layer; the memberships
table has no geometry and is a .dbf (+ .cpg) on its own. Dates are text, YYYY-MM-DD.
Text longer than 254 characters (the dBase limit) is cut; the GeoPackage keeps it whole.
Boolean finding columns are T/F (blank when unknown).

Field names
-----------
Shapefile field names hold at most 10 characters. Names of up to 10 characters are kept.
Longer names are shortened predictably: each word (split on "_") is replaced by its
abbreviation from the table at the end of this file; if the result is still longer than
10 characters the underscores are dropped; if it is still too long it is cut to 10
characters; if two fields would get the same name, the later one ends in a number (…1, …2).
The GeoPackage export keeps the full names.

"""

_README_TAIL = """
Licence and attribution
-----------------------
Contains public sector information licensed under the Open Government Licence v3.0
(NHS Digital / NHS England). Contains OS data (c) Crown copyright and database right.
Source: Office for National Statistics licensed under the Open Government Licence v3.0.
"""


def shapefile_field_names(columns: list[str]) -> dict[str, str]:
    """Map each column to a unique Shapefile field name of at most 10 characters (deterministic)."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        name = col.lower()
        if len(name) > 10:
            words = [SHAPEFILE_ABBREVIATIONS.get(w, w) for w in name.split("_") if w]
            name = "_".join(w for w in words if w)
            if len(name) > 10:
                name = name.replace("_", "")
            name = name[:10]
        base, n = name, 0
        while name in used:
            n += 1
            suffix = str(n)
            name = base[: 10 - len(suffix)] + suffix
        used.add(name)
        mapping[col] = name
    return mapping


def ascii_line(text: str) -> str:
    """The data line for an HTTP header (ASCII only): '·' separators become ';'."""
    return text.replace(" · ", "; ").encode("ascii", "replace").decode("ascii")


@dataclass
class ExportFile:
    """A finished export on disk, inside ``workdir`` (removed by :meth:`cleanup`), with the scope's data line."""

    path: Path
    filename: str
    media_type: str
    workdir: Path
    data_line: str = ""

    def chunks(self, size: int = CHUNK_SIZE):
        """Read the file in chunks, then remove the work folder (used to stream a response)."""
        try:
            with self.path.open("rb") as fh:
                while block := fh.read(size):
                    yield block
        finally:
            self.cleanup()

    def cleanup(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)

    def move_to(self, dest: Path) -> Path:
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(self.path), dest)
        self.cleanup()
        return dest


def export_filename(
    scope: Scope, fmt: VectorFormat, layers: tuple[str, ...], srid: int, today: date | None = None
) -> str:
    """``<scenario>[_<area>|_<network>][_<layer>][_epsg27700]_<YYYY-MM-DD>.<ext>``, safe for any file system."""
    parts = [scope.scenario["slug"]]
    if scope.area is not None:
        parts.append(slugify(scope.area["code"]))
    if scope.network is not None:
        parts.append(slugify(scope.network["code"]))
    if len(layers) == 1:
        parts.append(layers[0])
    if srid != 4326:
        parts.append(f"epsg{srid}")
    parts.append((today or date.today()).isoformat())
    return "_".join(parts) + "." + fmt.extension


LAYER_TITLES = {
    "practices": "GP practices in scope (register, list sizes and locations of the scenario's extracts)",
    "networks": "Primary care networks (current members as of the scenario's date)",
    "areas": "Commissioner areas of the boundary set",
    "memberships": "Memberships current on the scenario's date",
}


def scope_metadata(scope: Scope) -> dict[str, str]:
    """GDAL metadata items naming the scope of an export (written to GeoPackage dataset and layers)."""
    items = {
        "DATA_SCOPE": scope.data_line(),
        "SCENARIO": scope.scenario["slug"],
        "AS_OF": scope.as_of.isoformat(),
        "DATASET": scope.dataset,
        "BOUNDARY_SET": scope.boundary_set["slug"],
    }
    if scope.area is not None:
        items["AREA"] = scope.area["code"]
    if scope.network is not None:
        items["NETWORK"] = scope.network["code"]
    for key in ("register", "list_sizes", "locations"):
        row = scope.extracts.get(key)
        items[f"{key.upper()}_EXTRACT"] = _extract_text(row)
    return items


def _extract_text(row: dict | None) -> str:
    if not row:
        return "none loaded"
    day = row["extract_date"].isoformat() if row.get("extract_date") else "undated"
    return f"{row['file_name']} ({day})"


def write_export(conn, scope: Scope, fmt: VectorFormat, layers: tuple[str, ...], srid: int) -> ExportFile:
    """Build the export in a new temporary folder and return it; the caller streams or moves it."""
    workdir = Path(tempfile.mkdtemp(prefix="geo-export-"))
    try:
        filename = export_filename(scope, fmt, layers, srid)
        if fmt.key == "shp":
            path = _write_shapefile_zip(conn, scope, layers, workdir / filename, srid)
        else:
            path = workdir / filename
            for name, df in iter_layers(conn, scope, layers, srid):
                _write_layer(fmt, df, name, path, srid, scope)
                del df
        return ExportFile(path, filename, fmt.media_type, workdir, scope.data_line())
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise


def _write_layer(fmt: VectorFormat, df: pd.DataFrame, name: str, path: Path, srid: int, scope: Scope) -> None:
    description = f"{LAYER_TITLES.get(name, name)}. {scope.scenario['name']}: {scope.data_line()}"
    if fmt.key == "gpkg":
        # GeoPackage 1.2 so that older GDAL/QGIS/ArcGIS open it without a version warning.
        first = not path.exists()
        meta = scope_metadata(scope)
        pyogrio.write_dataframe(
            df,
            path,
            layer=name,
            driver="GPKG",
            append=not first,
            dataset_options={"VERSION": "1.2"} if first else {},
            layer_options={"DESCRIPTION": description},
            layer_metadata=meta,
            dataset_metadata=meta if first else None,
        )
    elif fmt.key == "geojson":  # a table (memberships) becomes features with null geometry, allowed by RFC 7946
        pyogrio.write_dataframe(
            df, path, layer=name, driver="GeoJSON", layer_options={"RFC7946": "YES", "DESCRIPTION": description}
        )
    elif fmt.key == "kml":
        pyogrio.write_dataframe(
            df, path, layer=name, driver="KML", dataset_options={"NameField": "name", "DescriptionField": "findings"}
        )
    elif fmt.key == "csv":
        _write_csv(df, path, srid)
    else:  # pragma: no cover - formats.FORMATS is the allow-list
        raise ValueError(f"unsupported format {fmt.key!r}")


def _write_csv(df: pd.DataFrame, path: Path, srid: int) -> None:
    """Points as two coordinate columns (lon/lat, or easting/northing for EPSG:27700); polygons as WKT.

    Written by the service's one CSV writer (:mod:`geo_service.csv_output`), which defuses cells a
    spreadsheet would run as formulas: names come from data files. Booleans are 1/0, missing values empty.
    """
    columns = [c for c in df.columns if c != "geometry"]
    cells = [_csv_column(df[c]) for c in columns]
    if not isinstance(df, gpd.GeoDataFrame):
        write_csv_file(path, columns, zip(*cells, strict=True) if cells else [])
        return
    geoms = df.geometry
    present = (geoms.notna() & ~geoms.is_empty).to_numpy()
    if set(geoms[present].geom_type) <= {"Point"}:
        x_name, y_name = ("lon", "lat") if srid == 4326 else ("easting", "northing")
        xs = [float(x) if ok else None for x, ok in zip(geoms.x.where(present), present, strict=True)]
        ys = [float(y) if ok else None for y, ok in zip(geoms.y.where(present), present, strict=True)]
        write_csv_file(path, [*columns, x_name, y_name], zip(*cells, xs, ys, strict=True))
    else:
        wkt = [shapely.to_wkt(g, rounding_precision=-1) if ok else None for g, ok in zip(geoms, present, strict=True)]
        write_csv_file(path, ["WKT", *columns], zip(wkt, *cells, strict=True))


def _csv_column(series: pd.Series) -> list:
    """Plain Python values of a column: booleans as 1/0, pandas' missing markers as None."""
    values = series.astype(object).where(series.notna(), None).tolist()
    return [int(v) if isinstance(v, bool | np.bool_) else v for v in values]


def readme_head(scope: Scope, srid: int, today: date | None = None) -> str:
    """The top of the Shapefile README: what the export shows (scenario, date, extracts, boundary set, CRS)."""
    extracts = "\n".join(
        f"{label + ':':<15}{_extract_text(scope.extracts.get(key))}"
        for key, label in (("register", "Register"), ("list_sizes", "List sizes"), ("locations", "Locations"))
    )
    bs = scope.boundary_set
    return _README_HEAD.format(
        scenario=f"{scope.scenario['name']} ({scope.scenario['slug']})",
        data_line=scope.data_line(),
        as_of=scope.as_of.isoformat(),
        dataset=scope.dataset,
        extracts=extracts,
        boundary_set=f"{bs['name']} ({bs['slug']}, in force from {bs['valid_from'].isoformat()})",
        area=(
            f"{scope.area['name']} ({scope.area['code']})"
            if scope.area
            else f"network {scope.network['code']}"
            if scope.network
            else "all"
        ),
        srid=srid,
        today=(today or date.today()).isoformat(),
    )


def _write_shapefile_zip(conn, scope: Scope, layers: tuple[str, ...], zip_path: Path, srid: int) -> Path:
    folder = zip_path.parent / "shp"
    folder.mkdir()
    mapping_lines: list[str] = []
    for name, df in iter_layers(conn, scope, layers, srid):
        columns = [c for c in df.columns if c != "geometry"]
        mapping = shapefile_field_names(columns)
        df = df.rename(columns=mapping)
        suffix = ".shp" if isinstance(df, gpd.GeoDataFrame) else ".dbf"
        pyogrio.write_dataframe(
            df, folder / f"{name}{suffix}", driver="ESRI Shapefile", layer_options={"ENCODING": "UTF-8"}
        )
        mapping_lines.append(f"{name}{suffix}  ({len(df)} records)")
        mapping_lines.extend(f"    {mapping[c]:<10}  {c}" for c in columns)
        mapping_lines.append("")
        del df
    readme = readme_head(scope, srid)
    readme += "Field-name mapping per file (Shapefile field  <-  full name)\n"
    readme += "-" * 60 + "\n" + "\n".join(mapping_lines)
    readme += "\nAbbreviations\n-------------\n"
    readme += "\n".join(f"    {word:<16} {abbr}" for word, abbr in sorted(SHAPEFILE_ABBREVIATIONS.items())) + "\n"
    readme += _README_TAIL
    (folder / "README.txt").write_text(readme, encoding="utf-8")
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for member in sorted(folder.iterdir()):
            if re.fullmatch(r"[A-Za-z0-9_.-]+", member.name):
                zf.write(member, arcname=member.name)
    shutil.rmtree(folder)
    return zip_path

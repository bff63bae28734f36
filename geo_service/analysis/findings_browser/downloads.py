"""Every filtered finding (not only the page) as CSV and as a GeoPackage (through GDAL)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from geo_service.analysis.findings_browser.rows import PROFILE_COLUMNS, FindingRow, plain
from geo_service.analysis.findings_browser.view import Browse, area_less
from geo_service.csv_output import csv_text
from geo_service.db.repositories import findings_browser as repo

HULL_BUFFER_M = 400.0  # as the maps and exports draw a network without a polygon

CSV_HEADER = (
    "rule",
    "tier",
    "finding",
    "finding_label",
    "subject",
    "code",
    "name",
    "sentence",
    "area_code",
    "area_name",
    "network_codes",
    "network_names",
    "commissioner_code",
    "commissioner_name",
    "figure",
    *PROFILE_COLUMNS,  # issue 25: deprivation, share_aged_65_plus, weighted_patients, extended_hours_paid_share
    "lon",
    "lat",
    "map_url",
)


# ---- files -----------------------------------------------------------------------------------------------


def _csv_cells(r: FindingRow, link: Callable[[FindingRow], str | None] | None) -> list[Any]:
    return [
        r.rule,
        r.tier,
        r.finding,
        r.label,
        r.subject,
        r.code,
        r.name,
        r.sentence,
        r.area_code,
        r.area_name,
        ";".join(c for c, _ in r.networks),
        "; ".join(n or "" for _, n in r.networks),
        r.commissioner_code,
        r.commissioner_name,
        plain(r.value) if not isinstance(r.value, (list, dict)) else r.value_text,
        *(r.profile().values()),
        r.lon,
        r.lat,
        link(r) if link else None,
    ]


def to_csv(view: Browse, link: Callable[[FindingRow], str | None] | None = None) -> str:
    """Every filtered finding (not only the page) through the service's one CSV writer (formula cells defused)."""
    return csv_text(CSV_HEADER, (_csv_cells(r, link) for r in view.rows))


def file_stem(view: Browse) -> str:
    from geo_service.slugs import slugify

    parts = [view.scope.scenario["slug"], "findings"]
    f = view.filters
    for value in (f.finding or f.rule, view.area["code"] if view.area else None, f.network, f.commissioner):
        if value:
            parts.append(slugify(str(value)))
    return "_".join(parts)


def to_geopackage(conn, view: Browse, link: Callable[[FindingRow], str | None] | None = None):
    """Every filtered finding as a GeoPackage (through GDAL): layer ``findings`` (one point per finding: the
    practice's location, a point inside the network or area; none when unknown) and layer ``finding_shapes``
    (the network polygons, or their members' hull, and area boundaries the findings name), each with the scope
    in its metadata as the other exports carry it."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    import shapely

    from geo_service.exports.vector import ExportFile, scope_metadata

    workdir = Path(tempfile.mkdtemp(prefix="geo-findings-"))
    try:
        filename = file_stem(view) + ".gpkg"
        path = workdir / filename
        scope = view.scope
        meta = scope_metadata(area_less(scope))
        meta["FILTERS"] = "; ".join(f"{k}={v}" for k, v in view.filters.query().items())
        columns = list(CSV_HEADER[:-3]) + ["map_url"]
        records = []
        points = []
        for r in view.rows:
            cells = _csv_cells(r, link)
            records.append(dict(zip(columns, cells[:-3] + [cells[-1]], strict=True)))
            points.append(shapely.Point(r.lon, r.lat) if r.lon is not None and r.lat is not None else None)
        frame = pd.DataFrame.from_records(records, columns=columns)
        frame["figure"] = frame["figure"].map(lambda v: None if v is None else str(v))
        gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(points, crs="EPSG:4326"), crs="EPSG:4326")
        description = f"Findings ({len(gdf)}), filters: {meta['FILTERS'] or 'none'}. {scope.scenario['name']}: "
        description += scope.data_line()
        pyogrio.write_dataframe(
            gdf,
            path,
            layer="findings",
            driver="GPKG",
            geometry_type="Point",
            dataset_options={"VERSION": "1.2"},
            layer_options={"DESCRIPTION": description},
            layer_metadata=meta,
            dataset_metadata=meta,
        )
        nets = sorted({r.code for r in view.rows if r.subject == "network"})
        areas = sorted({r.code for r in view.rows if r.subject == "area"})
        shapes = []
        for code, wkb in repo.network_shapes(conn, area_less(scope).values(), nets, HULL_BUFFER_M).items():
            shapes.append({"subject": "network", "code": code, "geometry": shapely.from_wkb(wkb) if wkb else None})
        for code, wkb in repo.area_shapes(conn, scope.boundary_set["id"], areas).items():
            shapes.append({"subject": "area", "code": code, "geometry": shapely.from_wkb(wkb) if wkb else None})
        if shapes:
            shape_frame = gpd.GeoDataFrame(shapes, geometry="geometry", crs="EPSG:4326")
            shape_frame["geometry"] = shape_frame.geometry.map(
                lambda g: shapely.MultiPolygon([g]) if g is not None and g.geom_type == "Polygon" else g
            )
            pyogrio.write_dataframe(
                shape_frame,
                path,
                layer="finding_shapes",
                driver="GPKG",
                append=True,
                geometry_type="MultiPolygon",
                layer_options={"DESCRIPTION": "Shapes of the networks and areas the findings name."},
                layer_metadata=meta,
            )
        return ExportFile(path, filename, "application/geopackage+sqlite3", workdir, scope.data_line())
    except BaseException:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
        raise

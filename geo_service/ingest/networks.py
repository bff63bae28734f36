"""Attach proposed network polygons (GeoJSON, Shapefile, GeoPackage, KML) to a scenario's networks by code."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import shapely

from geo_service.db.repositories import imports_networks, imports_staging
from geo_service.errors import InputFileError, NotFound
from geo_service.ingest.database_refusals import refused_by_database
from geo_service.ingest.report import ImportReport
from geo_service.ingest.transaction import import_transaction, record_file
from geo_service.ingest.vector import guess_field, read_polygons
from geo_service.slugs import slugify

log = logging.getLogger(__name__)

CODE_PATTERNS = [r"pcn_code", r"pcn_ods_code", r"code", r"pcn\d*cd", r"network_code"]
NAME_PATTERNS = [r"pcn_name", r"name", r"pcn\d*nm", r"network_name"]


def import_network_polygons(
    target,
    path: str | Path,
    scenario: str,
    code_field: str | None = None,
    name_field: str | None = None,
    layer: str | None = None,
    extract_date: date | None = None,
) -> ImportReport:
    """Set ``geom`` (and ``geom_made_valid``) of the scenario's networks from a polygon file. One transaction.

    Codes not in the scenario are counted as unmatched, not added: networks come from ePCN or the editor.
    """
    data = read_polygons(path, layer=layer)
    names = data.field_names()
    code_f = code_field or guess_field(names, CODE_PATTERNS)
    if code_f is None or code_f not in names:
        raise InputFileError(
            data.name,
            f"no network code field {'named ' + repr(code_field) if code_field else 'found'} "
            f"(use --code-field); fields: {', '.join(names)}",
        )
    if name_field and name_field not in names:
        raise InputFileError(data.name, f"no field {name_field!r} (given as --name-field); fields: {', '.join(names)}")
    seen: dict[str, int] = {}
    rows, unusable = [], 0
    wkb = shapely.to_wkb(data.geoms, hex=True)
    for i, code in enumerate(data.fields[code_f]):
        code = (code or "").strip().upper()
        if not code:
            raise InputFileError(data.name, f"feature {i + 1} has no network code", field=code_f)
        if code in seen:
            raise InputFileError(
                data.name, f"duplicate network code {code!r} in features {seen[code]} and {i + 1}", field=code_f
            )
        seen[code] = i + 1
        if data.geoms[i] is None:
            unusable += 1
            continue
        name = data.fields[name_field][i] if name_field else None
        rows.append((i + 1, code, name, wkb[i], bool(data.made_valid[i])))
    report = ImportReport("network polygons", data.name)
    with import_transaction(target) as conn, refused_by_database(data.name):
        scenario_id = imports_networks.scenario_id(conn, slugify(scenario))
        if scenario_id is None:
            raise NotFound(f"no scenario {scenario!r}; import its networks first (geo-service import pcn)")
        record_file(conn, "networks", path, extract_date)
        imports_staging.stage(conn, "stage_network_geoms", rows)
        counts = imports_networks.attach_network_geoms(conn, scenario_id)
    report.added, report.updated = counts.get("added", 0), counts.get("updated", 0)
    report.unchanged = counts.get("unchanged", 0)
    report.notes["made valid"] = int(data.made_valid.sum())
    report.notes["unusable after repair"] = unusable
    report.notes["codes not in scenario"] = counts.get("unmatched", 0)
    log.info(report.summary())
    return report

"""Import a boundary set (CCG, sub-ICB, ICB …) from GeoJSON, zipped Shapefile, GeoPackage or KML.

Field names are guessed from the usual ONS patterns (``CCG19CD`` GSS code, ``CCG19CDH`` ODS code,
``CCG19NM`` name) unless given. When the file has no ODS code field, codes come from ``code_lookups``
(filled by ``import lookup`` or by the list-size file's CCG_CODE / ONS_CCG_CODE columns).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

import shapely
from tqdm import tqdm

from geo_service.db.repositories import imports_boundaries, imports_lookups, imports_staging
from geo_service.errors import InputFileError, InvalidParameter
from geo_service.ingest.database_refusals import refused_by_database
from geo_service.ingest.report import ImportReport
from geo_service.ingest.transaction import import_transaction, record_file
from geo_service.ingest.vector import VectorLayer, guess_field, read_polygons
from geo_service.slugs import slugify

log = logging.getLogger(__name__)

ODS_PATTERNS = [r"[A-Z]+\d{2}CDH", r"ods_code", r"ods", r"code_ods"]
GSS_PATTERNS = [r"[A-Z]+\d{2}CD", r"gss_code", r"gss", r"ons_code"]
NAME_PATTERNS = [r"[A-Z]+\d{2}NM", r"name", r"[a-z_]*name"]
LEVELS = ("ccg", "sub_icb", "icb", "stp", "region", "local_authority", "other")


def _field(layer: VectorLayer, given: str | None, patterns: list[str], option: str) -> str | None:
    names = layer.field_names()
    if given:
        if given not in names:
            raise InputFileError(layer.name, f"no field {given!r} (given as {option}); fields: {', '.join(names)}")
        return given
    return guess_field(names, patterns)


def _area_rows(layer: VectorLayer, ods_f: str | None, gss_f: str | None, name_f: str) -> list[tuple]:
    rows = []
    seen: dict[tuple[str, str], int] = {}
    wkb = shapely.to_wkb(layer.geoms, hex=True)
    for i in tqdm(range(len(layer)), desc="boundaries", unit="area", disable=None, leave=False):
        feature = i + 1
        ods = layer.fields[ods_f][i] if ods_f else None
        gss = layer.fields[gss_f][i] if gss_f else None
        name = layer.fields[name_f][i]
        if not name:
            raise InputFileError(layer.name, f"feature {feature} has an empty name", field=name_f)
        if not ods and not gss:
            raise InputFileError(layer.name, f"feature {feature} has no code", field=gss_f or ods_f)
        for field, code in ((ods_f, ods), (gss_f, gss)):
            if code:
                if (field, code) in seen:
                    raise InputFileError(
                        layer.name,
                        f"duplicate code {code!r} in features {seen[(field, code)]} and {feature}",
                        field=field,
                    )
                seen[(field, code)] = feature
        if layer.geoms[i] is None:
            raise InputFileError(layer.name, f"feature {feature} ({name}) has no usable polygon after repair")
        rows.append((feature, ods or None, gss or None, name, wkb[i], bool(layer.made_valid[i])))
    return rows


def vintage_start(vintage: str) -> date | None:
    """The first day of a vintage written ``2019``, ``2019-04`` or ``2019-04-01``; None otherwise."""
    text = vintage.strip()
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def import_boundaries(
    target,
    path: str | Path,
    set_name: str,
    level: str,
    vintage: str,
    code_field: str | None = None,
    gss_field: str | None = None,
    name_field: str | None = None,
    layer: str | None = None,
    extract_date: date | None = None,
) -> ImportReport:
    """Load (or refresh) the boundary set ``set_name`` from a vector file. One transaction."""
    if not set_name or not set_name.strip():
        raise InvalidParameter("set", "a boundary set name is required")
    if level not in LEVELS:
        raise InvalidParameter("level", f"unknown level {level!r}", allowed=list(LEVELS))
    if not vintage or not vintage.strip():
        raise InvalidParameter("vintage", "a vintage (e.g. 2019-04) is required")
    valid_from = extract_date or vintage_start(vintage)
    if valid_from is None:
        raise InvalidParameter(
            "extract_date", f"vintage {vintage!r} is not a date like 2019-04: give the date the set came into force"
        )
    data = read_polygons(path, layer=layer)
    ods_f = _field(data, code_field, ODS_PATTERNS, "--code-field")
    gss_f = _field(data, gss_field, GSS_PATTERNS, "--gss-field")
    name_f = _field(data, name_field, NAME_PATTERNS, "--name-field")
    if ods_f is None and gss_f is None:
        raise InputFileError(
            data.name, f"no code field found (looked for *CDH / *CD fields); fields: {', '.join(data.field_names())}"
        )
    if name_f is None:
        raise InputFileError(
            data.name, f"no name field found (looked for *NM); fields: {', '.join(data.field_names())}"
        )
    rows = _area_rows(data, ods_f, gss_f, name_f)
    report = ImportReport("boundaries", data.name)
    with import_transaction(target) as conn, refused_by_database(data.name):
        source_id = record_file(conn, "boundaries", path, extract_date)
        set_id, set_action = imports_boundaries.upsert_boundary_set(
            conn, slugify(set_name), set_name.strip(), level, vintage.strip(), source_id, valid_from
        )
        imports_staging.stage(conn, "stage_areas", rows)
        imports_boundaries.fill_codes_from_lookup(conn)
        counts = imports_boundaries.upsert_areas(conn, set_id)
        if counts.get("added"):
            imports_staging.refresh_statistics(conn, "areas")
        imports_lookups.fill_area_codes(conn)
    report.added = counts.get("added", 0)
    report.updated = counts.get("updated", 0)
    report.unchanged = counts.get("unchanged", 0)
    report.notes["removed"] = counts.get("removed", 0)
    report.notes["made valid"] = int(data.made_valid.sum())
    if set_action == "added":
        report.notes["new boundary set"] = 1
    log.info("%s (%s, %s areas)", report.summary(), set_name, len(rows))
    return report

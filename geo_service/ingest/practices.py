"""Import the ODS GP practice register (epraccur): register state of each practice as of this extract.

The official file has no header row and 27 columns; copies with a header row are accepted too.
Every row is kept as a fact of the extract (GP practices have prescribing setting 4, and other
organisations may be network partners); status A is active, anything else closed. The nation comes from
the national grouping (W… = Wales; Welsh LHB commissioners 7A… as a fallback), England otherwise.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from geo_service.db.repositories import imports_practices, imports_staging
from geo_service.errors import InputFileError
from geo_service.ingest.database_refusals import refused_by_database
from geo_service.ingest.files import CsvTable, FirstLines, parse_yyyymmdd, read_csv
from geo_service.ingest.report import ImportReport
from geo_service.ingest.transaction import import_transaction, record_file

log = logging.getLogger(__name__)

# NHS Digital's column order for epraccur (the file itself has no header).
EPRACCUR_COLUMNS = (
    "organisation_code",
    "name",
    "national_grouping",
    "high_level_health_geography",
    "address_line_1",
    "address_line_2",
    "address_line_3",
    "address_line_4",
    "address_line_5",
    "postcode",
    "open_date",
    "close_date",
    "status_code",
    "organisation_sub_type_code",
    "commissioner",
    "join_provider_purchaser_date",
    "left_provider_purchaser_date",
    "contact_telephone_number",
    "null_19",
    "null_20",
    "null_21",
    "amended_record_indicator",
    "null_23",
    "provider_purchaser",
    "null_25",
    "prescribing_setting",
    "null_27",
)
REQUIRED = ("organisation_code", "name", "postcode", "status_code", "commissioner", "prescribing_setting")
GP_PRACTICE_SETTING = 4
MAX_SETTING = 99  # ODS prescribing settings are small codes (0–25 today); the column is a smallint
NATION_PREFIXES = {"W": "wales", "S": "scotland", "Z": "northern_ireland"}


def nation_of(national_grouping: str, commissioner: str | None) -> str:
    """England unless the national grouping (or, failing it, a Welsh LHB commissioner code) says otherwise."""
    grouping = national_grouping.strip().upper()
    if grouping[:1] in NATION_PREFIXES:
        return NATION_PREFIXES[grouping[:1]]
    if commissioner and commissioner.startswith("7A"):
        return "wales"
    return "england"


def _is_header(first_row: list[str]) -> bool:
    return bool(first_row) and first_row[0].strip().lower() in ("organisation_code", "organisation code", "code")


def read_epraccur(path: str | Path) -> tuple[CsvTable, list[tuple]]:
    """Parse and validate the register. Returns the table and the rows to stage."""
    table = read_csv(path, headerless_columns=EPRACCUR_COLUMNS, looks_like_header=_is_header)
    table.require(REQUIRED)
    col = {c: table.index(c) for c in REQUIRED}
    dates = [c for c in ("open_date", "close_date") if table.has(c)]
    grouping_ix = table.index("national_grouping") if table.has("national_grouping") else None
    seen = FirstLines(table.name, "practice code", "organisation_code")
    rows = []
    for line, r in table.rows:
        code = r[col["organisation_code"]].strip().upper()
        if not code:
            raise InputFileError(table.name, "empty practice code", row=line, field="organisation_code")
        seen.add(code, line)
        setting_text = r[col["prescribing_setting"]].strip()
        try:
            setting = int(setting_text) if setting_text else None
        except ValueError as exc:
            raise InputFileError(
                table.name,
                f"prescribing setting {setting_text!r} is not a number",
                row=line,
                field="prescribing_setting",
            ) from exc
        if setting is not None and not 0 <= setting <= MAX_SETTING:
            raise InputFileError(
                table.name,
                f"prescribing setting {setting} is not an ODS prescribing setting (0–{MAX_SETTING})",
                row=line,
                field="prescribing_setting",
            )
        for d in dates:
            parse_yyyymmdd(r[table.index(d)], table.name, line, d)
        name = r[col["name"]].strip()
        if not name:
            raise InputFileError(table.name, "empty practice name", row=line, field="name")
        status = "active" if r[col["status_code"]].strip().upper() == "A" else "closed"
        postcode = " ".join(r[col["postcode"]].split()).upper() or None
        commissioner = r[col["commissioner"]].strip().upper() or None
        nation = nation_of(r[grouping_ix] if grouping_ix is not None else "", commissioner)
        rows.append((code, name, postcode, commissioner, status, setting, nation, line))
    if not any(row[5] == GP_PRACTICE_SETTING for row in rows):
        raise InputFileError(table.name, "no GP practices (prescribing setting 4) in the file")
    return table, rows


def import_practices(target, path: str | Path, extract_date: date | None = None) -> ImportReport:
    """Register facts of an epraccur file, as one extract. One transaction."""
    table, rows = read_epraccur(path)
    if extract_date is None:
        log.warning(
            "no extract date given for %s (the register carries none): only scenarios pinned to it will use it; "
            "give --extract-date so that scenarios can find it by date",
            table.name,
        )
    report = ImportReport("practices", table.name)
    with import_transaction(target) as conn, refused_by_database(table.name):
        extract_id = record_file(conn, "practices", path, extract_date)
        imports_staging.stage(conn, "stage_practices", rows)
        counts = imports_practices.add_register(conn, extract_id)
        if counts.get("added"):
            imports_staging.refresh_statistics(conn, "practice_register")
        if counts.get("new practices"):
            # Practices' statistics would otherwise describe the table before this transaction (a few demo
            # practices): later steps of a bundle then planned a merge join that read the whole register once
            # per list-size row (60 s instead of 0.2 s for England after the demo).
            imports_staging.refresh_statistics(conn, "practices")
    report.extract_id = extract_id
    report.added, report.unchanged = counts["added"], counts["unchanged"]
    report.closed = counts["closed"]
    report.notes["new practices"] = counts["new practices"]
    report.notes["not GP practices"] = sum(1 for row in rows if row[5] != GP_PRACTICE_SETTING)
    log.info(report.summary())
    return report

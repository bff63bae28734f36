"""Import the ODS GP practice register (epraccur) into ``practices``.

The official file has no header row and 27 columns; copies with a header row are accepted too.
Only GP practices (prescribing setting 4) are kept; status A is active, anything else closed.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from geo_service.db.repositories import imports_practices, imports_staging
from geo_service.errors import InputFileError
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


def _is_header(first_row: list[str]) -> bool:
    return bool(first_row) and first_row[0].strip().lower() in ("organisation_code", "organisation code", "code")


def read_epraccur(path: str | Path) -> tuple[CsvTable, list[tuple]]:
    """Parse and validate the register. Returns the table and the GP practice rows to stage."""
    table = read_csv(path, headerless_columns=EPRACCUR_COLUMNS, looks_like_header=_is_header)
    table.require(REQUIRED)
    col = {c: table.index(c) for c in REQUIRED}
    dates = [c for c in ("open_date", "close_date") if table.has(c)]
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
        for d in dates:
            parse_yyyymmdd(r[table.index(d)], table.name, line, d)
        if setting != GP_PRACTICE_SETTING:
            continue
        name = r[col["name"]].strip()
        if not name:
            raise InputFileError(table.name, "empty practice name", row=line, field="name")
        status = "active" if r[col["status_code"]].strip().upper() == "A" else "closed"
        postcode = " ".join(r[col["postcode"]].split()).upper() or None
        commissioner = r[col["commissioner"]].strip().upper() or None
        rows.append((code, name, postcode, commissioner, status, setting, line))
    if not rows:
        raise InputFileError(table.name, "no GP practices (prescribing setting 4) in the file")
    return table, rows


def import_practices(target, path: str | Path, extract_date: date | None = None) -> ImportReport:
    """Upsert GP practices from an epraccur file. One transaction."""
    table, rows = read_epraccur(path)
    report = ImportReport("practices", table.name)
    with import_transaction(target) as conn:
        source_id = record_file(conn, "practices", path, extract_date)
        imports_staging.stage(conn, "stage_practices", rows)
        counts = imports_practices.upsert_practices(conn, source_id)
        if counts.get("added"):
            imports_staging.refresh_statistics(conn, "practices")
    report.added, report.updated = counts.get("added", 0), counts.get("updated", 0)
    report.unchanged, report.closed = counts.get("unchanged", 0), counts.get("closed", 0)
    report.notes["skipped (not GP practices)"] = len(table.rows) - len(rows)
    log.info(report.summary())
    return report

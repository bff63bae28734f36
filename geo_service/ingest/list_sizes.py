"""Import NHS Digital "Patients Registered at a GP Practice" (gp-reg-pat-prac-all.csv) list sizes.

The practice total is the row with SEX=ALL and AGE=ALL (older files mark it TYPE=Total; the current
file has only such rows, with TYPE=GP). Its CCG_CODE / ONS_CCG_CODE columns double as an ODS↔GSS lookup.
"""

from __future__ import annotations

import logging
from pathlib import Path

from geo_service.db.repositories import imports_lookups, imports_practices, imports_staging
from geo_service.errors import InputFileError
from geo_service.ingest.database_refusals import refused_by_database
from geo_service.ingest.files import FirstLines, parse_extract_date, read_csv
from geo_service.ingest.report import ImportReport
from geo_service.ingest.transaction import import_transaction, record_file

log = logging.getLogger(__name__)

REQUIRED = ("EXTRACT_DATE", "CODE", "NUMBER_OF_PATIENTS")
# England's largest practices have about 100,000 patients; far above that is a broken file, and the
# column is a 32-bit integer in the database.
MAX_LIST_SIZE = 2_000_000


def read_list_sizes(path: str | Path):
    table = read_csv(path)
    table.require(REQUIRED)
    ix = {c: table.index(c) for c in REQUIRED}
    type_ix = table.index("type") if table.has("type") else None
    sex_ix = table.index("sex") if table.has("sex") else None
    age_ix = table.index("age") if table.has("age") else None
    ccg_ix = table.index("ccg_code") if table.has("ccg_code") else None
    ons_ix = table.index("ons_ccg_code") if table.has("ons_ccg_code") else None
    has_total_type = type_ix is not None and any(r[type_ix].strip().lower() == "total" for _, r in table.rows)
    seen = FirstLines(table.name, "practice code", "CODE")
    dates: dict = {}
    rows, lookups = [], set()
    for line, r in table.rows:
        if has_total_type and r[type_ix].strip().lower() != "total":
            continue
        if sex_ix is not None and r[sex_ix].strip().upper() not in ("ALL", ""):
            continue
        if age_ix is not None and r[age_ix].strip().upper() not in ("ALL", ""):
            continue
        code = r[ix["CODE"]].strip().upper()
        if not code:
            raise InputFileError(table.name, "empty practice code", row=line, field="CODE")
        seen.add(code, line)
        raw = r[ix["NUMBER_OF_PATIENTS"]].strip().replace(",", "")
        if not (raw.isascii() and raw.isdigit()):
            raise InputFileError(
                table.name, f"number of patients {raw!r} is not a whole number", row=line, field="NUMBER_OF_PATIENTS"
            )
        extract = r[ix["EXTRACT_DATE"]].strip()
        if extract not in dates:
            dates[extract] = parse_extract_date(extract, table.name, line, "EXTRACT_DATE")
        ccg = r[ccg_ix].strip().upper() if ccg_ix is not None else None
        ons = r[ons_ix].strip().upper() if ons_ix is not None else None
        if ccg and ons:
            lookups.add((ccg, ons, None))
        if int(raw) > MAX_LIST_SIZE:
            raise InputFileError(
                table.name,
                f"number of patients {int(raw):,} is more than {MAX_LIST_SIZE:,}: not a practice list size",
                row=line,
                field="NUMBER_OF_PATIENTS",
            )
        rows.append((code, int(raw), dates[extract], ccg or None, ons or None))
    if not rows:
        raise InputFileError(table.name, "no practice total rows (SEX=ALL, AGE=ALL) in the file")
    return table, rows, sorted(lookups), max(dates.values())


def import_list_sizes(target, path: str | Path) -> ImportReport:
    """List-size facts of the file, as one extract dated by its EXTRACT_DATE. One transaction."""
    table, rows, lookups, extract_date = read_list_sizes(path)
    report = ImportReport("list sizes", table.name)
    with import_transaction(target) as conn, refused_by_database(table.name):
        extract_id = record_file(conn, "list_sizes", path, extract_date)
        imports_staging.stage(conn, "stage_list_sizes", rows)
        counts = imports_practices.add_list_sizes(conn, extract_id)
        if counts["added"]:
            imports_staging.refresh_statistics(conn, "practice_list_sizes")
        imports_staging.stage(conn, "stage_lookups", lookups)
        imports_lookups.add_lookups(conn, extract_id)
        report.notes["area codes linked"] = imports_lookups.fill_area_codes(conn)
    report.extract_id = extract_id
    report.added, report.unchanged = counts["added"], counts["unchanged"]
    report.notes["practices in no register"] = counts["unmatched"]
    log.info("%s (extract %s)", report.summary(), extract_date)
    return report

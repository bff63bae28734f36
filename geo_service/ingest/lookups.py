"""Import an ODS ↔ GSS commissioner code lookup (e.g. ONS "CCG19 names and codes": CCG19CD, CCG19CDH, CCG19NM)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from geo_service.db.repositories import imports_lookups, imports_staging
from geo_service.errors import InputFileError
from geo_service.ingest.database_refusals import refused_by_database
from geo_service.ingest.files import read_csv
from geo_service.ingest.report import ImportReport
from geo_service.ingest.transaction import import_transaction, record_file

log = logging.getLogger(__name__)


def read_lookup(path: str | Path):
    """Pairs (ods, gss, name) from every ``XXnnCDH``/``XXnnCD`` column pair in the file."""
    table = read_csv(path)
    pairs = []
    for h in table.header:
        m = re.fullmatch(r"([a-z]+\d{2})cdh", h)
        if m and table.has(m.group(1) + "cd"):
            nm = m.group(1) + "nm"
            pairs.append((table.index(h), table.index(m.group(1) + "cd"), table.index(nm) if table.has(nm) else None))
    if not pairs:
        raise InputFileError(
            table.name,
            f"missing columns: no pair like CCG19CD + CCG19CDH found; found {', '.join(table.header)}",
            row=1,
        )
    rows = set()
    for line, r in table.rows:
        for iods, igss, iname in pairs:
            ods, gss = r[iods].strip().upper(), r[igss].strip().upper()
            if bool(ods) != bool(gss):
                raise InputFileError(table.name, "one code of the pair is empty", row=line, field=table.header[iods])
            if ods:
                rows.add((ods, gss, r[iname].strip() if iname is not None else None))
    return table, sorted(rows, key=lambda t: (t[0], t[1]))


def import_lookup(target, path: str | Path) -> ImportReport:
    table, rows = read_lookup(path)
    report = ImportReport("lookup", table.name)
    with import_transaction(target) as conn, refused_by_database(table.name):
        source_id = record_file(conn, "lookups", path)
        imports_staging.stage(conn, "stage_lookups", rows)
        report.added = imports_lookups.add_lookups(conn, source_id)
        report.unchanged = len(rows) - report.added
        report.notes["area codes linked"] = imports_lookups.fill_area_codes(conn)
    log.info(report.summary())
    return report

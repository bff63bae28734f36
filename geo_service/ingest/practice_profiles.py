"""Import what practices are like and what they were paid, each file as one dated extract of its own kind:

- ``payments``: NHS Digital "NHS Payments to General Practice, England" for one financial year (one row per practice
  paid): the network the practice was paid under, contract type, dispensing, rurality, registered and weighted
  patients, GP Extended Hours Access DES payments, and the network payments (the ``PCN …`` columns: leadership,
  support, extended hours access, workforce, investment and impact fund, care home premium) paid to a network's
  nominated practice. The file carries no date: the financial year names it, dated by the year's 1 April.
- ``deprivation``: OHID Fingertips indicator 93553, the IMD score of each practice's registered population, per
  IMD year (2010, 2015, 2019).
- ``age_bands``: registered patients by age band (``PRACTICE_CODE, TOTAL, 0_64, 65OV``).

All-or-nothing (one transaction); a bad value names its file, line and column; re-importing a file adds nothing.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from geo_service.db.repositories import imports_profiles, imports_staging
from geo_service.errors import InputFileError
from geo_service.ingest.database_refusals import refused_by_database
from geo_service.ingest.files import CsvTable, FirstLines, read_csv
from geo_service.ingest.report import ImportReport
from geo_service.ingest.transaction import import_transaction, record_file

log = logging.getLogger(__name__)

FINANCIAL_YEAR = re.compile(r"^(\d{4})/(\d{2})$")
_PRACTICE_CODE = re.compile(r"^[A-Z0-9]{3,8}$")

PAYMENT_COLUMNS = {
    "practice": "Practice Code",
    "pcn_code": "PCN Code",
    "pcn_name": "PCN Name",
    "ccg": "CCG Code",
    "contract": "Contract Type",
    "dispensing": "Dispensing Practice",
    "rurality": "Practice Rurality",
    "registered": "Number of Registered Patients (Last Known Figure)",
    "weighted": "Number of Weighted Patients (Last Known Figure)",
    "extended_hours": "GP Extended Hours Access",
}
# The ``PCN …`` columns that are not payments to a network: its identity, and the practice's own participation
# payment (paid to every member for taking part in the network DES).
NOT_NETWORK_PAYMENTS = {"pcn code", "pcn name", "pcn participation"}
CONTRACT_TYPES = {"GMS", "PMS", "APMS"}
UNKNOWN = {"", "UNKNOWN", "MISSING"}
# England's largest practices have about 100,000 patients (as for list sizes).
MAX_PATIENTS = Decimal(2_000_000)
MAX_MONEY = Decimal(10) ** 11


def financial_year_start(year: str, name: str, field: str = "financial_year") -> date:
    """``2019/20`` → 1 April 2019; refuses anything else (the second part must be the next year)."""
    m = FINANCIAL_YEAR.match(year.strip()) if isinstance(year, str) else None
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise InputFileError(name, f"financial year {year!r} is not like 2019/20", field=field)
    return date(int(m.group(1)), 4, 1)


def _code(table: CsvTable, line: int, value: str, column: str) -> str:
    code = value.strip().upper()
    if not _PRACTICE_CODE.match(code):
        raise InputFileError(table.name, f"practice code {value.strip()!r} is not an ODS code", row=line, field=column)
    return code


def _number(table: CsvTable, line: int, value: str, column: str, *, empty=None, limit=MAX_MONEY, signed=True):
    v = value.strip().replace(",", "").replace("£", "")
    if not v:
        return empty
    try:
        n = Decimal(v)
    except InvalidOperation:
        n = None
    if n is None or not n.is_finite():
        raise InputFileError(table.name, f"{value.strip()!r} is not a number", row=line, field=column)
    if not signed and n < 0:
        raise InputFileError(table.name, f"{value.strip()!r} is negative", row=line, field=column)
    if abs(n) > limit:
        raise InputFileError(table.name, f"{value.strip()!r} is more than {limit:,}", row=line, field=column)
    return n


def read_payments(path: str | Path, financial_year: str) -> tuple[CsvTable, list[tuple]]:
    table = read_csv(path)
    financial_year_start(financial_year, table.name)
    table.require(PAYMENT_COLUMNS.values())
    ix = {k: table.index(c) for k, c in PAYMENT_COLUMNS.items()}
    network_ix = [(i, h) for i, h in enumerate(table.header) if h.startswith("pcn ") and h not in NOT_NETWORK_PAYMENTS]
    seen = FirstLines(table.name, "practice code", PAYMENT_COLUMNS["practice"])
    rows = []
    for line, r in table.rows:
        code = _code(table, line, r[ix["practice"]], PAYMENT_COLUMNS["practice"])
        seen.add(code, line)
        contract = r[ix["contract"]].strip().upper()
        if contract not in CONTRACT_TYPES | UNKNOWN:
            raise InputFileError(
                table.name, f"contract type {contract!r} is not GMS, PMS or APMS", row=line, field="Contract Type"
            )
        disp = r[ix["dispensing"]].strip().upper()
        if disp not in {"YES", "NO"} | UNKNOWN:
            raise InputFileError(table.name, f"{disp!r} is not Yes or No", row=line, field="Dispensing Practice")
        rural = r[ix["rurality"]].strip().title()
        if rural.upper() not in {"URBAN", "RURAL"} | UNKNOWN:
            raise InputFileError(table.name, f"{rural!r} is not Urban or Rural", row=line, field="Practice Rurality")
        patients = {}
        for k in ("registered", "weighted"):
            patients[k] = _number(table, line, r[ix[k]], PAYMENT_COLUMNS[k], limit=MAX_PATIENTS, signed=False)
        extended = _number(table, line, r[ix["extended_hours"]], PAYMENT_COLUMNS["extended_hours"], empty=Decimal(0))
        network = sum(
            (_number(table, line, r[i], h, empty=Decimal(0)) for i, h in network_ix),
            Decimal(0),
        )
        pcn = r[ix["pcn_code"]].strip().upper()
        rows.append(
            (
                code,
                financial_year,
                pcn or None,
                r[ix["pcn_name"]].strip() or None,
                r[ix["ccg"]].strip().upper() or None,
                None if contract in UNKNOWN else contract,
                None if disp in UNKNOWN else disp == "YES",
                None if rural.upper() in UNKNOWN else rural,
                patients["registered"],
                patients["weighted"],
                extended,
                network,
            )
        )
    if not rows:
        raise InputFileError(table.name, "no practice rows in the file")
    return table, rows


def read_deprivation(path: str | Path) -> tuple[CsvTable, list[tuple]]:
    table = read_csv(path)
    table.require(("Year", "AreaCode", "Value"))
    ix = {c: table.index(c) for c in ("Year", "AreaCode", "Value")}
    seen = FirstLines(table.name, "practice and year", "AreaCode")
    rows = []
    for line, r in table.rows:
        code = _code(table, line, r[ix["AreaCode"]], "AreaCode")
        year = r[ix["Year"]].strip()
        if not (year.isascii() and year.isdigit() and 2000 <= int(year) <= 2100):
            raise InputFileError(table.name, f"year {year!r} is not a year like 2019", row=line, field="Year")
        seen.add((code, int(year)), line, f"{code} {year}")
        score = _number(table, line, r[ix["Value"]], "Value", limit=Decimal(100), signed=False)
        if score is None:
            continue  # Fingertips leaves a value out where it is suppressed
        rows.append((code, int(year), score))
    if not rows:
        raise InputFileError(table.name, "no practice scores in the file")
    return table, rows


AGE_COLUMNS = ("PRACTICE_CODE", "TOTAL", "0_64", "65OV")


def read_age_bands(path: str | Path) -> tuple[CsvTable, list[tuple]]:
    table = read_csv(path)
    table.require(AGE_COLUMNS)
    ix = {c: table.index(c) for c in AGE_COLUMNS}
    seen = FirstLines(table.name, "practice code", "PRACTICE_CODE")
    rows = []
    for line, r in table.rows:
        code = _code(table, line, r[ix["PRACTICE_CODE"]], "PRACTICE_CODE")
        seen.add(code, line)
        counts = []
        for c in ("TOTAL", "0_64", "65OV"):
            n = _number(table, line, r[ix[c]], c, limit=MAX_PATIENTS, signed=False)
            # The published file writes one zero as 0.0000001 (a spreadsheet's stand-in for an empty band):
            # a count within a thousandth of a whole number is that number; anything else is refused.
            whole = n.to_integral_value() if n is not None else None
            if whole is None or abs(n - whole) > Decimal("0.001"):
                raise InputFileError(table.name, f"{r[ix[c]].strip()!r} is not a number of patients", row=line, field=c)
            counts.append(int(whole))
        total, under, over = counts
        if under + over != total:
            raise InputFileError(
                table.name, f"0_64 ({under:,}) + 65OV ({over:,}) is not TOTAL ({total:,})", row=line, field="TOTAL"
            )
        rows.append((code, total, under, over))
    if not rows:
        raise InputFileError(table.name, "no practice rows in the file")
    return table, rows


def _import(target, kind: str, label: str, stage: str, path, table, rows, extract_date: date) -> ImportReport:
    report = ImportReport(label, table.name)
    with import_transaction(target) as conn, refused_by_database(table.name):
        extract_id = record_file(conn, kind, path, extract_date)
        imports_staging.stage(conn, stage, rows)
        counts = imports_profiles.add_facts(conn, stage, extract_id)
    report.extract_id = extract_id
    report.added, report.unchanged = counts["added"], counts["unchanged"]
    report.notes["practices in no register"] = counts["unmatched"]
    log.info("%s (extract %s)", report.summary(), extract_date)
    return report


def import_payments(target, path: str | Path, financial_year: str, extract_date: date | None = None) -> ImportReport:
    """One financial year's payments file as a ``payments`` extract dated by the year's 1 April (or
    ``extract_date``)."""
    table, rows = read_payments(path, financial_year)
    when = extract_date or financial_year_start(financial_year, table.name)
    return _import(target, "payments", "payments", "stage_payments", path, table, rows, when)


def import_deprivation(target, path: str | Path, extract_date: date) -> ImportReport:
    """Fingertips practice deprivation scores as a ``deprivation`` extract."""
    if extract_date is None:
        raise InputFileError(str(Path(path).name), "a deprivation file needs an extract date", field="extract_date")
    table, rows = read_deprivation(path)
    return _import(target, "deprivation", "deprivation", "stage_deprivation", path, table, rows, extract_date)


def import_age_bands(target, path: str | Path, extract_date: date) -> ImportReport:
    """Registered patients by age band as an ``age_bands`` extract."""
    if extract_date is None:
        raise InputFileError(str(Path(path).name), "an age band file needs an extract date", field="extract_date")
    table, rows = read_age_bands(path)
    return _import(target, "age_bands", "age bands", "stage_age_bands", path, table, rows, extract_date)

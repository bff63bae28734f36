"""Import NHS Digital ePCN: PCN details (networks, lead commissioner) and core partners (memberships).

Accepts the ``.xlsx`` workbook, whose sheets are found by their header rows (not their names), or the two
sheets saved as CSV (the QOF "mapping NHS geographies" practice → PCN file is read as core partners).
Memberships carry start and end dates; an ended membership is kept but not current.

A pseudo-network that means "in no network" (code ``U``, "Unallocated", as the QOF mapping and the January 2022
practice-to-PCN file park the practices that have none) is not a network: its practices get no membership, so
they are orphaned, not members of one giant cross-boundary network. Every row's own commissioner column (the
practice's parent CCG; the QOF mapping's ``CCG_ODS_CODE``) is kept as a dated statement of the file's extract.
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException

from geo_service.db.repositories import commissioner_statements, imports_networks, imports_staging
from geo_service.errors import InputFileError, InvalidParameter
from geo_service.ingest.database_refusals import refused_by_database
from geo_service.ingest.files import (
    LIMITS,
    Deadline,
    FirstLines,
    ReadLimits,
    check_file,
    display_name,
    parse_yyyymmdd,
    read_csv,
    size_text,
)
from geo_service.ingest.report import ImportReport
from geo_service.ingest.transaction import import_transaction, record_file
from geo_service.ingest.zip_safety import safe_members
from geo_service.slugs import slugify

log = logging.getLogger(__name__)

DETAILS_KEYS = ("pcn_code", "pcn_name")
PARTNER_KEYS = ("partner_organisation_code", "pcn_code")
LEAD_NAMES = (
    "current_clinical_commissioning_group_code",
    "current_sub_icb_location_code",
    "current_commissioner_code",
    "ccg_code",
    "commissioner_code",
)
PCN_PARENT_NAMES = ("pcn_parent_ccg_code", "pcn_parent_sub_icb_loc_code", "pcn_parent_sub_icb_location_code")
PRACTICE_PARENT_NAMES = (
    "practice_parent_ccg_code",
    "pcn_parent_ccg_code",
    "practice_parent_sub_icb_loc_code",
    "practice_parent_sub_icb_location_code",
)
START_NAMES = ("practice_to_pcn_relationship_start_date", "start_date")
END_NAMES = ("practice_to_pcn_relationship_end_date", "end_date")
_HEADER_SCAN_ROWS = 15
# Codes and names the files use for "in no network".
NO_NETWORK_CODES = frozenset({"U"})
NO_NETWORK_NAMES = frozenset({"unallocated"})


def is_no_network(code: str, name: str = "") -> bool:
    """True for the pseudo-network that parks practices in no network (``U`` / "Unallocated")."""
    return code.strip().upper() in NO_NETWORK_CODES or name.strip().lower() in NO_NETWORK_NAMES


def header_key(text) -> str:
    """'Partner Organisation Code' / 'partner_organisation_code' → 'partner_organisation_code'."""
    return re.sub(r"[^a-z0-9]+", "_", str(text or "").lower()).strip("_")


@dataclass
class Sheet:
    """One table of the ePCN (from an xlsx sheet or a CSV): header keys and rows with line numbers."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)

    def col(self, candidates) -> int | None:
        for c in candidates:
            if c in self.header:
                return self.header.index(c)
        return None

    def kind(self) -> str | None:
        if all(k in self.header for k in PARTNER_KEYS):
            return "partners"
        if all(k in self.header for k in DETAILS_KEYS):
            return "details"
        return None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y%m%d")
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _check_xlsx_parts(path: Path, name: str, limits: ReadLimits = LIMITS) -> None:
    """Refuse a workbook before openpyxl opens it: unsafe member names, members that are too large or expand
    like a bomb (by their declared sizes, which zipfile never reads past), or an XML part over its cap."""
    try:
        zipfile.ZipFile(path).close()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise InputFileError(name, "cannot be read as an Excel .xlsx workbook") from exc
    safe_members(path, limits)
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.filename.lower().endswith((".xml", ".rels", ".vml")) and info.file_size > limits.max_xml_part_bytes:
                raise InputFileError(
                    name,
                    f"the workbook part {info.filename!r} holds {info.file_size:,} bytes of XML, more than the "
                    f"{size_text(limits.max_xml_part_bytes)} limit; refused",
                )


def _xlsx_sheets(path: Path) -> list[Sheet]:
    """Sheets holding an ePCN table, read through openpyxl, whose XML goes through defusedxml
    (entities and external references refused); parts are size-checked first."""
    from openpyxl import DEFUSEDXML, load_workbook

    name = display_name(path)
    if not DEFUSEDXML:  # pragma: no cover - defusedxml is a pinned dependency
        raise InputFileError(name, "xlsx files need the defusedxml package (pip install -r requirements.txt)")
    _check_xlsx_parts(path, name)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, ParseError) as exc:
        raise InputFileError(name, f"cannot be read as an Excel .xlsx workbook ({_xml_reason(exc)})") from exc
    try:
        return _read_sheets(wb, name)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, ParseError) as exc:
        raise InputFileError(name, f"cannot be read as an Excel .xlsx workbook ({_xml_reason(exc)})") from exc
    finally:
        wb.close()


def _xml_reason(exc: BaseException) -> str:
    while exc.__cause__ is not None and not isinstance(exc, DefusedXmlException | ParseError):
        exc = exc.__cause__  # openpyxl wraps the XML error in a ValueError
    if isinstance(exc, DefusedXmlException):
        return "it declares XML entities or external references, which are refused"
    if isinstance(exc, ParseError):
        return "broken XML"
    if isinstance(exc, zipfile.BadZipFile | EOFError):
        return "damaged zip archive"
    return "not a workbook"


def _read_sheets(wb, name: str) -> list[Sheet]:
    found = []
    deadline = Deadline(name)
    for ws in wb.worksheets:
        # A sheet may claim 16,384 columns (its <dimension>): read no wider than the ePCN tables are.
        header = None
        for number, values in enumerate(ws.iter_rows(max_row=_HEADER_SCAN_ROWS, max_col=64, values_only=True), 1):
            keys = [header_key(v) for v in values]
            probe = Sheet(f"{name} [{ws.title}]", keys)
            if probe.kind():
                header = probe
                break
            if number >= _HEADER_SCAN_ROWS:
                break
        if header is None:
            continue
        header_row = number
        rows = ws.iter_rows(min_row=header_row + 1, max_col=len(header.header), values_only=True)
        for data_row, values in enumerate(rows, start=header_row + 1):
            if data_row % 5_000 == 0:
                deadline.check(data_row)
            if data_row > LIMITS.max_rows:
                raise InputFileError(header.name, f"more than {LIMITS.max_rows:,} rows; refused", row=data_row)
            cells = [_cell_text(v) for v in values]
            if any(cells):
                cells += [""] * (len(header.header) - len(cells))
                header.rows.append((data_row, cells[: len(header.header)]))
        found.append(header)
    return found


# The QOF "mapping NHS geographies" file lists practice → PCN → CCG: read as core partners.
QOF_MAPPING_ALIASES = {
    "practice_code": "partner_organisation_code",
    "practice_name": "partner_name",
    "pcn_ods_code": "pcn_code",
    "ccg_ods_code": "pcn_parent_ccg_code",
}


# NHS Digital's practice → PCN file beside the list sizes (gp-reg-pat-prac-map.csv, e.g. January 2022):
# one row per practice with its PCN and CCG, read as core partners in the same way.
PRACTICE_MAP_ALIASES = {
    "practice_code": "partner_organisation_code",
    "practice_name": "partner_name",
    "ccg_code": "pcn_parent_ccg_code",
}


def _csv_sheet(path: Path) -> Sheet:
    table = read_csv(path)
    keys = [header_key(h) for h in table.header]
    if "partner_organisation_code" not in keys and {"practice_code", "pcn_ods_code"} <= set(keys):
        keys = [QOF_MAPPING_ALIASES.get(k, k) for k in keys]
    elif "partner_organisation_code" not in keys and {"practice_code", "pcn_code", "ccg_code"} <= set(keys):
        keys = [PRACTICE_MAP_ALIASES.get(k, k) for k in keys]
    sheet = Sheet(table.name, keys, table.rows)
    if sheet.kind() is None:
        raise InputFileError(
            table.name,
            "missing columns: expected PCN details (pcn_code, pcn_name, …) or core partner details "
            f"(partner_organisation_code, pcn_code, …); found {', '.join(table.header)}",
            row=1,
        )
    return sheet


def read_epcn(paths: list[str | Path]) -> dict[str, Sheet]:
    """The 'details' and/or 'partners' tables from the given files."""
    sheets: dict[str, Sheet] = {}
    for raw in paths:
        p = check_file(raw)
        with open(p, "rb") as fh:
            is_zip = fh.read(4) == b"PK\x03\x04"
        if is_zip or p.suffix.lower() in (".xlsx", ".xlsm"):
            found = _xlsx_sheets(p)
            if not found:
                raise InputFileError(
                    display_name(p),
                    "no PCN details or core partner details sheet found (looked for header rows with "
                    "'PCN Code' and 'PCN Name', or 'Partner Organisation Code' and 'PCN Code')",
                )
        else:
            found = [_csv_sheet(p)]
        for sheet in found:
            kind = sheet.kind()
            if kind in sheets:
                raise InputFileError(sheet.name, f"a second {kind} table (already read from {sheets[kind].name})")
            sheets[kind] = sheet
    return sheets


def _network_rows(sheets: dict[str, Sheet]) -> list[tuple]:
    networks: dict[str, tuple] = {}
    details = sheets.get("details")
    if details:
        ic, iname, ilead = details.col(["pcn_code"]), details.col(["pcn_name"]), details.col(LEAD_NAMES)
        seen = FirstLines(details.name, "PCN code", "pcn_code")
        for line, r in details.rows:
            code = r[ic].strip().upper()
            if not code:
                raise InputFileError(details.name, "empty PCN code", row=line, field="pcn_code")
            seen.add(code, line)
            name = r[iname].strip()
            if not name:
                raise InputFileError(details.name, "empty PCN name", row=line, field="pcn_name")
            if is_no_network(code, name):
                continue
            lead = r[ilead].strip().upper() if ilead is not None else ""
            networks[code] = (code, name, lead or None)
    partners = sheets.get("partners")
    if partners:
        ic, iname, ilead = partners.col(["pcn_code"]), partners.col(["pcn_name"]), partners.col(PCN_PARENT_NAMES)
        for line, r in partners.rows:
            code = r[ic].strip().upper()
            if not code:
                raise InputFileError(partners.name, "empty PCN code", row=line, field="pcn_code")
            if is_no_network(code, r[iname] if iname is not None else ""):
                continue
            if code not in networks:
                if details is not None:
                    raise InputFileError(
                        partners.name, f"PCN {code!r} is not in the PCN details", row=line, field="pcn_code"
                    )
                name = r[iname].strip() if iname is not None else ""
                lead = r[ilead].strip().upper() if ilead is not None else ""
                networks[code] = (code, name or code, lead or None)
    return list(networks.values())


def _membership_rows(partners: Sheet) -> tuple[list[tuple], list[tuple[str, str]]]:
    """(memberships, the file's commissioner statements (practice, commissioner)). Rows of the "in no network"
    pseudo-network give a statement but no membership; of a practice's rows, the one current on the latest start
    states its commissioner."""
    ip, ic = partners.col(["partner_organisation_code"]), partners.col(["pcn_code"])
    ipname = partners.col(["pcn_name"])
    iname, icomm = partners.col(["partner_name"]), partners.col(PRACTICE_PARENT_NAMES)
    istart, iend = partners.col(START_NAMES), partners.col(END_NAMES)
    seen = FirstLines(partners.name, "membership of", "partner_organisation_code")
    rows = []
    stated: dict[str, tuple] = {}
    for line, r in partners.rows:
        practice = r[ip].strip().upper()
        if not practice:
            raise InputFileError(partners.name, "empty partner code", row=line, field="partner_organisation_code")
        network = r[ic].strip().upper()
        start = parse_yyyymmdd(r[istart], partners.name, line, partners.header[istart]) if istart is not None else None
        end = parse_yyyymmdd(r[iend], partners.name, line, partners.header[iend]) if iend is not None else None
        if start and end and end < start:
            raise InputFileError(
                partners.name,
                f"end date {end:%Y%m%d} is before start date {start:%Y%m%d}",
                row=line,
                field=partners.header[iend],
            )
        seen.add((network, practice, start), line, shown=f"{practice!r} in {network!r}")
        name = r[iname].strip() if iname is not None else ""
        comm = r[icomm].strip().upper() if icomm is not None else ""
        if comm:
            rank = (end is None, start or date.min)
            if practice not in stated or rank >= stated[practice][0]:
                stated[practice] = (rank, comm)
        if is_no_network(network, r[ipname] if ipname is not None else ""):
            continue
        rows.append((network, practice, name or practice, comm or None, start, end))
    return rows, [(p, c) for p, (_rank, c) in sorted(stated.items())]


def _parked_practices(partners: Sheet) -> set[str]:
    """Practices the file lists under the "in no network" pseudo-network."""
    ip, ic, iname = partners.col(["partner_organisation_code"]), partners.col(["pcn_code"]), partners.col(["pcn_name"])
    return {
        r[ip].strip().upper()
        for _line, r in partners.rows
        if is_no_network(r[ic], r[iname] if iname is not None else "")
    }


def import_pcn(target, paths: list[str | Path], scenario: str, extract_date: date | None = None) -> list[ImportReport]:
    """Networks and memberships of ``scenario`` (created if new) from ePCN. One transaction."""
    if not scenario or not scenario.strip():
        raise InvalidParameter("scenario", "a scenario name is required")
    if not paths or len(paths) > 2:
        raise InvalidParameter("files", "give the ePCN workbook, or its one or two sheets saved as CSV")
    sheets = read_epcn(paths)
    networks = _network_rows(sheets)
    members, statements = _membership_rows(sheets["partners"]) if "partners" in sheets else (None, [])
    file_names = ", ".join(display_name(p) for p in paths)
    net_report = ImportReport("networks", file_names)
    mem_report = ImportReport("memberships", file_names)
    with import_transaction(target) as conn, refused_by_database(file_names):
        source_id = record_file(conn, "pcn", paths[0], extract_date)
        for extra in paths[1:]:
            record_file(conn, "pcn", extra, extract_date)
        as_of = extract_date or date.today()
        if extract_date is None:
            log.warning("no extract date given for %s: a new scenario is dated today (%s)", file_names, as_of)
        scenario_id, created = imports_networks.ensure_scenario(
            conn, slugify(scenario), scenario.strip(), f"NHS Digital ePCN ({file_names})", source_id, as_of
        )
        imports_staging.stage(conn, "stage_networks", networks)
        counts = imports_networks.upsert_networks(conn, scenario_id, source_id)
        if counts.get("added"):
            imports_staging.refresh_statistics(conn, "networks")
        if members is not None:
            imports_staging.stage(conn, "stage_members", members)
            partners_added = imports_networks.add_missing_partners(conn)
            mcounts = imports_networks.replace_memberships(conn, scenario_id, source_id)
            if mcounts.get("added"):
                imports_staging.refresh_statistics(conn, "memberships")
            stated = commissioner_statements.add_statements(conn, source_id, statements)
    net_report.added, net_report.updated = counts.get("added", 0), counts.get("updated", 0)
    net_report.unchanged = counts.get("unchanged", 0)
    net_report.notes["not in file (kept)"] = counts.get("not in file", 0)
    if created:
        net_report.notes["new scenario"] = 1
    reports = [net_report]
    if members is not None:
        mem_report.added, mem_report.updated = mcounts.get("added", 0), mcounts.get("updated", 0)
        mem_report.unchanged, mem_report.closed = mcounts.get("unchanged", 0), mcounts.get("closed", 0)
        mem_report.notes["removed"] = mcounts.get("removed", 0)
        mem_report.notes["partners added"] = partners_added
        parked = len(_parked_practices(sheets["partners"]) - {m[1] for m in members})
        if parked:
            mem_report.notes["practices in no network (U)"] = parked
        log.info("%s: %s commissioner statements written", file_names, stated)
        reports.append(mem_report)
    net_report.extract_id = mem_report.extract_id = source_id
    net_report.scenario_slug = mem_report.scenario_slug = slugify(scenario)
    for r in reports:
        log.info(r.summary())
    return reports

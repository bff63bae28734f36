"""Plans exchanged as spreadsheets (issue 20): a scenario's membership written as CSV or XLSX, and such a file read
back, checked row by row, as the memberships of a new plan.

One row per current membership: practice code and name, network code and name, list size, commissioner code and
name. Reading needs the practice and network codes (the other columns are for people; a network name, when given,
names the network). Headers are matched without regard to case, spaces or underscores ("Practice code",
``practice_code``), with the usual aliases (``ods_code``, ``pcn_code``, ``pcn_name``).

A file is someone else's: it is refused WHOLE, naming the file, the row (the header is row 1, as a spreadsheet
numbers it) and the field, on the first problem (bad header, empty code, a practice twice, a network named two
ways). An XLSX workbook is checked before openpyxl opens it (size, zip members: names, declared sizes and
expansion ratio), then read in read-only mode through defusedxml, with the values the workbook last showed (no
formula is evaluated). No database here: :mod:`geo_service.plans.sheet_import` makes the plan.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from geo_service.csv_output import FORMULA_PREFIXES, write_rows
from geo_service.errors import InvalidParameter
from geo_service.plans.upload import checked_file_type

MAX_BYTES = 5 * 1024 * 1024  # a national membership (about 6,500 practices) is under 1 MB as CSV
MAX_ROWS = 20_000
MAX_COLUMNS = 64
MAX_CELL_CHARS = 500
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024  # all parts of a workbook, by their declared sizes
MAX_RATIO = 100  # unzipped / zipped, past RATIO_FLOOR
RATIO_FLOOR = 4 * 1024 * 1024
FORMATS = {".csv": "CSV", ".xlsx": "XLSX"}
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# (key, header as written): the columns of the file, in order.
COLUMNS = (
    ("practice_code", "Practice code"),
    ("practice_name", "Practice name"),
    ("network_code", "Network code"),
    ("network_name", "Network name"),
    ("list_size", "List size"),
    ("commissioner_code", "Commissioner code"),
    ("commissioner_name", "Commissioner name"),
)
HEADER = tuple(h for _, h in COLUMNS)
REQUIRED = ("practice_code", "network_code")
ALIASES = {
    "practice": "practice_code",
    "ods_code": "practice_code",
    "practice_ods_code": "practice_code",
    "network": "network_code",
    "pcn_code": "network_code",
    "pcn": "network_code",
    "pcn_name": "network_name",
    "ccg_code": "commissioner_code",
    "commissioner": "commissioner_code",
}
PRACTICE_CODE = re.compile(r"[A-Z0-9]{3,10}")
NETWORK_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,29}")


@dataclass(frozen=True)
class SheetRow:
    """One membership read from a file: its row number (header = 1) and its values."""

    row: int
    practice_code: str
    network_code: str
    network_name: str = ""
    commissioner_code: str = ""


@dataclass
class Sheet:
    """What a file gives: its rows, checked among themselves (not yet against a plan)."""

    file_name: str
    file_format: str
    rows: list[SheetRow] = field(default_factory=list)

    def network_names(self) -> dict[str, str]:
        """Network code → the name the file gives it ('' when none)."""
        out: dict[str, str] = {}
        for r in self.rows:
            if r.network_name or r.network_code not in out:
                out[r.network_code] = r.network_name
        return out


def refusal(file_name: str, detail: str, row: int | None = None, field_: str | None = None) -> InvalidParameter:
    """A 400 naming the file, and where known the row and field; nothing is created."""
    where = "".join((f" row {row}" if row is not None else "", f", field '{field_}'" if field_ else ""))
    sep = ":" if where else ""
    err = InvalidParameter("file", f"'{file_name}'{where}{sep} {detail} Nothing was created.")
    err.extra.update(
        {"file": file_name, **({"row": row} if row is not None else {}), **({"field": field_} if field_ else {})}
    )
    return err


# ---- writing --------------------------------------------------------------------------------------------


def _cells(rows: Iterable[dict]) -> Iterator[list[Any]]:
    for r in rows:
        yield [r.get(key) for key, _ in COLUMNS]


def write_csv(rows: Iterable[dict]) -> bytes:
    """The membership as CSV (UTF-8 with a byte-order mark, so spreadsheets read names in UTF-8)."""
    out = io.StringIO()
    write_rows(out, HEADER, _cells(rows))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_xlsx(rows: Iterable[dict], title: str = "Membership") -> bytes:
    """The membership as an XLSX workbook: one sheet, text cells stored as text (never as formulas)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Membership")
    widths = (14, 44, 14, 44, 10, 18, 44)
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    head = []
    for h in HEADER:
        c = WriteOnlyCell(ws, value=h)
        c.font = bold
        head.append(c)
    ws.append(head)
    for values in _cells(rows):
        line = []
        for v in values:
            c = WriteOnlyCell(ws, value=v)
            if isinstance(v, str):
                c.data_type = "s"  # a name starting with '=' stays text
            line.append(c)
        ws.append(line)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---- reading --------------------------------------------------------------------------------------------


def _key(value: Any) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", str(value or "").strip().lower()).strip("_")
    return ALIASES.get(key, key)


def _text(value: Any) -> str:
    """A cell as text: numbers without '.0', a CSV cell's defusing apostrophe taken off."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        text = text[1:]
    return text


def _header(file_name: str, values: Sequence[Any]) -> dict[str, int]:
    keys = [_key(v) for v in values]
    while keys and not keys[-1]:
        keys.pop()
    known = {k for k, _ in COLUMNS}
    index: dict[str, int] = {}
    for i, k in enumerate(keys):
        if k in known:
            if k in index:
                raise refusal(
                    file_name, f"the header names the column '{k}' twice (columns {index[k] + 1} and {i + 1}).", 1, k
                )
            index[k] = i
    missing = [k for k in REQUIRED if k not in index]
    if missing:
        expected = ", ".join(HEADER)
        raise refusal(
            file_name,
            f"the header has no '{missing[0]}' column; the first row must name the columns ({expected}).",
            1,
            missing[0],
        )
    return index


def _check_rows(file_name: str, file_format: str, records: Iterator[tuple[int, Sequence[Any]]]) -> Sheet:
    """Rows after the header, checked: codes present and well formed, each practice once, one name per network."""
    first = next(records, None)
    if first is None:
        raise refusal(file_name, "the file is empty.")
    index = _header(file_name, first[1])
    sheet = Sheet(file_name, file_format)
    seen: dict[str, int] = {}
    names: dict[str, tuple[str, int]] = {}
    for number, values in records:
        cells = {k: _text(values[i]) if i < len(values) else "" for k, i in index.items()}
        if not any(_text(v) for v in values):
            continue  # a blank line
        if number - 1 > MAX_ROWS:
            raise refusal(file_name, f"more than {MAX_ROWS:,} rows.", number)
        for k, v in cells.items():
            if len(v) > MAX_CELL_CHARS or not v.isprintable():
                raise refusal(
                    file_name, f"the value is not printable text of at most {MAX_CELL_CHARS} characters.", number, k
                )
        practice = cells["practice_code"].upper()
        network = cells["network_code"]
        if not practice:
            raise refusal(file_name, "the practice code is empty.", number, "practice_code")
        if not PRACTICE_CODE.fullmatch(practice):
            raise refusal(
                file_name,
                f"'{practice}' is not a practice ODS code (3 to 10 letters and digits).",
                number,
                "practice_code",
            )
        if not network:
            raise refusal(file_name, f"the network code of practice {practice} is empty.", number, "network_code")
        if not NETWORK_CODE.fullmatch(network):
            raise refusal(
                file_name,
                f"'{network}' is not a network code (letters, digits, '.', '_' or '-', at most 30).",
                number,
                "network_code",
            )
        if practice in seen:
            raise refusal(
                file_name,
                f"practice {practice} is listed twice (rows {seen[practice]} and {number}); a practice belongs to "
                "one network.",
                number,
                "practice_code",
            )
        seen[practice] = number
        name = cells.get("network_name", "")
        if name:
            if network in names and names[network][0] != name:
                before, row = names[network]
                raise refusal(
                    file_name,
                    f"network {network} is named '{name}' here but '{before}' in row {row}; use one name per code.",
                    number,
                    "network_name",
                )
            names.setdefault(network, (name, number))
        sheet.rows.append(SheetRow(number, practice, network, name, cells.get("commissioner_code", "").upper()))
    if not sheet.rows:
        raise refusal(file_name, "the file has a header but no memberships.")
    return sheet


def _csv_records(data: bytes, file_name: str) -> Iterator[tuple[int, list[str]]]:
    if b"\x00" in data:
        raise refusal(file_name, "not a CSV file (it holds binary data).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise refusal(file_name, "not a CSV file in UTF-8 or Windows-1252 text.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for number, values in enumerate(reader, start=1):
            if len(values) > MAX_COLUMNS:
                raise refusal(file_name, f"more than {MAX_COLUMNS} columns.", number)
            yield number, values
    except csv.Error as exc:
        raise refusal(file_name, f"not a readable CSV file ({exc}).", reader.line_num) from None


def _check_zip(data: bytes, file_name: str) -> None:
    """Refuse a workbook before openpyxl opens it: not a zip, unsafe member names, too large once unzipped, or
    expanding like a bomb (by the sizes its members declare, which reading never goes past)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise refusal(file_name, "not an XLSX workbook (not a zip archive).") from None
    total = sum(i.file_size for i in infos)
    for info in infos:
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if info.filename.startswith(("/", "\\")) or ".." in parts:
            raise refusal(file_name, f"the workbook holds an unsafe member name '{info.filename}'.")
    if total > MAX_UNZIPPED_BYTES:
        raise refusal(file_name, f"the workbook unzips to more than {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB.")
    if total > RATIO_FLOOR and total > MAX_RATIO * max(len(data), 1):
        raise refusal(file_name, f"the workbook expands more than {MAX_RATIO} times when unzipped (a zip bomb?).")
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise refusal(file_name, "not an XLSX workbook (no xl/workbook.xml).")


def _xlsx_records(data: bytes, file_name: str) -> Iterator[tuple[int, tuple]]:
    from xml.etree.ElementTree import ParseError

    from openpyxl import DEFUSEDXML, load_workbook

    if not DEFUSEDXML:  # pragma: no cover - defusedxml is a pinned dependency
        raise refusal(file_name, "XLSX files need the defusedxml package.")
    _check_zip(data, file_name)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception:  # noqa: BLE001 - openpyxl's reasons are many (broken XML, entities refused, missing parts)
        raise refusal(file_name, "not a readable XLSX workbook.") from None
    try:
        ws = wb.worksheets[0] if wb.worksheets else None
        if ws is None:
            raise refusal(file_name, "the workbook has no sheet.")
        try:
            yield from enumerate(ws.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1)
        except (ParseError, ValueError, KeyError, zipfile.BadZipFile, EOFError):
            raise refusal(file_name, "not a readable XLSX workbook (its sheet is damaged).") from None
    finally:
        wb.close()


def read_sheet(data: bytes, file_name: str) -> Sheet:
    """The memberships of a CSV or XLSX file, checked; refused whole (file, row, field) on the first problem."""
    file_name = Path(file_name or "upload").name[:200]
    suffix = checked_file_type(data, file_name, FORMATS, MAX_BYTES, refusal, "a .csv or .xlsx file")
    records = _csv_records(data, file_name) if suffix == ".csv" else _xlsx_records(data, file_name)
    return _check_rows(file_name, FORMATS[suffix], records)

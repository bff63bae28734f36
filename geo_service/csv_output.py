"""The one CSV writer for every CSV the service produces (checks.csv, ``export?format=csv``, the CLI).

Names and codes come from data files anyone can edit. A spreadsheet opening a CSV runs a cell that starts
with ``=``, ``+``, ``-`` or ``@`` as a formula (``=HYPERLINK("http://evil","click")``), and a leading tab or
carriage return hides such a prefix; so every text cell starting with one of these is written with a
leading apostrophe, which spreadsheets show as text and never evaluate (OWASP "CSV injection"). Numbers
are written as numbers: a negative list size or longitude is not a formula.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def defuse_cell(value: Any) -> Any:
    """The cell as written: text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_rows(stream, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a header and rows to a text stream (RFC 4180: CRLF line ends, minimal quoting), defusing every cell."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([defuse_cell(h) for h in header])
    for row in rows:
        writer.writerow([defuse_cell(v) for v in row])


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The whole CSV as a string (small outputs: checks.csv, ``geo-service check --format csv``)."""
    out = io.StringIO()
    write_rows(out, header, rows)
    return out.getvalue()


def write_csv_file(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write the CSV to ``path`` in UTF-8, streaming the rows (exports)."""
    p = Path(path)
    with p.open("w", encoding="utf-8", newline="") as fh:
        write_rows(fh, header, rows)
    return p

"""Reading input files safely: size and existence checks, gzip, text encodings, CSV tables with line numbers.

Every problem becomes an :class:`~geo_service.errors.InputFileError` naming the file and, where it
applies, the line and column, so a planner can open the file and fix it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from geo_service.errors import InputFileError

GZIP_MAGIC = b"\x1f\x8b"
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ReadLimits:
    """How much work one input file may cause: a hostile file is refused early, with the limit it broke.

    The official files are far below these (the largest, a national postcode file, is a few hundred MB).
    """

    max_bytes: int = 1 << 30  # content of one file (after gunzip) or one zip/xlsx member: 1 GiB
    max_ratio: int = 100  # decompressed / compressed size, checked once past ``ratio_floor``
    ratio_floor: int = 16 << 20  # below this, any ratio is fine (small, very repetitive files)
    max_line_chars: int = 1 << 16  # one physical CSV line: 64 KiB (real lines are a few hundred characters)
    max_rows: int = 5_000_000
    max_seconds: float = 300.0  # reading and checking one file
    max_xml_part_bytes: int = 128 << 20  # one XML part of an xlsx workbook (a sheet of the ePCN is ~10 MB)


LIMITS = ReadLimits()


def size_text(n: int) -> str:
    """1 GiB, 16 MiB, 1,000 bytes: a limit as a person reads it."""
    if n >= 1 << 30:
        return f"{n / (1 << 30):g} GiB"
    if n >= 1 << 20:
        return f"{n / (1 << 20):g} MiB"
    return f"{n:,} bytes"


class Deadline:
    """Refuses to go on once a file has taken ``limits.max_seconds``."""

    def __init__(self, name: str, limits: ReadLimits = LIMITS) -> None:
        self.name, self.seconds = name, limits.max_seconds
        self.until = time.monotonic() + limits.max_seconds

    def check(self, row: int | None = None) -> None:
        if time.monotonic() > self.until:
            raise InputFileError(self.name, f"reading the file took longer than {self.seconds:g} s; refused", row=row)


def check_expansion(
    name: str, expanded: int, compressed: int, limits: ReadLimits = LIMITS, what: str = "the file"
) -> None:
    """Refuse content that expands far more than real data compresses (a bomb), or past the size limit."""
    if expanded > limits.ratio_floor and expanded > limits.max_ratio * max(compressed, 1):
        raise InputFileError(
            name,
            f"{what} expands more than {limits.max_ratio} times when decompressed "
            f"(past {size_text(limits.ratio_floor)}); refused as a likely decompression bomb",
        )
    if expanded > limits.max_bytes:
        raise InputFileError(
            name, f"{what} is larger than the {size_text(limits.max_bytes)} limit once decompressed; refused"
        )


def display_name(path: str | Path) -> str:
    """The name used in messages: the file name without its folders."""
    return Path(path).name


def check_file(path: str | Path) -> Path:
    """The file must exist, be a regular file and not be empty."""
    p = Path(path)
    name = display_name(p)
    if not p.exists():
        raise InputFileError(name, "file not found")
    if not p.is_file():
        raise InputFileError(name, "not a regular file")
    if p.stat().st_size == 0:
        raise InputFileError(name, "the file is empty (0 bytes)")
    return p


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_bytes(path: str | Path, limits: ReadLimits = LIMITS) -> bytes:
    """The file's content, gunzipped when it is gzip (by its magic number, not its name).

    Gzip is decompressed as a stream and stops as soon as the output passes the size or ratio limit,
    so a small file that expands to gigabytes is refused after reading a few megabytes of it.
    """
    p = check_file(path)
    name = display_name(p)
    with p.open("rb") as fh:
        if fh.read(2) != GZIP_MAGIC:
            size = p.stat().st_size
            if size > limits.max_bytes:
                raise InputFileError(name, f"the file is larger than the {size_text(limits.max_bytes)} limit; refused")
            fh.seek(0)
            return fh.read()
        fh.seek(0)
        raw = _gunzip(fh, name, limits)
    if not raw:
        raise InputFileError(name, "the compressed file is empty")
    return raw


def _gunzip(fh, name: str, limits: ReadLimits) -> bytes:
    out: list[bytes] = []
    total = consumed = 0
    deadline = Deadline(name, limits)
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    pending = b""
    try:
        while True:
            if not pending:
                pending = fh.read(_CHUNK)
                consumed += len(pending)
                if not pending:
                    break
            # max_length bounds what one call may produce; the rest waits in unconsumed_tail.
            block = inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
            total += len(block)
            check_expansion(name, total, consumed - len(pending), limits)  # compressed bytes used so far
            deadline.check()
            out.append(block)
            if inflater.eof:  # a further gzip member may follow (concatenated .gz files)
                pending = inflater.unused_data + pending
                inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
                if not pending:
                    pending = fh.read(_CHUNK)
                    consumed += len(pending)
                    if not pending:
                        return b"".join(out)
    except zlib.error as exc:
        raise InputFileError(name, f"not a valid gzip file ({exc})") from exc
    if not inflater.eof:
        raise InputFileError(name, "not a valid gzip file (truncated: it ends before the compressed data does)")
    return b"".join(out)


def decode_text(raw: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) or Latin-1 (Windows-1252); anything else is refused."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputFileError(name, "the file is UTF-16 encoded; save it as UTF-8 or Latin-1 CSV")
    bad = _CONTROL.search(raw)
    if bad:
        line = raw.count(b"\n", 0, bad.start()) + 1
        raise InputFileError(
            name,
            f"not a UTF-8 or Latin-1 text file (byte 0x{raw[bad.start()]:02x} at offset {bad.start()}: "
            "binary data or UTF-16?)",
            row=line,
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputFileError(
            name, f"neither UTF-8 nor Latin-1 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})", row=line
        ) from exc


def read_text(path: str | Path, limits: ReadLimits = LIMITS) -> str:
    return decode_text(read_bytes(path, limits), display_name(path))


class FirstLines:
    """Where each key was first seen in a file: a second sighting is refused, naming both lines."""

    def __init__(self, file: str, what: str, field: str) -> None:
        self.file, self.what, self.field = file, what, field
        self._lines: dict[object, int] = {}

    def add(self, key: object, line: int, shown: str | None = None) -> None:
        """Record ``key`` at ``line``; ``shown`` is how the key reads in the message (default its repr)."""
        first = self._lines.setdefault(key, line)
        if first != line:
            raise InputFileError(
                self.file,
                f"duplicate {self.what} {shown or repr(key)} (first on line {first})",
                row=line,
                field=self.field,
            )


@dataclass
class CsvTable:
    """A parsed CSV: header names (lower-cased for lookup) and rows with their physical line numbers."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]]
    has_header: bool = True

    def index(self, column: str) -> int:
        return self.header.index(column.lower())

    def has(self, column: str) -> bool:
        return column.lower() in self.header

    def require(self, columns: Iterable[str]) -> None:
        missing = [c for c in columns if not self.has(c)]
        if missing:
            raise InputFileError(
                self.name,
                f"missing column{'s' if len(missing) > 1 else ''} {', '.join(repr(c) for c in missing)}; "
                f"found {', '.join(self.header)}",
                row=1,
            )

    def column_of(self, candidates: Sequence[str]) -> str | None:
        for c in candidates:
            if self.has(c):
                return c.lower()
        return None


def _bounded_lines(text: str, name: str, limits: ReadLimits) -> Iterator[str]:
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > limits.max_line_chars:
            raise InputFileError(
                name, f"the line is longer than {limits.max_line_chars:,} characters; refused", row=number
            )
        yield line


def _reader_rows(text: str, name: str, limits: ReadLimits = LIMITS) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(_bounded_lines(text, name, limits))
    deadline = Deadline(name, limits)
    start = 1
    count = 0
    try:
        for row in reader:
            count += 1
            if count > limits.max_rows:
                raise InputFileError(name, f"more than {limits.max_rows:,} rows; refused", row=start)
            if count % 10_000 == 0:
                deadline.check(start)
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputFileError(name, f"not a readable CSV file ({exc})", row=reader.line_num) from exc


def read_csv(
    path: str | Path,
    headerless_columns: Sequence[str] | None = None,
    looks_like_header=None,
    limits: ReadLimits = LIMITS,
) -> CsvTable:
    """Parse a CSV file. With ``headerless_columns``, a file whose first row is data gets those names.

    ``looks_like_header(first_row)`` decides whether the first row is a header (default: always).
    Blank lines are skipped; every data row must have as many fields as the header.
    """
    name = display_name(path)
    text = read_text(path, limits)
    rows = [(n, r) for n, r in _reader_rows(text, name, limits) if any(cell.strip() for cell in r)]
    del text
    if not rows:
        raise InputFileError(name, "no rows found")
    first_line, first = rows[0]
    is_header = True if looks_like_header is None else looks_like_header(first)
    if is_header:
        header = [h.strip().lower() for h in first]
        data = rows[1:]
    else:
        if headerless_columns is None:
            raise InputFileError(name, "the first row is not a header row", row=first_line)
        if len(first) != len(headerless_columns):
            raise InputFileError(
                name,
                f"expected a header row or the {len(headerless_columns)}-column headerless layout, "
                f"found {len(first)} columns",
                row=first_line,
            )
        header = [h.lower() for h in headerless_columns]
        data = rows
    width = len(header)
    for line, row in data:
        if len(row) != width:
            # A trailing empty field is common (a final comma); tolerate exactly that.
            if len(row) == width + 1 and not row[-1].strip():
                row.pop()
                continue
            raise InputFileError(name, f"expected {width} fields, found {len(row)}", row=line)
    return CsvTable(name=name, header=header, rows=data, has_header=is_header)


def parse_yyyymmdd(value: str, name: str, line: int, field: str) -> date | None:
    """ODS dates are YYYYMMDD; empty means none. Also accepts ISO YYYY-MM-DD."""
    v = value.strip()
    if not v:
        return None
    for fmt in ("%Y%m%d", "%Y-%m-%d"):
        try:
            return datetime.strptime(v, fmt).date()
        except ValueError:
            continue
    raise InputFileError(name, f"bad date {v!r} (expected YYYYMMDD)", row=line, field=field)


def parse_extract_date(value: str, name: str, line: int, field: str) -> date:
    """NHS Digital extract dates: ``01JAN2021``, ``01Apr2022`` (also ISO or YYYYMMDD)."""
    v = value.strip()
    for fmt in ("%d%b%Y", "%Y-%m-%d", "%Y%m%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(v, fmt).date()
        except ValueError:
            continue
    raise InputFileError(name, f"bad date {v!r} (expected e.g. 01JAN2021)", row=line, field=field)


def normalise_postcode(value: str) -> str:
    """Postcode matching ignores spaces and case."""
    return "".join(value.split()).upper()

"""A value the database refuses (out of range, too long, an invalid geometry) is a problem of the input file.

Importers check what they can while reading; whatever still reaches PostgreSQL or PostGIS and is refused
there becomes the same one-line :class:`InputFileError` naming the file (and the column where PostgreSQL says
which), never a traceback. A database that is down or times out is not the file's fault and passes through.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2

from geo_service.errors import InputFileError

log = logging.getLogger(__name__)

# Data and integrity errors, and PostGIS's own (SQLSTATE XX000: "transform: Invalid coordinate", "lwgeom…").
REFUSALS = (psycopg2.DataError, psycopg2.IntegrityError, psycopg2.InternalError)
_COPY_COLUMN = re.compile(r"COPY \w+, line \d+, column (\w+)")


@contextmanager
def refused_by_database(file_name: str) -> Iterator[None]:
    """Turn the database refusing a value of ``file_name`` into an InputFileError."""
    try:
        yield
    except REFUSALS as exc:
        diag = exc.diag
        primary = (diag.message_primary or str(exc).splitlines()[0] or "error").strip()
        log.info("database refused %s: %s (%s)", file_name, primary, diag.context)
        column = diag.column_name
        if column is None and diag.context:
            m = _COPY_COLUMN.search(diag.context)
            column = m.group(1) if m else None
        raise InputFileError(
            file_name, f"a value was refused by the database ({primary.splitlines()[0][:200]})", field=column
        ) from exc

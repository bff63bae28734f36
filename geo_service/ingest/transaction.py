"""One transaction per import: importers accept a Database (they open and commit their own
transaction) or an open connection (the caller, e.g. the bundle importer, owns the transaction)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from geo_service.db.pool import Database
from geo_service.db.repositories import extracts
from geo_service.ingest.files import display_name, sha256_of


@contextmanager
def import_transaction(target) -> Iterator:
    """Yield a connection: a new all-or-nothing transaction for a Database, or the given connection as is."""
    if isinstance(target, Database):
        with target.connection(statement_timeout_ms=0) as conn:
            yield conn
    else:
        yield target


def record_file(conn, kind: str, path: str | Path, extract_date: date | None = None) -> int:
    """Provenance: the ``extracts`` row for this file (same name and content → same row)."""
    return extracts.record_extract(conn, kind, display_name(path), sha256_of(path), extract_date)

"""One connection pool per process.

``Database.connection()`` lends a connection inside a transaction: committed when the
block ends cleanly, rolled back on any exception, and always returned to the pool.
Each transaction gets ``statement_timeout`` so a runaway query cannot hold a worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import psycopg2.extras
import psycopg2.pool

from geo_service.errors import DatabaseUnavailable

log = logging.getLogger(__name__)


class Database:
    def __init__(self, url: str, minconn: int = 1, maxconn: int = 8, statement_timeout_ms: int = 15000) -> None:
        self.url = url
        self.minconn = minconn
        self.maxconn = maxconn
        self.statement_timeout_ms = statement_timeout_ms
        self._pool: psycopg2.pool.ThreadedConnectionPool | None = None
        self._lock = threading.Lock()

    def _get_pool(self) -> psycopg2.pool.ThreadedConnectionPool:
        # Created lazily so that building the app never needs the database to be up.
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    try:
                        self._pool = psycopg2.pool.ThreadedConnectionPool(
                            self.minconn,
                            self.maxconn,
                            self.url,
                            connect_timeout=5,
                            application_name="geo_service",
                            # The default timeout is a session setting: no extra round trip per request.
                            options=f"-c statement_timeout={int(self.statement_timeout_ms)}",
                        )
                    except psycopg2.OperationalError as exc:
                        log.warning("database unreachable: %s", exc)
                        raise DatabaseUnavailable("The database is unreachable.") from exc
        return self._pool

    @contextmanager
    def connection(self, statement_timeout_ms: int | None = None) -> Iterator[psycopg2.extensions.connection]:
        pool = self._get_pool()
        try:
            conn = pool.getconn()
        except psycopg2.OperationalError as exc:
            raise DatabaseUnavailable("The database is unreachable.") from exc
        broken = False
        try:
            if statement_timeout_ms is not None and statement_timeout_ms != self.statement_timeout_ms:
                with conn.cursor() as cur:  # this transaction only
                    cur.execute(
                        "SELECT set_config('statement_timeout', %(t)s, true)", {"t": str(int(statement_timeout_ms))}
                    )
            yield conn
            conn.commit()
        except psycopg2.OperationalError as exc:
            broken = True
            raise DatabaseUnavailable("The database connection failed.") from exc
        except BaseException:
            if not conn.closed:
                try:
                    conn.rollback()
                except psycopg2.Error:
                    broken = True
            raise
        finally:
            pool.putconn(conn, close=broken or bool(conn.closed))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.closeall()
            self._pool = None


def dict_cursor(conn):
    """Cursor returning rows as dicts (column name → value)."""
    return conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor)

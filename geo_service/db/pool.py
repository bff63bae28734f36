"""One connection pool per process, that survives database restarts and never hangs on a frozen database.

``Database.connection()`` lends a connection inside a transaction: committed when the block ends cleanly,
rolled back on any exception, and always returned to the pool. Each connection has ``statement_timeout``
so a runaway query cannot hold a worker.

What a restart, a crash or a frozen (SIGSTOP) server would otherwise do to a request, and the answer here:

* **Dead pooled connections** (the server restarted): an idle connection in the pool has nothing to read,
  so a readable socket (the server's "terminating connection" message, or EOF) means it is dead. Every
  checkout checks this with one non-blocking ``poll()`` (no round trip) and replaces a dead one.
* **Connecting to a frozen or unreachable server**: libpq's ``connect_timeout`` is whole seconds (at least
  2), so a new connection is opened in a helper thread and the request waits at most ``checkout_timeout_s``
  (the checkout deadline) before a :class:`DatabaseUnavailable` (503). The helper thread ends when libpq
  gives up and closes the late connection.
* **An exhausted pool** waits for a connection until the same deadline, then 503 (never psycopg2's
  ``PoolError``).
* **A query on a frozen server** (``statement_timeout`` is the server's own timer, so it cannot fire): a
  watchdog thread looks at connections lent for longer than ``liveness_after_s`` and asks the server's port
  whether it still answers (an 8-byte SSLRequest, answered by the postmaster's fresh child with one byte;
  nothing is logged). If two probes in a row go unanswered within ``probe_timeout_s`` each, the lent
  connections' sockets are shut down: the blocked call returns at once with ``OperationalError``, i.e. a 503.
* **TCP keepalives** both ways (libpq ``keepalives_*`` and ``tcp_user_timeout``; the server's
  ``tcp_keepalives_*``) so a vanished peer is noticed, and ``client_connection_check_interval`` (PostgreSQL
  14+) so the server ends a query whose client went away (a killed worker or importer) within a second
  instead of running it to the end.
"""

from __future__ import annotations

import logging
import os
import select
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg2
import psycopg2.extensions
import psycopg2.extras

from geo_service.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

# libpq settings of every connection (client side). connect_timeout is libpq's own bound on a connection
# attempt (the helper thread's lifetime); the request's bound is the checkout deadline.
CLIENT_SETTINGS = {
    "connect_timeout": 2,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 3,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
}
# Server-side session settings (PGC_USERSET, so any role may set them), in the startup packet.
SERVER_SETTINGS = {"tcp_keepalives_idle": 10, "tcp_keepalives_interval": 3, "tcp_keepalives_count": 3}
CLIENT_CHECK_INTERVAL_MS = 1000  # client_connection_check_interval (PostgreSQL 14+)
SSL_REQUEST = struct.pack("!ii", 8, 80877103)


@dataclass
class _Lease:
    conn: psycopg2.extensions.connection
    since: float
    killed: bool = False


@dataclass
class _Opening:
    """A connection being opened in a helper thread; ``abandoned`` when the request stopped waiting."""

    done: threading.Event = field(default_factory=threading.Event)
    conn: psycopg2.extensions.connection | None = None
    error: BaseException | None = None
    abandoned: bool = False


# The driver's errors that mean "the database connection failed or timed out" (the web layer maps them to 503).
CONNECTION_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError)


def unavailable(exc: BaseException) -> DatabaseUnavailable:
    """The service error for a connection failure or timeout raised by the driver."""
    if isinstance(exc, psycopg2.errors.QueryCanceled):
        return DatabaseUnavailable("The database took too long to answer.")
    return DatabaseUnavailable("The database connection failed.")


class Database:
    def __init__(
        self,
        url: str,
        maxconn: int = 8,
        statement_timeout_ms: int = 15000,
        *,
        checkout_timeout_s: float = 1.5,
        liveness_after_s: float = 0.3,
        probe_timeout_s: float = 0.5,
        watchdog: bool = False,
    ) -> None:
        self.url = url
        self.maxconn = max(1, maxconn)
        self.statement_timeout_ms = statement_timeout_ms
        self.checkout_timeout_s = checkout_timeout_s
        self.liveness_after_s = liveness_after_s
        self.probe_timeout_s = probe_timeout_s
        # Only the web app's pool cuts off lent connections of a frozen server: an import or a CLI command holds
        # a connection for minutes on purpose, and must not lose it because the machine is busy.
        self.watchdog = watchdog
        self._cond = threading.Condition()
        self._idle: list[psycopg2.extensions.connection] = []
        self._leased: dict[int, _Lease] = {}
        self._opening = 0
        self._waiting = 0  # requests waiting for a connection (issue 26: the pool metrics)
        self._server: tuple[str, int] | None = None  # (host or socket directory, port) once connected
        self._watchdog: threading.Thread | None = None

    # -- opening ---------------------------------------------------------------------------------------
    def _connect(self) -> psycopg2.extensions.connection:
        options = [f"-c statement_timeout={int(self.statement_timeout_ms)}"]
        options += [f"-c {name}={int(value)}" for name, value in SERVER_SETTINGS.items()]
        # No JIT: our statements are interactive (a page, a layer, an edit's checks); PostgreSQL's JIT compiles
        # the costly England ones for hundreds of milliseconds and wins nothing back (the suite: 5:30 -> 4:58).
        options.append("-c jit=off")
        conn = psycopg2.connect(self.url, application_name="geo_service", options=" ".join(options), **CLIENT_SETTINGS)
        try:
            if conn.server_version >= 140000:
                conn.autocommit = True
                with conn.cursor() as cur:
                    cur.execute(
                        "SELECT set_config('client_connection_check_interval', %(ms)s, false)",
                        {"ms": str(CLIENT_CHECK_INTERVAL_MS)},
                    )
                conn.autocommit = False
            self._server = (conn.info.host, int(conn.info.port))
        except BaseException:
            conn.close()
            raise
        return conn

    def _open_in_thread(self, deadline: float) -> psycopg2.extensions.connection:
        """Open a connection, waiting at most until ``deadline``; the slot is already counted in ``_opening``."""
        box = _Opening()

        def run() -> None:
            try:
                box.conn = self._connect()
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                box.error = exc
            with self._cond:
                self._opening -= 1
                late = box.abandoned
                if box.conn is not None and not late:
                    self._leased[id(box.conn)] = _Lease(box.conn, time.monotonic())
                self._cond.notify_all()
            if late and box.conn is not None:
                box.conn.close()
            box.done.set()

        threading.Thread(target=run, name="geo-db-connect", daemon=True).start()
        if not box.done.wait(max(0.0, deadline - time.monotonic())):
            with self._cond:
                if not box.done.is_set() and box.conn is None:
                    box.abandoned = True
            if box.abandoned:
                log.warning("database connection not established within the checkout deadline")
                raise DatabaseUnavailable("The database did not answer in time.")
            box.done.wait()
        if box.error is not None:
            if isinstance(box.error, psycopg2.OperationalError):
                log.warning("database unreachable: %s", str(box.error).strip().splitlines()[0:1])
                raise DatabaseUnavailable("The database is unreachable.") from box.error
            raise box.error
        return box.conn

    # -- lending ---------------------------------------------------------------------------------------
    @staticmethod
    def _usable(conn: psycopg2.extensions.connection) -> bool:
        """An idle pooled connection is usable when open, idle and with nothing to read (a dead one has EOF)."""
        if conn.closed or conn.info.transaction_status != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
            return False
        try:
            poller = select.poll()
            poller.register(conn.fileno(), select.POLLIN | select.POLLPRI)
            return not poller.poll(0)
        except (OSError, ValueError, psycopg2.Error):
            return False

    def _checkout(self) -> psycopg2.extensions.connection:
        deadline = time.monotonic() + self.checkout_timeout_s
        dead: list[psycopg2.extensions.connection] = []
        try:
            with self._cond:
                while True:
                    while self._idle:
                        conn = self._idle.pop()
                        if self._usable(conn):
                            self._lease(conn)
                            return conn
                        dead.append(conn)
                    if len(self._leased) + self._opening < self.maxconn:
                        self._opening += 1
                        self._ensure_watchdog()
                        break
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        log.warning("database pool exhausted (%d connections lent)", len(self._leased))
                        raise DatabaseUnavailable("The database is busy: try again shortly.")
                    self._waiting += 1
                    try:
                        self._cond.wait(remaining)
                    finally:
                        self._waiting -= 1
        finally:
            for conn in dead:
                log.info("replacing a dead pooled database connection")
                _close_quietly(conn)
        return self._open_in_thread(deadline)

    def usage(self) -> dict[str, int]:
        """Connections in use (lent or being opened), idle in the pool, requests waiting, and the bound."""
        with self._cond:
            return {
                "in_use": len(self._leased) + self._opening,
                "idle": len(self._idle),
                "waiting": self._waiting,
                "max": self.maxconn,
            }

    def _lease(self, conn) -> None:
        self._leased[id(conn)] = _Lease(conn, time.monotonic())
        self._ensure_watchdog()

    def _release(self, conn, broken: bool) -> None:
        keep = False
        with self._cond:
            lease = self._leased.pop(id(conn), None)
            if lease is not None and lease.killed:
                broken = True
            if not broken and not conn.closed and len(self._idle) < self.maxconn:
                keep = conn.info.transaction_status == psycopg2.extensions.TRANSACTION_STATUS_IDLE
                if keep:
                    self._idle.append(conn)
            self._cond.notify_all()
        if not keep:
            _close_quietly(conn)

    @contextmanager
    def connection(self, statement_timeout_ms: int | None = None) -> Iterator[psycopg2.extensions.connection]:
        conn = self._checkout()
        broken = False
        try:
            if statement_timeout_ms is not None and statement_timeout_ms != self.statement_timeout_ms:
                with conn.cursor() as cur:  # this transaction only
                    cur.execute(
                        "SELECT set_config('statement_timeout', %(t)s, true)", {"t": str(int(statement_timeout_ms))}
                    )
            yield conn
            conn.commit()
        except CONNECTION_ERRORS as exc:
            broken = bool(conn.closed) or not _rollback(conn)
            raise unavailable(exc) from exc
        except BaseException:
            broken = not _rollback(conn)
            raise
        finally:
            self._release(conn, broken)

    # -- liveness --------------------------------------------------------------------------------------
    def server_answers(self, timeout_s: float | None = None) -> bool:
        """Does the server's postmaster still answer a new connection (within ``timeout_s``)? True when unknown."""
        server = self._server
        if server is None or not server[0]:
            return True
        host, port = server
        timeout = self.probe_timeout_s if timeout_s is None else timeout_s
        try:
            if host.startswith("/"):
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(timeout)
                sock.connect(os.path.join(host, f".s.PGSQL.{port}"))
            else:
                sock = socket.create_connection((host, port), timeout=timeout)
            with sock:
                sock.settimeout(timeout)
                sock.sendall(SSL_REQUEST)
                return sock.recv(1) in (b"S", b"N")
        except OSError as exc:
            log.info("the database's port did not answer the probe: %r", exc)
            return False

    def _ensure_watchdog(self) -> None:
        """Start the watchdog thread if it is not running (called with the lock held)."""
        if not self.watchdog:
            return
        if self._watchdog is None or not self._watchdog.is_alive():
            self._watchdog = threading.Thread(target=self._watch, name="geo-db-watchdog", daemon=True)
            self._watchdog.start()

    def _watch(self) -> None:
        tick = 0.1
        last_ok = 0.0
        quiet_since = time.monotonic()
        while True:
            time.sleep(tick)
            now = time.monotonic()
            with self._cond:
                if not self._leased and not self._opening:
                    if now - quiet_since > 5:
                        self._watchdog = None
                        return
                    continue
                quiet_since = now
                old = [lease for lease in self._leased.values() if now - lease.since > self.liveness_after_s]
            if not old or now - last_ok < 0.5:
                continue
            # Two probes in a row must go unanswered: one slow answer on a saturated machine is not a freeze.
            if self.server_answers() or self.server_answers():
                last_ok = time.monotonic()
                continue
            with self._cond:
                for lease in old:
                    if self._leased.get(id(lease.conn)) is lease and not lease.killed:
                        lease.killed = True
                        _shutdown_socket(lease.conn)
            log.warning("the database does not answer: %d lent connection(s) cut off", len(old))

    def close(self) -> None:
        """Close the idle connections (lent ones are closed when returned); the pool stays usable."""
        with self._cond:
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for conn in idle:
            _close_quietly(conn)

    def stats(self) -> dict[str, int]:
        with self._cond:
            return {"idle": len(self._idle), "lent": len(self._leased), "opening": self._opening}


def _rollback(conn) -> bool:
    """Roll back; False when the connection is unusable."""
    if conn.closed:
        return False
    try:
        conn.rollback()
        return True
    except psycopg2.Error:
        return False


def _close_quietly(conn) -> None:
    try:
        conn.close()
    except psycopg2.Error:
        pass


def _shutdown_socket(conn) -> None:
    """Wake a call blocked on this connection's socket: it returns with ``OperationalError`` at once."""
    try:
        sock = socket.socket(fileno=os.dup(conn.fileno()))
    except (OSError, psycopg2.Error):
        return
    with sock:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def dict_cursor(conn):
    """Cursor returning rows as dicts (column name → value)."""
    return conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor)

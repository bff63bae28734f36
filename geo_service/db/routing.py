"""Reads from streaming replicas, writes to the primary (issue 26).

``GEO_READ_DATABASE_URL`` names one or more hot standbys (comma-separated). A read-only request asks
:meth:`ReadRouter.open_read` for a connection: the replicas are tried in turn (round robin), and the primary
answers when none can:

* **Read your writes.** After a write the web layer gives the writer the primary's WAL position (an LSN, in a
  short-lived cookie). A replica serves that writer only once it has replayed up to it
  (``pg_last_wal_replay_lsn() >= lsn``); until then the primary does. This is how GitLab's database load
  balancer keeps a writer's next page consistent without pinning every reader to the primary.
* **A lagging replica says so.** A replica that has received WAL it has not replayed yet (replay paused or slow),
  or that is behind the primary's position as last seen (sampled at most once a second), is *behind*: the
  request records it and the page says which data version it shows.
* **An outage falls back.** A replica that cannot be reached is left out for ``down_for_s`` seconds and the
  request goes to the next one, or to the primary. A replica lost in the middle of a request gives that request
  a 503 like any lost connection; the next one goes elsewhere.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime

from geo_service.db.pool import CONNECTION_ERRORS, Database
from geo_service.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

LSN = re.compile(r"^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$")


def lsn_value(text: str | None) -> int | None:
    """A WAL position ``X/Y`` as a number (None for anything else)."""
    if not text or not LSN.match(text):
        return None
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


@dataclass(frozen=True)
class Served:
    """Which database answered a request's reads, and, for a replica, how far it has got."""

    source: str  # "primary" or "replica"
    replica: int | None = None  # index in GEO_READ_DATABASE_URL
    behind: bool = False
    replayed_at: datetime | None = None  # commit time of the last transaction the replica replayed
    replay_lsn: str | None = None


# One round trip: is it a standby, where replay and receipt are, and has it replayed the writer's position.
_STATE_SQL = """SELECT pg_is_in_recovery(),
                       pg_last_wal_replay_lsn()::text,
                       pg_last_wal_receive_lsn()::text,
                       pg_last_xact_replay_timestamp(),
                       %(lsn)s::pg_lsn IS NULL OR NOT pg_is_in_recovery()
                           OR pg_last_wal_replay_lsn() >= %(lsn)s::pg_lsn"""


class ReadRouter:
    def __init__(
        self,
        primary: Database,
        replica_urls: tuple[str, ...],
        *,
        maxconn: int = 8,
        statement_timeout_ms: int = 15000,
        down_for_s: float = 5.0,
        primary_lsn_every_s: float = 1.0,
    ) -> None:
        self.primary = primary
        self.replicas = [
            Database(
                url, maxconn=maxconn, statement_timeout_ms=statement_timeout_ms, checkout_timeout_s=1.0, watchdog=True
            )
            for url in replica_urls
        ]
        self.down_for_s = down_for_s
        self.primary_lsn_every_s = primary_lsn_every_s
        self._lock = threading.Lock()
        self._next = 0
        self._down_until: dict[int, float] = {}
        self._primary_lsn: tuple[float, int | None] = (0.0, None)

    # -- which replica -----------------------------------------------------------------------------------
    def _order(self) -> list[int]:
        """Replicas not known to be down, starting with the next in turn."""
        now = time.monotonic()
        with self._lock:
            start = self._next
            self._next = (self._next + 1) % max(1, len(self.replicas))
            down = {i for i, until in self._down_until.items() if until > now}
        n = len(self.replicas)
        return [i for i in ((start + k) % n for k in range(n)) if i not in down]

    def _mark_down(self, index: int, why: object) -> None:
        with self._lock:
            self._down_until[index] = time.monotonic() + self.down_for_s
        log.warning("read replica %d unavailable, reads go elsewhere for %.0f s: %s", index, self.down_for_s, why)

    def replicas_down(self) -> list[int]:
        now = time.monotonic()
        with self._lock:
            return sorted(i for i, until in self._down_until.items() if until > now)

    # -- the primary's position ------------------------------------------------------------------------
    def primary_lsn(self, fresh: bool = False) -> str | None:
        """The primary's current WAL position (``X/Y``); None when it cannot be asked."""
        try:
            with self.primary.connection() as conn, conn.cursor() as cur:
                cur.execute("SELECT pg_current_wal_lsn()::text")
                text = cur.fetchone()[0]
        except DatabaseUnavailable:
            return None
        with self._lock:
            self._primary_lsn = (time.monotonic(), lsn_value(text))
        return text

    def _primary_seen(self) -> int | None:
        """The primary's position, asked at most once per ``primary_lsn_every_s``."""
        with self._lock:
            at, value = self._primary_lsn
        if time.monotonic() - at >= self.primary_lsn_every_s:
            self.primary_lsn()
            with self._lock:
                value = self._primary_lsn[1]
        return value

    # -- lending ---------------------------------------------------------------------------------------
    def open_read(self, min_lsn: str | None = None) -> tuple[AbstractContextManager, object, Served]:
        """An entered connection context for a read-only request: (context, connection, what served it).
        ``min_lsn``: the writer's last write position; a replica that has not replayed it is passed over."""
        wanted = min_lsn if lsn_value(min_lsn) is not None else None
        for index in self._order():
            cm = self.replicas[index].connection()
            try:
                conn = cm.__enter__()
            except DatabaseUnavailable as exc:
                self._mark_down(index, exc)
                continue
            try:
                with conn.cursor() as cur:
                    cur.execute(_STATE_SQL, {"lsn": wanted})
                    in_recovery, replay, receive, replayed_at, caught_up = cur.fetchone()
            except CONNECTION_ERRORS as exc:
                _leave(cm, exc)
                self._mark_down(index, exc)
                continue
            if not caught_up:  # the writer's change is not there yet: the next replica, or the primary
                _leave(cm, None)
                continue
            behind = False
            if in_recovery:
                replayed = lsn_value(replay) or 0
                primary = self._primary_seen()
                behind = (lsn_value(receive) or 0) > replayed or (primary is not None and primary > replayed)
            # "replica" only for a standby (pg_is_in_recovery() on the connection that answers)
            source = "replica" if in_recovery else "replica-not-in-recovery"
            return cm, conn, Served(source, index, behind, replayed_at, replay)
        cm = self.primary.connection()
        return cm, cm.__enter__(), Served("primary")

    def close(self) -> None:
        for db in self.replicas:
            db.close()


def _leave(cm: AbstractContextManager, exc: BaseException | None) -> None:
    """Give a connection back; a failure while doing so is the replica's, already being handled."""
    try:
        if exc is None:
            cm.__exit__(None, None, None)
        else:
            cm.__exit__(type(exc), exc, exc.__traceback__)
    except (DatabaseUnavailable, *CONNECTION_ERRORS):
        pass

"""The kept scenario state during an import: deferred while the import's statements run, refreshed once at its end.

The statement triggers that keep each scenario's state (scope_state_on_*: practice state, members, network facts,
member locations) refresh it after every statement. An import writes the same tables in many statements (a bundle:
register, ePCN, list sizes, postcodes, polygons, payments…), and each would rebuild the state of every scenario of
the dataset. Inside a deferring transaction the triggers only note which scenarios are stale (kept_state_defer) and
``flush`` refreshes each of them once (kept_state_flush). Settings are transaction-local: a rollback forgets them.
"""

from __future__ import annotations


def deferred(conn) -> bool:
    """True when this transaction already defers the kept state (an outer import flushes it)."""
    with conn.cursor() as cur:
        cur.execute("SELECT kept_state_deferred()")
        return bool(cur.fetchone()[0])


def defer(conn) -> None:
    """From now until ``flush`` (or the end of the transaction), the triggers note stale scenarios instead."""
    with conn.cursor() as cur:
        cur.execute("SELECT set_config('geo_service.kept_state_deferred', 'on', true)")


def flush(conn) -> None:
    """Stop deferring and refresh, once, the kept state of every scenario noted stale."""
    with conn.cursor() as cur:
        cur.execute("SELECT kept_state_flush()")

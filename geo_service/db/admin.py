"""Cluster-level statements (create/drop database) that cannot run inside a transaction."""

from __future__ import annotations

import psycopg2
from psycopg2 import sql


def _autocommit(url: str):
    conn = psycopg2.connect(url, connect_timeout=10)
    conn.autocommit = True
    return conn


def create_database_if_missing(maintenance_url: str, name: str, template: str | None = None) -> bool:
    conn = _autocommit(maintenance_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %(name)s", {"name": name})
            if cur.fetchone():
                return False
            stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if template:
                stmt = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
            cur.execute(stmt)
            return True
    finally:
        conn.close()


def drop_database(maintenance_url: str, name: str) -> None:
    """Drop ``name`` if it exists, ending its sessions. New connections are refused first and the sessions ended
    (waiting up to 5 s for each) before the DROP. ``DROP DATABASE … WITH (FORCE)`` alone ends them itself, under
    the database's lock: a client that reconnects at once (a connection pool) then waited in its start-up for
    that lock, where PostgreSQL 15 cannot answer the DROP's ProcSignalBarrier, and the DROP (and every other
    CREATE or DROP DATABASE of the cluster) hung until the client's authentication timed out, 60 s later. Refused
    now, such a client fails at once with "database … is not currently accepting connections"."""
    ident = sql.Identifier(name)
    conn = _autocommit(maintenance_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %(name)s", {"name": name})
            if cur.fetchone():
                try:
                    cur.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(ident))
                except psycopg2.errors.InvalidCatalogName:  # dropped meanwhile
                    return
                _terminate(cur, name, idle_only=False, wait_ms=5000)
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
    finally:
        conn.close()


def end_sessions(maintenance_url: str, database: str, idle_only: bool = True) -> None:
    """End the sessions on ``database`` (only the idle ones by default), without waiting for them to go."""
    conn = _autocommit(maintenance_url)
    try:
        with conn.cursor() as cur:
            _terminate(cur, database, idle_only=idle_only, wait_ms=0)
    finally:
        conn.close()


def _terminate(cur, database: str, idle_only: bool, wait_ms: int) -> None:
    """pg_terminate_backend for the other sessions on ``database``; with ``wait_ms`` > 0 each is waited for."""
    cur.execute(
        "SELECT pg_terminate_backend(pid, %(wait_ms)s) FROM pg_stat_activity WHERE datname = %(db)s"
        " AND pid <> pg_backend_pid() AND (state = 'idle' OR NOT %(idle_only)s)",
        {"db": database, "idle_only": idle_only, "wait_ms": wait_ms},
    )


def with_database(url: str, name: str) -> str:
    """The same connection URL pointing at another database on the same server."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))

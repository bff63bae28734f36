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
    conn = _autocommit(maintenance_url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        conn.close()


def with_database(url: str, name: str) -> str:
    """The same connection URL pointing at another database on the same server."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))

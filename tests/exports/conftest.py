"""Fixtures for export tests: the read-only demo database, the demo dataset, and a handle on the database holding
the demo and the real England bundles (``mixed_db_url``, tests/fixtures_real.py), so that tests can show that a
scenario's export reads only its own dataset and its own extracts."""

from __future__ import annotations

import pytest

from geo_service.db.pool import Database
from geo_service.demo.generator import generate


@pytest.fixture(scope="session")
def demo_db(demo_db_url):
    db = Database(demo_db_url, statement_timeout_ms=0)
    yield db
    db.close()


@pytest.fixture
def demo_conn(demo_db):
    with demo_db.connection() as conn:
        yield conn
        conn.rollback()


@pytest.fixture(scope="session")
def demo_data():
    return generate()


@pytest.fixture(scope="session")
def mixed_db(mixed_db_url):
    db = Database(mixed_db_url, statement_timeout_ms=0)
    yield db
    db.close()

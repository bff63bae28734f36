"""Fixtures for export tests: a connection to the read-only demo database and the demo dataset."""

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

"""Fixtures for export tests: the read-only demo database, the demo dataset, and one database holding the
demo and both real England bundles (2019/20 and 2021/22), so that tests can show that a scenario's export
reads only its own dataset and its own extracts."""

from __future__ import annotations

import os

import pytest

from geo_service.config import PROJECT_ROOT
from geo_service.db.pool import Database
from geo_service.demo.generator import generate

MANIFESTS = PROJECT_ROOT / "data" / "manifests"
BUNDLES = ("england_2019-20.toml", "england_2021-22.toml")


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
def mixed_db_url(maintenance_url, template_db, real_data):
    """Demo + England 2019/20 + England 2021/22 in one database (read-only for the tests that use it)."""
    from geo_service.db.admin import drop_database
    from geo_service.demo.load import load_demo
    from geo_service.ingest.bundle import import_bundle
    from tests.conftest import clone_database

    for manifest in BUNDLES:
        if not (MANIFESTS / manifest).is_file():
            pytest.skip(f"bundle manifest {MANIFESTS / manifest} is missing")
    url = clone_database(maintenance_url, template_db, f"exports_mixed_{os.getpid()}")
    db = Database(url, statement_timeout_ms=0)
    try:
        load_demo(db)
        for manifest in BUNDLES:
            import_bundle(db, MANIFESTS / manifest, root=real_data)
    except BaseException:
        db.close()
        drop_database(maintenance_url, url.rsplit("/", 1)[1])
        raise
    db.close()
    yield url
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


@pytest.fixture(scope="session")
def mixed_db(mixed_db_url):
    db = Database(mixed_db_url, statement_timeout_ms=0)
    yield db
    db.close()

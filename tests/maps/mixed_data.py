"""One database holding the synthetic demo AND two real England bundles (2019/20, 2021/22): the maps must keep
each scenario to its own dataset, dates and extracts (import the fixture ``mixed_db_url`` where needed).

Built once per test process (the maps and browser folders share it), from a clone of the migrated
template; read-only for the tests that use it; dropped at the end of the session.
"""

from __future__ import annotations

import threading

import pytest

from geo_service.config import PROJECT_ROOT

MANIFESTS = PROJECT_ROOT / "data" / "manifests"
BUNDLES = ("england_2019-20.toml", "england_2021-22.toml")
SUFFIX = "maps_mixed"  # database name suffix, unique to the maps tests

REAL_2019, REAL_2022 = "epcn-december-2019", "epcn-april-2022"
DEMO, DEMO_PROPOSAL = "demo-as-registered", "demo-commissioner-proposal"

_lock = threading.Lock()
_built: dict[str, object] = {"url": None, "users": 0}


def _build(maintenance_url: str, template_db: str, real_data) -> str:
    from geo_service.db.admin import drop_database
    from geo_service.db.pool import Database
    from geo_service.demo.load import load_demo
    from geo_service.ingest.bundle import import_bundle
    from tests.conftest import clone_database

    url = clone_database(maintenance_url, template_db, SUFFIX)
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
    return url


@pytest.fixture(scope="session")
def mixed_db_url(maintenance_url, template_db, real_data):
    """Demo + England 2019/20 + England 2021/22 in one database (skips when the real data is missing)."""
    from geo_service.db.admin import drop_database

    missing = [m for m in BUNDLES if not (MANIFESTS / m).is_file()]
    if missing:
        pytest.skip(f"bundle manifest(s) missing: {', '.join(missing)}")
    with _lock:
        if _built["url"] is None:
            _built["url"] = _build(maintenance_url, template_db, real_data)
        _built["users"] += 1
        url = _built["url"]
    yield url
    with _lock:
        _built["users"] -= 1
        if _built["users"] == 0:
            drop_database(maintenance_url, str(url).rsplit("/", 1)[1])
            _built["url"] = None

"""Fixtures that load the real England data from ../shared/data/real (owned by the import work, issue 3).

Each clones the migrated template database and runs the shipped bundle manifest into it once per
test session. Tests that use them must not write (they share the database); they are dropped at the end.
"""

from __future__ import annotations

import pytest

from geo_service.config import PROJECT_ROOT

MANIFESTS = PROJECT_ROOT / "data" / "manifests"


def _bundle_db(maintenance_url, template_db, real_data, suffix: str, manifest: str):
    """A database holding one bundle."""
    return _many_bundles_db(maintenance_url, template_db, real_data, suffix, [manifest])


@pytest.fixture(scope="session")
def england_2019_db_url(maintenance_url, template_db, real_data):
    """England 2019/20: CCG April 2019 (191), epraccur Dec 2019, ePCN Dec 2019 ("ePCN December 2019"),
    list sizes Jan 2021, postcode centroids, derived PCN polygons."""
    from geo_service.db.admin import drop_database

    url = _bundle_db(maintenance_url, template_db, real_data, "england_2019", "england_2019-20.toml")
    yield url
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


@pytest.fixture(scope="session")
def england_2022_db_url(maintenance_url, template_db, real_data):
    """England 2021/22: CCG April 2021 (106), Sub-ICB and ICB July 2022, epraccur Mar 2022, ePCN Apr 2022
    ("ePCN April 2022"), list sizes Apr 2022, postcode centroids, derived PCN polygons."""
    from geo_service.db.admin import drop_database

    url = _bundle_db(maintenance_url, template_db, real_data, "england_2022", "england_2021-22.toml")
    yield url
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


def _many_bundles_db(maintenance_url, template_db, real_data, suffix: str, steps: list[str]):
    """A database holding several bundles (and the demo, as the step "demo"), loaded in the given order."""
    from geo_service.db.admin import drop_database
    from geo_service.db.pool import Database
    from geo_service.demo.load import load_demo
    from geo_service.ingest.bundle import import_bundle
    from tests.conftest import clone_database

    url = clone_database(maintenance_url, template_db, suffix)
    db = Database(url, statement_timeout_ms=0)
    try:
        for step in steps:
            if step == "demo":
                load_demo(db)
            else:
                import_bundle(db, MANIFESTS / step, root=real_data)
    except BaseException:
        db.close()
        drop_database(maintenance_url, url.rsplit("/", 1)[1])
        raise
    db.close()
    return url


ALL_BUNDLES = ["england_2019-20.toml", "england_2020-21.toml", "england_2021-22.toml"]


@pytest.fixture(scope="session")
def england_2020_db_url(maintenance_url, template_db, real_data):
    """England 2020/21 alone: CCG April 2020 (135), the QOF 2020/21 mapping ("QOF PCN mapping 2020/21")."""
    from geo_service.db.admin import drop_database

    url = _bundle_db(maintenance_url, template_db, real_data, "england_2020", "england_2020-21.toml")
    yield url
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


@pytest.fixture(scope="session")
def all_bundles_db_url(maintenance_url, template_db, real_data):
    """What a user really has: the demo, then the 2019/20, 2020/21 and 2021/22 bundles (old → new)."""
    from geo_service.db.admin import drop_database

    url = _many_bundles_db(maintenance_url, template_db, real_data, "all_old_new", ["demo", *ALL_BUNDLES])
    yield url
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


@pytest.fixture(scope="session")
def all_bundles_reversed_db_url(maintenance_url, template_db, real_data):
    """The same bundles imported new → old, the demo last."""
    from geo_service.db.admin import drop_database

    url = _many_bundles_db(maintenance_url, template_db, real_data, "all_new_old", [*reversed(ALL_BUNDLES), "demo"])
    yield url
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


@pytest.fixture(scope="session")
def mixed_db_url(all_bundles_db_url):
    """The demo and every real bundle in one database, read-only (maps, exports and pages share it)."""
    return all_bundles_db_url

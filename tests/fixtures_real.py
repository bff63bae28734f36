"""Fixtures that load the real England data from ../shared/data/real (owned by the import work, issue 3).

Each database is built once as a template from the migrated one by running the shipped bundle manifests into it
(tests/db_templates.py: kept between runs, rebuilt when the importers, manifests or data files change). Tests get a
copy that is read-only in the database itself, shared by every test, worker and run. A test that writes takes its
own clone: ``clone_database(maintenance_url, <one of these URLs' names>, suffix)`` copies the template behind it.
"""

from __future__ import annotations

import pytest

from geo_service.config import PROJECT_ROOT
from tests import db_templates

MANIFESTS = PROJECT_ROOT / "data" / "manifests"
ALL_BUNDLES = ["england_2019-20.toml", "england_2020-21.toml", "england_2021-22.toml"]


def _load(url: str, steps: list[str], real_data) -> None:
    """Load several bundles (and the demo, as the step "demo") in the given order."""
    from geo_service.db.pool import Database
    from geo_service.demo.load import load_demo
    from geo_service.ingest.bundle import import_bundle

    db = Database(url, statement_timeout_ms=0)
    try:
        for step in steps:
            if step == "demo":
                load_demo(db)
            else:
                import_bundle(db, MANIFESTS / step, root=real_data)
    finally:
        db.close()


def real_template(
    templates, template_db, real_data, kind: str, steps: list[str], base: tuple[str, int] | None = None
) -> str:
    """The template ``kind`` holding ``steps``, built if missing or stale. ``base`` = (template, n): a template
    that already holds the first ``n`` steps (built the same way from the migrated one), cloned and given the
    rest instead of importing them again. Every step is its own transaction run on the state the steps before it
    left, so the clone plus the rest is the database the whole list makes."""
    key = db_templates.bundles_key(steps, real_data)
    source, done = base if base else (template_db, 0)
    return templates.template(kind, key, lambda url: _load(url, steps[done:], real_data), source=source)


def _shared(templates, template_db, real_data, kind: str, steps: list[str], base=None) -> str:
    return templates.shared_readonly(kind, real_template(templates, template_db, real_data, kind, steps, base))


@pytest.fixture(scope="session")
def england_2019_db_url(templates, template_db, real_data):
    """England 2019/20: CCG April 2019 (191), epraccur Dec 2019, ePCN Dec 2019 ("ePCN December 2019"),
    list sizes Jan 2021, postcode centroids, derived PCN polygons."""
    return _shared(templates, template_db, real_data, "england_2019", ["england_2019-20.toml"])


@pytest.fixture(scope="session")
def england_2022_db_url(templates, template_db, real_data):
    """England 2021/22: CCG April 2021 (106), Sub-ICB and ICB July 2022, epraccur Mar 2022, ePCN Apr 2022
    ("ePCN April 2022"), list sizes Apr 2022, postcode centroids, derived PCN polygons."""
    return _shared(templates, template_db, real_data, "england_2022", ["england_2021-22.toml"])


@pytest.fixture(scope="session")
def england_2020_db_url(templates, template_db, real_data):
    """England 2020/21 alone: CCG April 2020 (135), the QOF 2020/21 mapping ("QOF PCN mapping 2020/21")."""
    return _shared(templates, template_db, real_data, "england_2020", ["england_2020-21.toml"])


@pytest.fixture(scope="session")
def all_bundles_db_url(templates, template_db, demo_template, real_data):
    """What a user really has: the demo, then the 2019/20, 2020/21 and 2021/22 bundles (old → new)."""
    steps = ["demo", *ALL_BUNDLES]
    return _shared(templates, template_db, real_data, "all_old_new", steps, base=(demo_template, 1))


@pytest.fixture(scope="session")
def all_bundles_reversed_db_url(templates, template_db, real_data):
    """The same bundles imported new → old, the demo last."""
    england_2022 = real_template(templates, template_db, real_data, "england_2022", ["england_2021-22.toml"])
    steps = [*reversed(ALL_BUNDLES), "demo"]
    return _shared(templates, template_db, real_data, "all_new_old", steps, base=(england_2022, 1))


@pytest.fixture(scope="session")
def mixed_db_url(all_bundles_db_url):
    """The demo and every real bundle in one database, read-only (maps, exports and pages share it)."""
    return all_bundles_db_url


@pytest.fixture
def england_2019_writable_db_url(maintenance_url, england_2019_db_url):
    """A clone of England 2019/20 of the test's own, for tests that write (even in a transaction rolled back)."""
    from geo_service.db.admin import drop_database
    from tests.conftest import clone_database

    url = clone_database(maintenance_url, england_2019_db_url.rsplit("/", 1)[1], "england_2019_w")
    yield url
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


@pytest.fixture
def england_2022_writable_db_url(maintenance_url, england_2022_db_url):
    """A clone of England 2021/22 of the test's own, for tests that write (even in a transaction rolled back)."""
    from geo_service.db.admin import drop_database
    from tests.conftest import clone_database

    url = clone_database(maintenance_url, england_2022_db_url.rsplit("/", 1)[1], "england_2022_w")
    yield url
    drop_database(maintenance_url, url.rsplit("/", 1)[1])

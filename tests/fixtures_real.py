"""Fixtures that load the real England data from ../shared/data/real (owned by the import work, issue 3).

Each database is built once as a template from the migrated one by running the shipped bundle manifests into it
(tests/db_templates.py: kept between runs, rebuilt when the importers, manifests or data files change). Tests get a
copy that is read-only in the database itself, shared by every test, worker and run. A test that writes takes its
own clone: ``clone_database(maintenance_url, <one of these URLs' names>, suffix)`` copies the template behind it.

A first run builds five of them (nine imports). Each xdist worker starts a background process for its share of
those the run's tests read (``real_templates_in_background``), so both CPUs build at once from the start of the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from geo_service.config import PROJECT_ROOT
from tests import db_templates

MANIFESTS = PROJECT_ROOT / "data" / "manifests"
ALL_BUNDLES = ["england_2019-20.toml", "england_2020-21.toml", "england_2021-22.toml"]
REAL_DATA = PROJECT_ROOT.parent / "shared" / "data" / "real"


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


# the bundles (and the demo, as the step "demo") each real-data template holds, in the order they are imported
STEPS = {
    "england_2019": ["england_2019-20.toml"],
    "england_2020": ["england_2020-21.toml"],
    "england_2022": ["england_2021-22.toml"],
    "all_old_new": ["demo", *ALL_BUNDLES],
    "all_new_old": [*reversed(ALL_BUNDLES), "demo"],
}


def _alone(kind: str):
    def build(templates, template_db, demo_template, real_data) -> str:
        return real_template(templates, template_db, real_data, kind, STEPS[kind])

    return build


def _all_old_new(templates, template_db, demo_template, real_data) -> str:
    return real_template(templates, template_db, real_data, "all_old_new", STEPS["all_old_new"], (demo_template, 1))


def _all_new_old(templates, template_db, demo_template, real_data) -> str:
    england_2022 = _alone("england_2022")(templates, template_db, demo_template, real_data)
    return real_template(templates, template_db, real_data, "all_new_old", STEPS["all_new_old"], (england_2022, 1))


# kind → its builder (the template's name, built if missing), and the imports it costs when none is kept
BUILDS = {
    "england_2019": (_alone("england_2019"), 1),
    "england_2020": (_alone("england_2020"), 1),
    "england_2022": (_alone("england_2022"), 1),
    "all_old_new": (_all_old_new, 3),
    "all_new_old": (_all_new_old, 4),  # England 2021/22 first (kept as its own template), then three more
}
# the fixtures that read each kind (``mixed_db_url`` through ``all_bundles_db_url``)
FIXTURE_KIND = {
    "england_2019_db_url": "england_2019",
    "england_2020_db_url": "england_2020",
    "england_2022_db_url": "england_2022",
    "all_bundles_db_url": "all_old_new",
    "all_bundles_reversed_db_url": "all_new_old",
}


def _shared(request, kind: str) -> str:
    # Each fixture names ``real_data`` as a parameter (not only through getfixturevalue), so a test reading it
    # carries ``real_data`` in its fixture names: the conftest's marker (and the quick tier) rely on it.
    templates = request.getfixturevalue("templates")
    args = [request.getfixturevalue(f) for f in ("templates", "template_db", "demo_template", "real_data")]
    return templates.shared_readonly(kind, BUILDS[kind][0](*args))


# ---- building the templates a run needs in the background ----------------------------------------------------


def shares(kinds: set[str], workers: int) -> list[list[str]]:
    """The kinds to build split between ``workers`` builders, the costliest first, each to the least loaded one
    (England 2021/22 goes with the new → old template, whose first step it is)."""
    if "all_new_old" in kinds:
        kinds = kinds - {"england_2022"}
    out: list[list[str]] = [[] for _ in range(workers)]
    load = [0] * workers
    for kind in sorted(kinds, key=lambda k: (-BUILDS[k][1], k)):
        i = load.index(min(load))
        out[i].append(kind)
        load[i] += BUILDS[kind][1]
    return out


@pytest.fixture(scope="session", autouse=True)
def real_templates_in_background(request):
    """At the start of a run that has real-data tests, each worker starts one process that builds its share of the
    real-data templates those tests read (none when all are kept). Tests that need a template meanwhile wait for
    it on its lock, or build it themselves if no builder has started it, so the two workers build different
    templates at once while other tests run, instead of one waiting for the other's build. The process is
    stopped at the end of the run (a half-built template is a scratch database, dropped by the next build)."""
    kinds = {FIXTURE_KIND[f] for item in request.session.items for f in item.fixturenames if f in FIXTURE_KIND}
    if not kinds or not REAL_DATA.is_dir():
        yield
        return
    templates = request.getfixturevalue("templates")
    template_db = request.getfixturevalue("template_db")
    demo_template = request.getfixturevalue("demo_template")
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    index = int(db_templates.worker_id()[2:]) if db_templates.worker_id().startswith("gw") else 0
    mine = shares({k for k in kinds if not _kept(templates, k)}, workers)[index % workers]
    process = None
    if mine:
        job = {
            "maintenance_url": templates.maintenance_url,
            "prefix": templates.prefix,
            "template_db": template_db,
            "demo_template": demo_template,
            "real_data": str(REAL_DATA),
            "kinds": mine,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.fixtures_real"], stdin=subprocess.PIPE, cwd=PROJECT_ROOT, text=True
        )
        process.stdin.write(json.dumps(job))
        process.stdin.close()
    yield
    if process is not None and process.poll() is None:
        process.terminate()
        process.wait(timeout=60)


def _kept(templates, kind: str) -> bool:
    """Whether the template ``kind`` is already built at its current key."""
    name = f"{templates.prefix}_t_{kind}_{db_templates.bundles_key(STEPS[kind], REAL_DATA)}"
    return templates.exists(name)


@pytest.fixture(scope="session")
def england_2019_db_url(request, real_data):
    """England 2019/20: CCG April 2019 (191), epraccur Dec 2019, ePCN Dec 2019 ("ePCN December 2019"),
    list sizes Jan 2021, postcode centroids, derived PCN polygons."""
    return _shared(request, "england_2019")


@pytest.fixture(scope="session")
def england_2022_db_url(request, real_data):
    """England 2021/22: CCG April 2021 (106), Sub-ICB and ICB July 2022, epraccur Mar 2022, ePCN Apr 2022
    ("ePCN April 2022"), list sizes Apr 2022, postcode centroids, derived PCN polygons."""
    return _shared(request, "england_2022")


@pytest.fixture(scope="session")
def england_2020_db_url(request, real_data):
    """England 2020/21 alone: CCG April 2020 (135), the QOF 2020/21 mapping ("QOF PCN mapping 2020/21")."""
    return _shared(request, "england_2020")


@pytest.fixture(scope="session")
def all_bundles_db_url(request, real_data):
    """What a user really has: the demo, then the 2019/20, 2020/21 and 2021/22 bundles (old → new)."""
    return _shared(request, "all_old_new")


@pytest.fixture(scope="session")
def all_bundles_reversed_db_url(request, real_data):
    """The same bundles imported new → old, the demo last."""
    return _shared(request, "all_new_old")


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


if __name__ == "__main__":  # the background builder started by ``real_templates_in_background``: a job on stdin
    job = json.load(sys.stdin)
    templates = db_templates.Templates(job["maintenance_url"], job["prefix"])
    for kind in job["kinds"]:
        BUILDS[kind][0](templates, job["template_db"], job["demo_template"], Path(job["real_data"]))

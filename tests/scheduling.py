"""Run order: the costliest test modules first, from what each module took in earlier runs.

pytest-xdist's ``worksteal`` gives each worker a contiguous share of the collected items and lets an idle worker
take the back half of another's queue. In collection (alphabetical) order a 20-second test at the end of the list
left the other CPU idle while it ran. Here each run records the seconds every module took (setup, call and
teardown of its tests, in pytest's cache under :data:`KEY`), and the next run puts the folders in descending order
of their modules' seconds (and the modules of a folder in descending order of their own), so the long tests start
first and the queues end with short ones. A folder's modules stay together: ordered by module alone, the Chromium
tests were spread over both workers, each starting its own browser and warming its own England servers. A module
keeps its tests in their own order and together (module-scoped fixtures are made once), and a module the cache has
never seen counts as the costliest. Without a cache (a fresh clone, or ``-p no:cacheprovider``) the order is
pytest's own.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

KEY = "geo_service/module_seconds"


def module_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def folder_of(module: str) -> str:
    """``tests/browser/test_x.py`` → ``tests/browser``; a module at the top of tests/ is a group of its own."""
    parts = module.split("/")
    return "/".join(parts[:2]) if len(parts) > 2 else module


def ordered(items: list, seconds: dict[str, float]) -> list:
    """``items`` with their folders in descending order of their modules' summed ``seconds``, and within a folder
    the modules in descending order of their own; unknown modules count as the costliest. A folder's modules stay
    together (its tests share session fixtures, such as one Chromium and warm live servers, best on one worker)
    and each module's items keep their collected order; ties keep the collected order."""
    first_seen: dict[str, int] = {}
    for i, item in enumerate(items):
        first_seen.setdefault(module_of(item.nodeid), i)
    unknown = max(seconds.values(), default=0.0) + 1.0
    cost = {m: seconds.get(m, unknown) for m in first_seen}
    folder_cost: dict[str, float] = {}
    folder_seen: dict[str, int] = {}
    for m, i in first_seen.items():
        f = folder_of(m)
        folder_cost[f] = folder_cost.get(f, 0.0) + cost[m]
        folder_seen.setdefault(f, i)

    def key(item):
        m = module_of(item.nodeid)
        f = folder_of(m)
        return (-folder_cost[f], folder_seen[f], -cost[m], first_seen[m])

    return sorted(items, key=key)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    seconds = config.cache.get(KEY, {}) if getattr(config, "cache", None) else {}
    if seconds:
        items[:] = ordered(items, seconds)


def _is_controller(config) -> bool:
    """The process that sees every worker's reports (or the only process, without xdist)."""
    return not hasattr(config, "workerinput")


_SECONDS: defaultdict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report):
    _SECONDS[module_of(report.nodeid)] += report.duration


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    config = session.config
    if not _is_controller(config) or not getattr(config, "cache", None) or not _SECONDS:
        return
    seconds = dict(config.cache.get(KEY, {}))
    seconds.update({module: round(s, 2) for module, s in _SECONDS.items()})
    config.cache.set(KEY, seconds)

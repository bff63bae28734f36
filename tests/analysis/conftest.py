"""Helpers of the analysis tests: small files loaded once per module into a template that each test clones, and the
checks of a scenario on a shared read-only database computed once per process."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg2
import pytest

from geo_service.analysis import service
from geo_service.db.admin import drop_database
from geo_service.db.pool import Database
from tests.conftest import clone_database, rolled_back_connection

_clones = itertools.count()


@pytest.fixture(scope="module")
def conn_2019(england_2019_db_url):
    """One connection to England 2019/20 for the module's reads."""
    with rolled_back_connection(england_2019_db_url) as conn:
        yield conn


@contextmanager
def loaded_template(
    maintenance_url: str, template_db: str, name: str, load: Callable[[Database], object]
) -> Iterator[str]:
    """A database of this worker copied from ``template_db`` and filled once by ``load(db)``, yielding its name: the
    template a module's tests clone (``CREATE DATABASE ... TEMPLATE``, the same rows) instead of importing the same
    files again for each test. Dropped when the module is done."""
    url = clone_database(maintenance_url, template_db, name)
    db = Database(url, statement_timeout_ms=0)
    try:
        load(db)
    finally:
        db.close()
    try:
        yield url.rsplit("/", 1)[1]
    finally:
        drop_database(maintenance_url, url.rsplit("/", 1)[1])


@contextmanager
def clone_of(maintenance_url: str, template: str, prefix: str) -> Iterator[Database]:
    """A writable copy of ``template`` of the test's own, dropped after it."""
    url = clone_database(maintenance_url, template, f"{prefix}{next(_clones)}")
    db = Database(url, statement_timeout_ms=0)
    try:
        yield db
    finally:
        db.close()
        drop_database(maintenance_url, url.rsplit("/", 1)[1])


_CHECKS: dict[tuple[str, str], dict] = {}


def shared_checks(url: str, slug: str) -> dict:
    """``service.run_checks(conn, slug, None)`` on the shared database at ``url``, computed once per process and
    handed to each caller as a copy of its own. Only for the shared databases (``demo_db_url``, ``england_*_db_url``,
    ``all_bundles*_db_url``): they are read-only in the database itself, so the answer cannot change during a run;
    never for a clone a test writes to."""
    key = (url, slug)
    if key not in _CHECKS:
        conn = psycopg2.connect(url)
        try:
            _CHECKS[key] = service.run_checks(conn, slug, None)
        finally:
            conn.close()
    return copy.deepcopy(_CHECKS[key])

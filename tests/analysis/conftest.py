"""Fixtures of the analysis tests: small files loaded once per module into a template that each test clones."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from geo_service.db.admin import drop_database
from geo_service.db.pool import Database
from tests.conftest import clone_database

_clones = itertools.count()


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

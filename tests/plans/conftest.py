"""A demo database with plan editors, an approver, an admin and a viewer, shared by a module's tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import pytest

from geo_service.db.admin import drop_database
from tests.access.conftest import build_access_db
from tests.conftest import make_app

PASSWORD = "correct horse battery"
USERS = {
    "ed": [("editor", None)],
    "ed2": [("editor", None)],
    "appr": [("approver", None)],
    "admin": [("admin", None)],
    "viewer": [],
}


_READERS: dict[str, object] | None = None


@pytest.fixture(scope="module", autouse=True)
def _module_readers() -> Iterator[None]:
    """One reading connection per database for each module here (see :func:`read_cursor`), closed at its end."""
    global _READERS
    _READERS = {}
    try:
        yield
    finally:
        readers, _READERS = _READERS, None
        for conn in readers.values():
            conn.close()


@contextmanager
def read_cursor(url: str) -> Iterator:
    """A cursor on ``url`` for a test's own look-ups in the tables. In a module of tests/plans one autocommit
    connection per database serves them all: each new connection costs the server its start-up, and PROJ's set-up
    (~30 ms) at its first transform. Elsewhere (a browser test importing a helper) a connection of its own."""
    if _READERS is None:
        conn = psycopg2.connect(url)
        try:
            with conn, conn.cursor() as cur:
                yield cur
        finally:
            conn.close()
        return
    conn = _READERS.get(url)
    if conn is None or conn.closed:
        conn = _READERS[url] = psycopg2.connect(url)
        conn.autocommit = True  # each statement sees what the app has committed; no transaction is left open
    with conn.cursor() as cur:
        yield cur


@pytest.fixture(scope="module")
def plans_db_url(maintenance_url, demo_template, request):
    url, tokens = build_access_db(
        maintenance_url, demo_template, f"pl_{request.module.__name__.rsplit('.', 1)[1]}", USERS
    )
    yield url, tokens
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


@pytest.fixture(scope="module")
def plans_app(plans_db_url):
    app = make_app(plans_db_url[0], GEO_COOKIE_SECURE=False)
    yield app
    app.extensions["geo_db"].close()


@pytest.fixture(scope="module")
def tokens(plans_db_url) -> dict[str, str]:
    return plans_db_url[1]


@pytest.fixture
def client(plans_app):
    return plans_app.test_client()


class Api:
    """A JSON client for one user that keeps the plan's ETag it last saw, like the editor does."""

    def __init__(self, client, token: str | None, session: str = "s1") -> None:
        self.client, self.token, self.session, self.etag = client, token, session, None

    def headers(self, if_match: str | None = None) -> dict:
        h = {"X-Edit-Session": self.session}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        tag = if_match if if_match is not None else self.etag
        if tag:
            h["If-Match"] = tag
        return h

    def get(self, url: str):
        resp = self.client.get(url, headers=self.headers())
        if resp.status_code == 200 and resp.headers.get("ETag"):
            self.etag = resp.headers["ETag"]
        return resp

    def send(self, method: str, url: str, body: dict | None = None, if_match: str | None = None):
        resp = self.client.open(
            url, method=method, json=body if body is not None else {}, headers=self.headers(if_match)
        )
        if resp.status_code in (200, 201) and resp.headers.get("ETag"):
            self.etag = resp.headers["ETag"]
        return resp

"""Issue 24: schemathesis over every write operation (POST, PUT, PATCH, DELETE) of /api/openapi.json.

The requests are signed in (an admin's API token, so the role checks pass and the views run) and carry
``If-Match: *`` (any current version: the precondition is met, the write goes ahead), on a fresh clone of the
demo database that only this module writes to. One test per write operation (read from the document at
collection). Checks, as for the reads: no 5xx, every response body matches the schema declared for its status
and media type, and the media type is a declared one.
"""

from __future__ import annotations

import os

import pytest
import schemathesis

# Imported at collection, not first inside a fixture: pytest rewrites a plugin's modules (schemathesis) with
# ast.parse, and CPython 3.11.7 raises "AST constructor recursion depth mismatch" when that happens deep in a
# fixture's stack (25 set-up errors in `make test-quick` on a new venv, where no rewritten copy is cached yet).
import schemathesis.specs.openapi.schemas  # noqa: F401
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from geo_service import create_app
from geo_service.access import service as access
from geo_service.db.admin import drop_database
from geo_service.db.pool import Database
from geo_service.web.openapi import build_document
from tests.conftest import clone_database

MAX_EXAMPLES = 10  # generated requests per write operation
WRITES = ("post", "put", "patch", "delete")
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
SECRET = "k3y-for-tests-only-schemathesis-writes-7Hq2Lw9Xz"


def _write_operations() -> list[tuple[str, str]]:
    doc = build_document(create_app({"DATABASE_URL": "postgresql://unused@127.0.0.1:1/unused"}))
    return sorted((m.upper(), path) for path, item in doc["paths"].items() for m in item if m in WRITES)


@pytest.fixture(scope="module")
def writable_demo(maintenance_url, demo_template):
    """(database url, an admin's API token) on a fresh clone of the demo."""
    url = clone_database(maintenance_url, demo_template, f"w{os.getpid()}_schemathesis")
    db = Database(url, statement_timeout_ms=0)
    with db.connection() as conn:
        access.add_user(conn, "fuzz-admin", "Fuzz Admin", "correct horse battery staple")
        access.grant(conn, "fuzz-admin", "admin", None)
        token = access.create_token(conn, "fuzz-admin", "schemathesis")[1]
    db.close()
    yield url, token
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


@pytest.fixture(scope="module")
def write_app(writable_demo):
    app = create_app(
        {
            "DATABASE_URL": writable_demo[0],
            "TESTING": True,
            "GEO_TILES_URL": "none",
            "GEO_COOKIE_SECURE": False,
            "GEO_SECRET_KEY": SECRET,
        }
    )
    yield app
    app.extensions["geo_db"].close()


@pytest.fixture(scope="module")
def api_schema(write_app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", write_app)


@pytest.mark.parametrize("method, path", _write_operations())
def test_write_operation_conforms_to_the_document(api_schema, writable_demo, method, path):
    operation = api_schema[path][method]
    headers = {"Authorization": f"Bearer {writable_demo[1]}", "If-Match": "*", "Accept-Encoding": "identity"}
    statuses: list[int] = []

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def check(case):
        response = case.call_and_validate(checks=CHECKS, headers=headers)
        statuses.append(response.status_code)

    check()
    assert statuses, path

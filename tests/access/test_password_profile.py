"""The shipped password hash is argon2id with RFC 9106's low-memory profile (64 MiB, t=3, p=4), whatever the tests
do to save time (``tests/access/password_hashing.py`` swaps in a cheaper argon2id for test users, within a block).

Outside that block the service, the app and ``geo-service serve`` (which imports the same module) hash with the
shipped profile, and a cheaper hash found at sign-in is upgraded to it (argon2's rehash check)."""

from __future__ import annotations

import re

import psycopg2
from argon2.profiles import RFC_9106_LOW_MEMORY
from click.testing import CliRunner

from geo_service.access import service as access
from geo_service.cli import main
from tests.access.password_hashing import FAST, fast_password_hashing
from tests.conftest import make_app

SHIPPED = "$argon2id$v=19$m=65536,t=3,p=4$"
PASSWORD = "correct horse battery"


def _stored(url: str, username: str) -> str:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT password_hash FROM users WHERE username = %(u)s", {"u": username})
        return cur.fetchone()[0]


def test_the_shipped_hasher_is_the_rfc_9106_low_memory_profile():
    hasher = access._hasher
    assert (hasher.type, hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (
        RFC_9106_LOW_MEMORY.type, RFC_9106_LOW_MEMORY.time_cost, RFC_9106_LOW_MEMORY.memory_cost,
        RFC_9106_LOW_MEMORY.parallelism,
    )  # fmt: skip
    assert (hasher.hash_len, hasher.salt_len) == (RFC_9106_LOW_MEMORY.hash_len, RFC_9106_LOW_MEMORY.salt_len)
    assert access.hash_password(PASSWORD).startswith(SHIPPED)
    assert access._dummy_hash().startswith(SHIPPED)  # an unknown username costs what a known one does
    with fast_password_hashing():
        assert access._hasher is FAST and not access.hash_password(PASSWORD).startswith(SHIPPED)
    assert access._hasher is not FAST and access.hash_password(PASSWORD).startswith(SHIPPED)  # put back


def test_serve_and_the_cli_hash_with_the_shipped_profile_and_upgrade_a_cheaper_hash(fresh_demo_db_url):
    env = {"DATABASE_URL": fresh_demo_db_url}
    made = CliRunner().invoke(main, ["users", "add", "jo", "--password-stdin"], env=env, input=PASSWORD + "\n")
    assert made.exit_code == 0, made.output
    assert _stored(fresh_demo_db_url, "jo").startswith(SHIPPED)
    with fast_password_hashing():
        made = CliRunner().invoke(main, ["users", "add", "al", "--password-stdin"], env=env, input=PASSWORD + "\n")
        assert made.exit_code == 0, made.output
    cheap = _stored(fresh_demo_db_url, "al")
    assert cheap.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    app = make_app(fresh_demo_db_url, GEO_COOKIE_SECURE=False)  # what `serve` builds
    try:
        client = app.test_client()
        page = client.get("/sign-in").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        signed_in = client.post("/sign-in", data={"username": "al", "password": PASSWORD, "csrf_token": csrf})
        assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
    finally:
        app.extensions["geo_db"].close()
    upgraded = _stored(fresh_demo_db_url, "al")
    assert upgraded != cheap and upgraded.startswith(SHIPPED)

"""Read replicas (issue 26) against a real streaming hot standby started here.

A primary of the test's own (a throw-away cluster with the demo, never the shared test cluster, whose many
templates a base backup would copy) and its standby made by ``pg_basebackup -R``. The app reads the read-only
routes from the standby, writes to the primary, sends a writer's next reads to the primary until the standby has
replayed the write, says which data version a lagging standby shows, and falls back to the primary when the
standby is down.
"""

from __future__ import annotations

import time

import psycopg2
import pytest

from geo_service.access import service as access
from geo_service.db.migrate import migrate
from geo_service.db.pool import Database
from geo_service.devtools.cluster import LocalCluster
from geo_service.devtools.standby import StandbyCluster
from tests.conftest import free_port, make_app

pytestmark = pytest.mark.slow

SCENARIO = "demo-as-registered"
CHECKS = f"/api/v1/scenarios/{SCENARIO}/checks"
PAGE = f"/maps/{SCENARIO}"


def _one(url: str, sql: str):
    conn = psycopg2.connect(url)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchone()[0]
    finally:
        conn.close()


def _wait(what: str, check, deadline_s: float = 60.0):
    """Poll ``check()`` until it is truthy (it returns that value), or fail after the deadline."""
    end = time.monotonic() + deadline_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def _caught_up(primary_url: str, standby_url: str) -> bool:
    target = _one(primary_url, "SELECT pg_current_wal_lsn()::text")
    return bool(_one(standby_url, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"))


@pytest.fixture(scope="module")
def replicated(tmp_path_factory):
    """(primary URL, standby, admin token): the demo with an admin, and a hot standby of it."""
    from geo_service.demo.load import load_demo

    cluster = LocalCluster(tmp_path_factory.mktemp("replica-primary"), port=free_port())
    standby = None
    try:
        cluster.start()
        url = cluster.database_url()
        migrate(url)
        db = Database(url, statement_timeout_ms=0)
        try:
            load_demo(db)
            with db.connection() as conn:
                access.add_user(conn, "admin", "Admin", "correct horse battery")
                access.grant(conn, "admin", "admin", None)
                token = access.create_token(conn, "admin", "tests")[1]
        finally:
            db.close()
        standby = StandbyCluster(cluster, free_port())
        standby.create()
        _wait("the standby to replay the primary", lambda: _caught_up(url, standby.database_url()))
        yield url, standby, token
    finally:
        if standby is not None:
            standby.destroy()
        cluster.destroy()


@pytest.fixture(scope="module")
def app(replicated):
    url, standby, _ = replicated
    app = make_app(url, GEO_READ_DATABASE_URL=standby.database_url(), GEO_COOKIE_SECURE=False)
    yield app
    app.extensions["geo_read_router"].close()
    app.extensions["geo_db"].close()


def _version(client) -> tuple[str, int]:
    resp = client.get(CHECKS)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.headers["X-Geo-Read-From"], resp.get_json()["data_version"]


def _patch_as_of(client, token: str, as_of: str):
    current = client.get(f"/api/v1/scenarios/{SCENARIO}", headers={"Authorization": f"Bearer {token}"})
    resp = client.patch(
        f"/api/v1/scenarios/{SCENARIO}",
        json={"as_of": as_of},
        headers={"Authorization": f"Bearer {token}", "If-Match": current.headers["ETag"]},
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp


def test_reads_come_from_the_standby_and_writes_from_the_primary(app, replicated):
    url, standby, token = replicated
    assert _one(standby.database_url(), "SELECT pg_is_in_recovery()") is True
    client = app.test_client()
    # the read-only routes: the standby answered (the router saw pg_is_in_recovery() on that connection)
    read_only = (
        CHECKS,
        PAGE,
        f"/api/v1/maps/{SCENARIO}/areas.geojson",
        "/ogc/collections",
        f"/maps/{SCENARIO}/findings",
        f"/api/v1/scenarios/{SCENARIO}/findings.csv",
        f"/api/v1/scenarios/{SCENARIO}/export?format=geojson&layer=networks",
    )
    for path in read_only:
        resp = client.get(path)
        assert resp.status_code == 200, (path, resp.get_data(as_text=True)[:300])
        assert resp.headers["X-Geo-Read-From"] == "replica", path
    # the scenario API and pages outside the read-only list stay on the primary
    assert client.get(f"/api/v1/scenarios/{SCENARIO}").headers["X-Geo-Read-From"] == "primary"
    # so does a read with an API token (checking the token marks it used: a write)
    with_token = client.get(CHECKS, headers={"Authorization": f"Bearer {token}"})
    assert with_token.status_code == 200 and with_token.headers["X-Geo-Read-From"] == "primary"
    # an embed read from the standby keeps its rendering on the primary (a GET that writes)
    embed = client.get(f"/embed/{SCENARIO}/areas/{_an_area(url)}")
    assert embed.status_code == 200 and embed.headers["X-Geo-Read-From"] == "replica"
    assert _one(url, "SELECT count(*) FROM embed_snapshots") >= 1
    scraped = client.get("/metrics").get_data(as_text=True)
    assert 'geo_db_reads_total{behind="no",source="replica"}' in scraped
    assert 'geo_db_reads_total{behind="no",source="primary"}' in scraped


def _an_area(url: str) -> str:
    return _one(url, "SELECT ods_code FROM areas WHERE ods_code IS NOT NULL ORDER BY ods_code LIMIT 1")


def test_a_writer_reads_its_write_while_the_standby_lags_and_others_see_the_version_it_shows(app, replicated):
    url, standby, token = replicated
    writer, reader = app.test_client(), app.test_client()
    assert _version(reader)[0] == "replica"
    _one(standby.database_url(), "SELECT pg_wal_replay_pause()::text")
    try:
        _wait("replay to pause", lambda: _one(standby.database_url(), "SELECT pg_is_wal_replay_paused()"))
        shown = _one(standby.database_url(), "SELECT version FROM data_version")
        patched = _patch_as_of(writer, token, "2019-09-30")
        assert "geo_read_after" in patched.headers.get("Set-Cookie", "")
        # the writer's next read: the primary (the standby has not replayed the write), with the new version
        source, version = _version(writer)
        assert source == "primary"
        assert version > shown
        # another reader: the lagging standby, and the page says which data version it shows
        resp = reader.get(CHECKS)
        assert resp.headers["X-Geo-Read-From"] == "replica"
        assert resp.get_json()["data_version"] < version
        assert int(resp.headers["X-Geo-Data-Version"]) == shown
        page = reader.get(PAGE)
        assert page.headers["X-Geo-Read-From"] == "replica"
        html = page.get_data(as_text=True)
        assert f'data-data-version="{shown}"' in html
        assert f"it shows data version {shown:,}" in html
    finally:
        _one(standby.database_url(), "SELECT pg_wal_replay_resume()::text")
    # once replayed, the writer reads from the standby again, and nobody is told of a lag
    _wait("the standby to replay the write", lambda: _caught_up(url, standby.database_url()))
    source, version_after = _wait("the writer on the standby", lambda: (s := _version(writer))[0] == "replica" and s)
    assert version_after == version
    page = reader.get(PAGE)
    assert "X-Geo-Data-Version" not in page.headers
    assert "geo-replica-notice" not in page.get_data(as_text=True)


def test_a_standby_outage_falls_back_to_the_primary(app, replicated):
    url, standby, _ = replicated
    client = app.test_client()
    assert _version(client)[0] == "replica"
    standby.stop()
    try:
        for path in (CHECKS, PAGE):
            resp = client.get(path)
            assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
            assert resp.headers["X-Geo-Read-From"] == "primary"
        assert app.extensions["geo_read_router"].replicas_down() == [0]
    finally:
        standby.start()
    # back: after its time out, reads return to it
    _wait("reads back on the standby", lambda: _version(client)[0] == "replica")

"""Embed routes: headers, caching, pinned snapshots across a new import, bad parameters."""

import re

import psycopg2
import pytest

from geo_service.db.pool import Database
from geo_service.demo.load import load_demo
from geo_service.ingest.list_sizes import import_list_sizes
from tests.conftest import make_app

AREA = "/embed/demo-as-registered/areas/ZA2"


@pytest.fixture
def demo_fresh(fresh_db_url):
    db = Database(fresh_db_url)
    load_demo(db)
    yield fresh_db_url, db
    db.close()


@pytest.fixture
def client(demo_fresh):
    app = make_app(demo_fresh[0])
    yield app.test_client()
    app.extensions["geo_db"].close()


def _practice(url, ods):
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT name, list_size FROM practices WHERE ods_code = %(o)s", {"o": ods})
        return cur.fetchone()


def _version(url):
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT version FROM data_version")
        return cur.fetchone()[0]


def _a_practice_in(client) -> str:
    """ODS code of a practice shown on the ZA2 embed."""
    html = client.get(AREA).get_data(as_text=True)
    return sorted(set(re.findall(r"Z\d{5}", html)))[0]


def test_embed_headers_cache_and_no_cookies(client):
    resp = client.get(AREA, headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200
    assert resp.headers["Content-Encoding"] == "gzip"
    assert resp.headers["Content-Security-Policy"].endswith("frame-ancestors *")
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in resp.headers and "Set-Cookie" not in resp.headers
    assert resp.headers["Cache-Control"] == "public, max-age=300"
    etag = resp.headers["ETag"]
    again = client.get(AREA, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag and not again.data
    plain = client.get(AREA).get_data(as_text=True)
    assert "Open full map" in plain and "/maps/demo-as-registered/areas/ZA2" in plain
    assert "Contains OS data" in plain and "Open Government Licence" in plain
    assert "<header" not in plain  # no site chrome


def test_view_options_change_the_etag_and_the_map(client):
    base = client.get(AREA)
    no_legend = client.get(AREA + "?legend=off&basemap=off")
    assert base.headers["ETag"] != no_legend.headers["ETag"]
    bad = client.get(AREA + "?layers=nonsense")
    assert bad.status_code == 400
    assert client.get(AREA + "?height=5").status_code == 400
    assert client.get("/embed/demo-as-registered/areas/NOPE").status_code == 404
    assert client.get("/embed/no-such/networks/UZ0001").status_code == 404


def test_pinned_embed_keeps_old_data_after_an_import_and_live_follows(client, demo_fresh, tmp_path):
    url, db = demo_fresh
    ods = _a_practice_in(client)
    old_size = _practice(url, ods)[1]
    v1 = _version(url)
    live = client.get(AREA)
    pinned = client.get(f"{AREA}?version={v1}")
    assert pinned.status_code == 200
    assert pinned.headers["Cache-Control"].endswith("immutable")
    assert client.get(AREA, headers={"If-None-Match": live.headers["ETag"]}).status_code == 304

    new_size = old_size + 4321
    csv = tmp_path / "gp-reg-pat-prac-all.csv"
    csv.write_text(
        "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
        f"GP_PRAC_PAT_LIST,01NOV2024,GP,ZA2,E38999902,{ods},ZZ2 1AA,ALL,ALL,{new_size}\n"
    )
    import_list_sizes(db, csv)
    v2 = _version(url)
    assert v2 > v1 and _practice(url, ods)[1] == new_size

    after = client.get(AREA, headers={"If-None-Match": live.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != live.headers["ETag"]
    fmt = lambda n: f'"list_size":{n},'  # noqa: E731 - the practice layer's GeoJSON property
    assert fmt(new_size) in after.get_data(as_text=True)
    still = client.get(f"{AREA}?version={v1}")
    assert still.status_code == 200 and still.data == pinned.data
    assert fmt(old_size) in still.get_data(as_text=True) and fmt(new_size) not in still.get_data(as_text=True)
    gone = client.get(f"{AREA}?version={v1 - 1}")
    assert gone.status_code == 404


def test_version_parameter_must_be_a_number(client):
    assert client.get(AREA + "?version=latest").status_code == 400


def test_pinned_embed_is_served_from_memory_even_when_the_database_is_down(demo_fresh, monkeypatch):
    from geo_service.errors import DatabaseUnavailable

    app = make_app(demo_fresh[0])
    client = app.test_client()
    version = _version(demo_fresh[0])
    pinned_url = f"{AREA}?version={version}"
    first = client.get(pinned_url)  # rendered and stored
    assert client.get(pinned_url).data == first.data  # read back from the database, kept in memory

    def down(*args, **kwargs):
        raise DatabaseUnavailable("The database is unreachable.")

    monkeypatch.setattr(app.extensions["geo_db"], "connection", down)
    assert client.get(pinned_url).data == first.data
    assert client.get(AREA).status_code == 503  # a live embed needs the current data version
    app.extensions["geo_db"].close()

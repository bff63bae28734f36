"""Embed routes: headers, caching, pinned snapshots across a new import, bad parameters."""

import re

import psycopg2
import pytest

from geo_service.db.pool import Database
from geo_service.ingest.list_sizes import import_list_sizes
from tests.conftest import make_app

AREA = "/embed/demo-as-registered/areas/ZA2"


@pytest.fixture
def demo_fresh(fresh_demo_db_url):
    db = Database(fresh_demo_db_url)
    yield fresh_demo_db_url, db
    db.close()


@pytest.fixture
def client(demo_fresh):
    app = make_app(demo_fresh[0])
    yield app.test_client()
    app.extensions["geo_db"].close()


SCENARIO = "demo-as-registered"


def _practice(url, ods):
    """(name, list size) of a practice as the demo scenario sees it: its register and list-size extracts."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """SELECT r.name, ls.list_size FROM practices p JOIN scenarios s ON s.slug = %(s)s
                 JOIN practice_register r ON r.practice_id = p.id AND r.extract_id = s.register_extract_id
                 LEFT JOIN practice_list_sizes ls ON ls.practice_id = p.id AND ls.extract_id = s.list_size_extract_id
                WHERE p.ods_code = %(o)s""",
            {"o": ods, "s": SCENARIO},
        )
        return cur.fetchone()


def _new_synthetic_list_sizes(db, ods: str, size: int) -> None:
    """A new synthetic list-size extract (the demo's sizes, one changed), and the demo scenario moved to it."""
    from datetime import date

    from geo_service.db.repositories import extracts
    from geo_service.scope import set_scenario

    with db.connection() as conn:
        new_id = extracts.record_extract(
            conn, "list_sizes", "test: demo list sizes Nov 2024", extract_date=date(2024, 11, 1), dataset="synthetic"
        )
        with conn.cursor() as cur:
            cur.execute(
                """INSERT INTO practice_list_sizes (extract_id, practice_id, list_size, list_size_date)
                   SELECT %(new)s, ls.practice_id,
                          CASE WHEN p.ods_code = %(o)s THEN %(n)s ELSE ls.list_size END, '2024-11-01'
                     FROM practice_list_sizes ls JOIN practices p ON p.id = ls.practice_id
                     JOIN scenarios s ON s.slug = %(s)s AND ls.extract_id = s.list_size_extract_id""",
                {"new": new_id, "o": ods, "n": size, "s": SCENARIO},
            )
        set_scenario(conn, SCENARIO, list_sizes=new_id)


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
    fmt = lambda n: f'"list_size":{n},'  # noqa: E731 - the practice layer's GeoJSON property

    # A real list-size file naming the demo practice moves the data version, but never reaches the
    # synthetic scenario (its extracts are of its own dataset): the live embed shows the same size.
    csv = tmp_path / "gp-reg-pat-prac-all.csv"
    csv.write_text(
        "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
        f"GP_PRAC_PAT_LIST,01NOV2024,GP,ZA2,E38999902,{ods},ZZ2 1AA,ALL,ALL,{new_size}\n"
    )
    import_list_sizes(db, csv)
    v_real = _version(url)
    assert v_real > v1 and _practice(url, ods)[1] == old_size
    unreached = client.get(AREA, headers={"If-None-Match": live.headers["ETag"]})
    assert unreached.status_code == 200 and unreached.headers["ETag"] != live.headers["ETag"]
    assert fmt(old_size) in unreached.get_data(as_text=True) and fmt(new_size) not in unreached.get_data(as_text=True)

    # A new synthetic list-size extract the scenario moves to: the live embed follows, the pinned one stays.
    _new_synthetic_list_sizes(db, ods, new_size)
    v2 = _version(url)
    assert v2 > v_real and _practice(url, ods)[1] == new_size

    after = client.get(AREA, headers={"If-None-Match": live.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != live.headers["ETag"]
    assert fmt(new_size) in after.get_data(as_text=True)
    assert "list sizes Nov 2024" in after.get_data(as_text=True)  # the data line names the new extract
    still = client.get(f"{AREA}?version={v1}")
    assert still.status_code == 200 and still.data == pinned.data
    assert fmt(old_size) in still.get_data(as_text=True) and fmt(new_size) not in still.get_data(as_text=True)
    assert "list sizes Oct 2024" in still.get_data(as_text=True)
    # a version never kept for this view: redirected to the current one, like a layer's stale ?v= (issue 26)
    gone = client.get(f"{AREA}?version={v1 - 1}")
    assert gone.status_code == 302 and gone.data == b""
    assert gone.headers["Location"] == f"{AREA}?version={v2}" and gone.headers["Cache-Control"] == "no-cache"
    current = client.get(gone.headers["Location"])
    assert current.status_code == 200 and current.headers["Cache-Control"] == "public, max-age=31536000, immutable"


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
    offline = client.get(pinned_url)
    assert offline.data == first.data
    assert client.get(AREA).status_code == 503  # a live embed needs the current data version
    app.extensions["geo_db"].close()


def test_codes_match_in_any_case_and_stored_renderings_key_on_the_scope(client, demo_fresh):
    url, _ = demo_fresh
    canonical = client.get(AREA)
    moved = client.get("/embed/Demo-As-Registered/areas/za2")
    assert moved.status_code == 308 and moved.headers["Location"].endswith(AREA)  # one canonical URL per view
    other = client.get("/embed/Demo-As-Registered/areas/za2", follow_redirects=True)
    assert other.status_code == 200 and other.headers["ETag"] == canonical.headers["ETag"]
    assert "/maps/demo-as-registered/areas/ZA2" in other.get_data(as_text=True)
    network = client.get("/embed/demo-as-registered/networks/uz0003", follow_redirects=True)
    assert network.status_code == 200 and "(UZ0003)" in network.get_data(as_text=True)
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT view_key FROM embed_snapshots ORDER BY view_key")
        keys = [r[0] for r in cur.fetchall()]
    conn.close()
    # One rendering per view, keyed on its URL and on its scope (date, dataset, extracts, boundary set, area).
    assert len(keys) == 2 and all(re.fullmatch(r"/embed/demo-as-registered/\w+s/\w+\|[0-9a-f]{16}", k) for k in keys)
    assert keys[0].startswith(AREA + "|")


def test_embed_shows_the_data_line(client):
    html = client.get(AREA).get_data(as_text=True)
    assert "Data: as of 1 Oct 2024 · register Oct 2024 · list sizes Oct 2024 · locations Oct 2024" in html


def test_embed_links_the_sites_favicon(client):
    """Issue 20: an embed names the site's icon (it used to link an empty data: URL), and the icon is served."""
    html = client.get(AREA).get_data(as_text=True)
    icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', html)
    assert icon and icon.group(1).endswith("/static/favicon.svg"), icon
    res = client.get(icon.group(1))
    assert res.status_code == 200 and res.mimetype == "image/svg+xml"
    assert 'href="data:,"' not in html

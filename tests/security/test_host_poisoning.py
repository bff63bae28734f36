"""Issue 14 row 1: a request's ``Host`` header cannot change what the service links to.

Before the fix the first render of an embed stored the request's Host in "Open full map", so every later
visitor — and the pinned, immutable snapshot kept in ``embed_snapshots`` — linked to the attacker's host.
Now every URL that leaves the service is built on ``GEO_PUBLIC_URL``.
"""

from __future__ import annotations

import gzip
import re
from urllib.parse import parse_qs, quote, urlsplit

import psycopg2
import pytest

from geo_service.config import public_base_url
from tests.conftest import make_app

PUBLIC = "https://pcn.example.org"
EVIL = "evil.example"
SCENARIO = "demo-as-registered"
EMBED = f"/embed/{SCENARIO}/areas/ZA2"
PAGE = f"/maps/{SCENARIO}/areas/ZA2"


@pytest.fixture
def app(fresh_demo_db_url):
    app = make_app(fresh_demo_db_url, GEO_PUBLIC_URL=PUBLIC + "/")
    yield app
    app.extensions["geo_db"].close()


def _version(app) -> int:
    with psycopg2.connect(app.config["DATABASE_URL"]) as conn, conn.cursor() as cur:
        cur.execute("SELECT version FROM data_version")
        return cur.fetchone()[0]


def _absolute_urls(text: str) -> list[str]:
    # XML namespace names (xmlns="http://www.w3.org/2000/svg" of an inline chart) are names, not links
    return [u for u in re.findall(r"https?://[^\s\"'<>&]+", text) if not u.startswith("http://www.w3.org/")]


def _full_map_link(html: str) -> str:
    return re.search(r'<a href="([^"]+)"[^>]*>Open full map', html)[1]


def test_a_hostile_host_cannot_poison_a_stored_or_pinned_embed(app):
    evil = app.test_client().get(EMBED, headers={"Host": EVIL})  # the first render: it is stored
    assert evil.status_code == 200
    assert EVIL not in evil.get_data(as_text=True)
    version = _version(app)
    for client_host in (None, EVIL, "localhost:5000"):
        headers = {"Host": client_host} if client_host else {}
        for url in (EMBED, f"{EMBED}?version={version}"):  # live, and the pinned snapshot
            html = app.test_client().get(url, headers=headers).get_data(as_text=True)
            assert _full_map_link(html) == f"{PUBLIC}{PAGE}"
            assert EVIL not in html
    with psycopg2.connect(app.config["DATABASE_URL"]) as conn, conn.cursor() as cur:
        cur.execute("SELECT body_gzip FROM embed_snapshots")
        stored = [gzip.decompress(bytes(r[0])).decode() for r in cur.fetchall()]
    assert stored and all(EVIL not in body and f'href="{PUBLIC}{PAGE}"' in body for body in stored)


def test_snippets_and_oembed_links_ignore_host(app):
    client = app.test_client()
    page = client.get(PAGE, headers={"Host": EVIL}).get_data(as_text=True)
    again = client.get(PAGE).get_data(as_text=True)
    for html in (page, again):
        urls = _absolute_urls(html)
        assert urls and all(u == PUBLIC or u.startswith(PUBLIC + "/") for u in urls), urls  # the base: the builder
        assert EVIL not in html
    oembed_link = re.search(r'type="application/json\+oembed" href="([^"]+)"', again)[1].replace("&amp;", "&")
    assert oembed_link.startswith(f"{PUBLIC}/oembed?")
    assert parse_qs(urlsplit(oembed_link).query)["url"] == [PUBLIC + PAGE]
    body = client.get(f"/oembed?url={quote(PUBLIC + PAGE, safe='')}", headers={"Host": EVIL}).get_json()
    assert body["provider_url"] == PUBLIC + "/"
    assert re.search(r'src="([^"]+)"', body["html"])[1].startswith(f"{PUBLIC}/embed/{SCENARIO}/areas/ZA2?")
    # A URL on the attacker's host is not one of our maps, whatever Host the request carries.
    evil_url = quote(f"http://{EVIL}{PAGE}", safe="")
    assert client.get(f"/oembed?url={evil_url}", headers={"Host": EVIL}).status_code == 404


def test_public_url_setting_is_validated_and_defaults_to_the_local_address():
    assert public_base_url(None, 5000) == "http://127.0.0.1:5000"
    assert public_base_url("", "8080") == "http://127.0.0.1:8080"
    assert public_base_url("HTTPS://PCN.Example.org/", 5000) == "https://pcn.example.org"
    for bad in (
        "pcn.example.org",
        "ftp://x.example",
        "https://x.example/pcn",
        "https://u:p@x.example",
        "https://x.example?x=1",
        "https://x.example:port",
        "javascript:alert(1)",
    ):
        with pytest.raises(ValueError, match="GEO_PUBLIC_URL"):
            public_base_url(bad, 5000)

"""Request ids (issue 26): a trusted proxy's ``X-Request-ID`` is kept, a client's own is replaced."""

from __future__ import annotations

from tests.conftest import make_app


def test_a_trusted_proxys_request_id_is_kept_a_clients_is_not(demo_db_url):
    behind = make_app(demo_db_url, GEO_TRUSTED_PROXIES=1)
    direct = make_app(demo_db_url)
    try:
        kept = behind.test_client().get("/healthz", headers={"X-Request-ID": "nginx-7f3a"})
        assert kept.headers["X-Request-ID"] == "nginx-7f3a"
        odd = behind.test_client().get("/healthz", headers={"X-Request-ID": "<script>"})
        assert odd.headers["X-Request-ID"] != "<script>" and len(odd.headers["X-Request-ID"]) == 32
        replaced = direct.test_client().get("/api/v1/scenarios/nope/checks", headers={"X-Request-ID": "nginx-7f3a"})
        rid = replaced.headers["X-Request-ID"]
        assert rid != "nginx-7f3a" and len(rid) == 32
        assert replaced.get_json()["request_id"] == rid
    finally:
        behind.extensions["geo_db"].close()
        direct.extensions["geo_db"].close()

"""Issue 20: the practice page and its JSON on the real bundles (demo + 2019/20 + 2020/21 + 2021/22 + April 2022):
one practice in every scenario side by side, each with the map that shows it; search stays in the scenario it
came from. The 2019/20 and April 2022 networks are checked against the oracle computed from the raw files."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import make_app
from tests.oracle_raw import compute

pytestmark = pytest.mark.real_data

IN_2019 = "epcn-december-2019"
IN_2020 = "qof-pcn-mapping-2020-21"
IN_2022 = "epcn-april-2022"


@pytest.fixture(scope="module")
def client(all_bundles_db_url):
    app = make_app(all_bundles_db_url)
    yield app.test_client()
    app.extensions["geo_db"].close()


def _oracle_networks(vintage: str, real_data, code: str) -> set[str]:
    members = compute(vintage, real_data)["members"]
    return {pcn for pcn, practices in members.items() if code in practices}


def _practice_in_west_kent_2019(client) -> str:
    """A located member of a West Kent network in 2019/20 that is also a member in April 2022 (from the API)."""
    feats = client.get(f"/api/v1/maps/{IN_2019}/areas/99J/layers/practices.geojson").get_json()["features"]
    for f in feats:
        code = f["properties"]["code"]
        body = client.get(f"/api/v1/practices/{code}").get_json()
        states = {e["scenario"]["slug"]: e["state"] for e in body["scenarios"]}
        if states.get(IN_2019) == "member" and states.get(IN_2022) == "member" and states.get(IN_2020) == "member":
            return code
    raise AssertionError("no West Kent practice is a member in all three vintages")


def test_practice_json_names_its_network_in_each_vintage_as_the_raw_files_do(client, real_data):
    code = _practice_in_west_kent_2019(client)
    body = client.get(f"/api/v1/practices/{code}").get_json()
    by_slug = {e["scenario"]["slug"]: e for e in body["scenarios"]}
    dates = [e["scenario"]["as_of"] for e in body["scenarios"]]
    assert dates == sorted(dates)  # a time line, oldest first
    for slug, vintage in ((IN_2019, "2019-20"), (IN_2022, "2021-22")):
        entry = by_slug[slug]
        expected = _oracle_networks(vintage, real_data, code)
        assert {n["code"] for n in entry["networks"]} == expected, (slug, code)
        assert entry["commissioner"]["name"] and entry["commissioner"]["code"]
        assert entry["list_size"] and entry["list_size"] > 0
        query = parse_qs(urlsplit(entry["url"]).query)
        assert entry["url"].startswith(f"/maps/{slug}/networks/") and query["practice"] == [code]
    assert by_slug[IN_2020]["networks"]
    assert "demo-as-registered" not in by_slug  # another dataset's scenarios never list a real practice


def test_orphaned_and_closed_practices_read_in_plain_words(client, real_data):
    orphaned = sorted(compute("2019-20", real_data)["orphaned_practices"])
    code = next(c for c in orphaned if client.get(f"/api/v1/practices/{c}").status_code == 200)
    entry = next(
        e for e in client.get(f"/api/v1/practices/{code}").get_json()["scenarios"] if e["scenario"]["slug"] == IN_2019
    )
    assert entry["state"] == "orphaned" and entry["networks"] == []
    assert "orphaned" in entry["sentence"]
    body = client.get("/api/v1/practices/G82103").get_json()
    states = {e["scenario"]["slug"]: e["state"] for e in body["scenarios"]}
    assert states[IN_2022] in ("closed", "absent") or IN_2022 not in states
    page = client.get("/practices/G82103").get_data(as_text=True)
    assert "G82103" in page and 'id="practice-timeline"' in page


def test_unknown_malformed_and_lower_case_codes(client):
    resp = client.get("/api/v1/practices/Q99999")
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"
    assert "Q99999" in resp.get_json()["detail"] and resp.get_json()["parameter"] == "ods"
    resp = client.get("/api/v1/practices/G8%3C2076")
    assert resp.status_code == 400 and resp.get_json()["parameter"] == "ods"
    assert "ODS practice code" in resp.get_json()["detail"]
    resp = client.get("/practices/g82076?scenario=epcn-december-2019")
    assert resp.status_code == 308 and resp.headers["Location"].endswith(
        "/practices/G82076?scenario=epcn-december-2019"
    )


def test_practice_page_shows_map_names_and_links_each_scenario(client):
    code = _practice_in_west_kent_2019(client)
    page = client.get(f"/practices/{code}?scenario={IN_2019}").get_data(as_text=True)
    assert 'class="folium-map"' in page
    rows = re.findall(r'<tr data-scenario="([^"]+)" data-state="([^"]+)"', page)
    assert {IN_2019, IN_2020, IN_2022} <= {s for s, _ in rows}
    assert f'<input type="hidden" name="scenario" value="{IN_2019}">' in page  # the search stays in 2019
    assert re.search(rf'href="/maps/{IN_2019}/networks/[A-Z0-9]+\?practice={code}"', page)


def test_network_page_rings_the_practice_and_offers_the_other_years(client):
    code = _practice_in_west_kent_2019(client)
    entry = next(
        e for e in client.get(f"/api/v1/practices/{code}").get_json()["scenarios"] if e["scenario"]["slug"] == IN_2019
    )
    page = client.get(entry["url"]).get_data(as_text=True)
    assert f'id="practice-highlight" data-practice="{code}"' in page
    assert '"key": "practice_highlight"' in page or "practice_highlight" in page
    also = re.search(r'id="practice-also">(.*?)</span>', page, re.S).group(1)
    assert f'data-scenario="{IN_2022}"' in also and f'data-scenario="{IN_2020}"' in also


def test_search_from_2019_stays_in_2019(client, real_data):
    code = _practice_in_west_kent_2019(client)
    resp = client.get(f"/search?q={code}&scenario={IN_2019}")
    assert resp.status_code == 303
    assert re.search(rf"/maps/{IN_2019}/networks/[A-Z0-9]+\?practice={code}$", resp.headers["Location"])
    hit = client.get(f"/api/v1/search?q={code}&scenario={IN_2019}").get_json()["confident"]
    assert {a["scenario"] for a in hit["also"]} >= {IN_2022}
    # Orphaned in 2019: its page scoped to 2019, not another year's map.
    orphaned = sorted(compute("2019-20", real_data)["orphaned_practices"])
    for other in orphaned[:20]:
        resp = client.get(f"/search?q={other}&scenario={IN_2019}")
        if resp.status_code == 303:
            assert resp.headers["Location"].endswith(f"/practices/{other}?scenario={IN_2019}")
            break
    else:
        raise AssertionError("no orphaned practice of 2019 was found by search")
    # Closed by 2021: from 2019 it stays in 2019.
    resp = client.get(f"/search?q=G82103&scenario={IN_2019}")
    assert (
        resp.status_code == 303
        and f"/{IN_2019}/" in resp.headers["Location"]
        or f"scenario={IN_2019}" in resp.headers["Location"]
    )

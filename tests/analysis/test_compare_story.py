"""Compare tells the story (issue 11): real England data (ePCN December 2019 against ePCN April 2022, whose
own boundary sets differ: 8 Kent CCGs merged into NHS Kent and Medway CCG, 91Q, in April 2020) and the demo
scenarios (networks added, removed, renamed).

Oracles are written here in SQL of their own: area membership by ``ST_Intersects`` of the practice's postcode
point (the scenario's pinned location extract) with the area polygon, memberships current on each scenario's
``as_of``, and boundary merges by where each old area's point-on-surface falls among the new areas.
"""

from __future__ import annotations

import psycopg2
import pytest

from geo_service.analysis import service
from geo_service.db.pool import Database
from tests.maps.mixed_data import DEMO, DEMO_PROPOSAL, REAL_2019, REAL_2022

pytestmark = pytest.mark.real_data

KENT_2019 = {"09C", "09E", "09J", "09W", "10A", "10D", "10E", "99J"}

# Practices located in an area (by postcode point of the scenario's location extract) that are current members
# of a network of the scenario, with their network codes.
MEMBERS_IN_AREA = """
WITH s AS (SELECT * FROM scenarios WHERE slug = %(scenario)s),
     a AS (SELECT a.geom FROM areas a JOIN boundary_sets bs ON bs.id = a.boundary_set_id
            WHERE bs.slug = %(bs)s AND a.ods_code = %(area)s)
SELECT p.ods_code, array_agg(n.code ORDER BY n.code)
  FROM s JOIN memberships m ON m.scenario_id = s.id
          AND (m.start_date IS NULL OR m.start_date <= s.as_of) AND (m.end_date IS NULL OR m.end_date >= s.as_of)
  JOIN networks n ON n.id = m.network_id
  JOIN practices p ON p.id = m.practice_id
  JOIN practice_register r ON r.practice_id = p.id AND r.extract_id = s.register_extract_id
  JOIN postcode_points pt ON pt.extract_id = s.location_extract_id AND pt.postcode_key = r.postcode_key
  JOIN a ON ST_Intersects(a.geom, pt.geom)
 GROUP BY p.ods_code
"""

MERGED_INTO = """
SELECT o.ods_code FROM areas o JOIN boundary_sets ob ON ob.id = o.boundary_set_id AND ob.slug = %(old)s
  JOIN areas n ON ST_Contains(n.geom, ST_PointOnSurface(o.geom))
  JOIN boundary_sets nb ON nb.id = n.boundary_set_id AND nb.slug = %(new)s
 WHERE n.ods_code = %(into)s
"""


@pytest.fixture(scope="module")
def conn(mixed_db_url):
    db = Database(mixed_db_url, statement_timeout_ms=0)
    with db.connection() as c:
        yield c
    db.close()


@pytest.fixture(scope="module")
def raw(mixed_db_url):
    c = psycopg2.connect(mixed_db_url)
    yield c
    c.close()


def _rows(raw, query: str, **params) -> list[tuple]:
    with raw.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall()


@pytest.fixture(scope="module")
def west_kent(conn):
    return service.compare_scenarios(conn, REAL_2019, REAL_2022, area="99J")


@pytest.fixture(scope="module")
def england(conn):
    return service.compare_scenarios(conn, REAL_2019, REAL_2022)


def test_the_boundary_merge_is_said_in_plain_words(west_kent, raw):
    change = west_kent["boundary_change"]
    assert change["from"]["slug"] == "ccg-april-2019" and change["to"]["slug"] == "ccg-april-2021"
    oracle = {r[0] for r in _rows(raw, MERGED_INTO, old="ccg-april-2019", new="ccg-april-2021", into="91Q")}
    assert oracle == KENT_2019  # the oracle itself: the eight Kent CCGs of 2019
    kent = next(m for m in change["areas_merged"] if m["into"]["code"] == "91Q")
    assert {f["code"] for f in kent["from"]} == oracle
    here = change["area_sentences"]
    assert len(here) == 1 and here[0].startswith("8 CCGs merged into NHS Kent and Medway CCG (91Q): ")
    assert "NHS West Kent CCG (99J)" in here[0]
    # England-wide there are more merges than Kent's; only Kent's concerns West Kent.
    assert len(change["sentences"]) > 1 and here[0] in change["sentences"]


def test_cross_boundary_counts_are_compared_on_one_boundary_set(west_kent, england):
    for result in (west_kent, england):
        cross = result["cross_boundary"]
        assert cross["boundary_set"]["slug"] == "ccg-april-2019"
        assert result["a"]["scope"]["boundary_set"]["slug"] == result["b"]["scope"]["boundary_set"]["slug"]
        keys = ("cross_boundary_administrative", "cross_boundary_member_location")
        assert cross["a"] == sum(result["checks"][k]["a"] for k in keys)
        assert cross["b"] == sum(result["checks"][k]["b"] for k in keys)
        assert "CCG April 2019" in cross["note"]
    own = west_kent["cross_boundary"]["own_boundary_sets"]
    assert own["a"]["area"]["code"] == "99J" and own["b"]["area"]["code"] == "91Q"
    assert own["b"]["boundary_set"]["slug"] == "ccg-april-2021"
    # The point of the common set: on their own sets the 2022 count drops because the CCGs merged, far more than
    # it does on the common set.
    common, own_e = england["cross_boundary"], england["cross_boundary"]["own_boundary_sets"]
    assert own_e["a"]["count"] == common["a"]
    assert common["a"] - common["b"] < own_e["a"]["count"] - own_e["b"]["count"]


def test_practices_moved_in_the_area_match_an_independent_count(west_kent, england, raw):
    before = dict(_rows(raw, MEMBERS_IN_AREA, scenario=REAL_2019, bs="ccg-april-2019", area="99J"))
    after = dict(_rows(raw, MEMBERS_IN_AREA, scenario=REAL_2022, bs="ccg-april-2019", area="99J"))
    oracle = {c for c in set(before) | set(after) if before.get(c) != after.get(c)}
    got = {m["code"]: m for m in west_kent["practices_moved"]}
    assert set(got) >= oracle  # a practice in the area on either side and with another network is listed
    assert len(got) < len(england["practices_moved"])  # area= filters
    for code in oracle:
        m = got[code]
        assert [n["code"] for n in m["from_networks"]] == (before.get(code) or [])
        assert [n["code"] for n in m["to_networks"]] == (after.get(code) or [])
        assert m["name"] and all(n["name"] for n in m["from_networks"] + m["to_networks"])


def test_network_population_before_and_after_in_the_area(west_kent, raw):
    rows = {n["code"]: n for n in west_kent["network_population"]}
    nets_2019 = {
        n
        for nets in dict(_rows(raw, MEMBERS_IN_AREA, scenario=REAL_2019, bs="ccg-april-2019", area="99J")).values()
        for n in nets
    }
    assert nets_2019 <= set(rows)
    for n in rows.values():
        assert n["change"] == (n["population_b"] or 0) - (n["population_a"] or 0)
        if n["population_a"] is not None and n["population_b"] is not None:
            assert n["text"] == f"{n['population_a']:,} patients → {n['population_b']:,} patients"
    assert [a["code"] for a in west_kent["area_population"]] == ["99J"]


def test_merged_and_split_networks_follow_the_stated_rule(england):
    """Recount each reported merger from the moved practices' networks (continuing members only)."""
    assert england["rules"]["merged"].startswith("Two or more networks")
    assert england["networks_merged"], "England 2019 → 2022 has network mergers"
    for m in england["networks_merged"]:
        assert len(m["from"]) >= 2 and all(f["shared"] >= 1 for f in m["from"])
        assert m["into"]["name"]
    for s in england["networks_split"]:
        assert len(s["into"]) >= 2 and s["network"]["name"]


def test_compare_page_tells_the_boundary_story(mixed_db_url):
    from tests.conftest import make_app

    app = make_app(mixed_db_url)
    try:
        html = app.test_client().get(f"/maps/compare?a={REAL_2019}&b={REAL_2022}&area=99j").get_data(as_text=True)
    finally:
        app.extensions["geo_db"].close()
    assert 'id="boundary-change"' in html
    assert "8 CCGs merged into NHS Kent and Medway CCG (91Q)" in html
    assert "Networks crossing a boundary, both read on CCG April 2019" in html
    assert 'id="network-populations"' in html and " patients" in html
    assert "[" not in html.split('id="compare-story"')[1].split("</table>")[0].replace("[data", "")


def test_demo_added_removed_renamed(conn):
    forward = service.compare_scenarios(conn, DEMO, DEMO_PROPOSAL)
    assert [n["code"] for n in forward["networks_removed"]] == ["UZ0002"]
    assert [n["code"] for n in forward["networks_renamed"]] == ["UZ0001"]
    assert forward["boundary_change"] is None  # both on the demo CCGs
    back = service.compare_scenarios(conn, DEMO_PROPOSAL, DEMO)
    assert [n["code"] for n in back["networks_added"]] == ["UZ0002"]
    added = back["networks_added"][0]
    assert added["name"] and added["text"].endswith("patients")
    renamed = forward["networks_renamed"][0]
    assert renamed["from"] != renamed["to"] and renamed == {
        "code": "UZ0001",
        "from": back["networks_renamed"][0]["to"],
        "to": back["networks_renamed"][0]["from"],
    }

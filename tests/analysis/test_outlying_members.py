"""The outlying-member rule (issue 19), proved through the registry alone: a current member more than
``outlier_km`` from the nearest other current member of its network is a finding on the practice and the network.

The oracle is independent of the engine: the demo generator's own practices and networks (not the database),
distances computed here with pyproj and shapely in British National Grid (the engine measures on the ellipsoid).
"""

from __future__ import annotations

import psycopg2
import pytest
import shapely
from pyproj import Transformer

from geo_service.analysis import parameters, rules, service, wording
from geo_service.analysis.findings import FINDING_LABELS, SUMMARY_KEYS
from geo_service.demo.generator import BOUNDARY_SET, PROPOSAL, REGISTERED, generate
from geo_service.errors import InvalidParameter

DEMO = generate()
TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)


@pytest.fixture(scope="module")
def conn(demo_db_url):
    c = psycopg2.connect(demo_db_url)
    yield c
    c.rollback()
    c.close()


def oracle(slug: str, km: float) -> dict[str, dict[str, float]]:
    """network code -> {practice: distance (m) to the nearest other member} for members beyond ``km``."""
    located = {
        p.ods_code: shapely.Point(*TO_BNG.transform(p.location.x, p.location.y))
        for p in DEMO.practices
        if p.location is not None
    }
    out: dict[str, dict[str, float]] = {}
    for net in DEMO.scenarios[slug]["networks"]:
        members = [m for m in dict.fromkeys(net.members) if m in located]
        for m in members:
            others = [located[o].distance(located[m]) for o in members if o != m]
            if others and min(others) > km * 1000:
                out.setdefault(net.code, {})[m] = min(others)
    return out


def test_the_rule_is_one_registered_headline_module():
    rule = rules.BY_KEY["outlying_members"]
    assert rule.tier == rules.HEADLINE and rule in rules.of_tier(rules.HEADLINE)
    assert "outlier_km" in parameters.specs() and parameters.default("outlier_km") == 10.0
    assert {"outlying_members", "networks_with_outlying_members"} <= set(SUMMARY_KEYS)
    assert FINDING_LABELS["outlying_member"] and FINDING_LABELS["has_outlying_member"]
    assert any(h.path == ("outlying_members",) for _, h in rules.headlines())


@pytest.mark.parametrize("slug", [REGISTERED, PROPOSAL])
@pytest.mark.parametrize("km", [2, 5, 10])
def test_findings_equal_an_independent_calculation(conn, slug, km):
    expected = oracle(slug, km)
    result = service.run_checks(conn, slug, BOUNDARY_SET["slug"], params={"outlier_km": km})
    items = result["items"]["outlying_members"]
    found: dict[str, dict[str, float]] = {}
    for r in items:
        found.setdefault(r["network_code"], {})[r["code"]] = r["distance_m"]
    assert set(found) == set(expected)
    for net, practices in expected.items():
        assert set(found[net]) == set(practices), net
        for code, metres in practices.items():
            # The engine measures on the ellipsoid, the oracle on the grid: they agree within the grid's scale.
            assert found[net][code] == pytest.approx(metres, rel=0.002), (net, code)
    sets = service.finding_sets(result)
    assert sets["outlying_members"] == {c for p in expected.values() for c in p}
    assert sets["networks_with_outlying_members"] == set(expected)
    assert result["summary"]["outlying_members"] == len(sets["outlying_members"])
    assert result["summary"]["networks_with_outlying_members"] == len(expected)


def test_a_small_threshold_finds_more_than_the_default(conn):
    # Guards the oracle comparison against passing on empty sets.
    assert sum(map(len, oracle(REGISTERED, 2).values())) > sum(map(len, oracle(REGISTERED, 10).values()))
    assert oracle(REGISTERED, 2)


def test_moving_a_member_far_away_makes_it_outlying(fresh_demo_db_url):
    """A member whose location moves 40 km away from its network becomes a finding, on it and its network
    (in a writable clone of the demo: the shared one is read-only)."""
    conn = psycopg2.connect(fresh_demo_db_url)
    net = next(n for n in DEMO.scenarios[REGISTERED]["networks"] if len(n.members) >= 3)
    before = service.run_checks(conn, REGISTERED, BOUNDARY_SET["slug"], rule_keys=["outlying_members"])
    moved = net.members[0]
    assert moved not in {r["code"] for r in before["items"]["outlying_members"]}
    try:
        with conn.cursor() as cur:
            cur.execute(
                """UPDATE postcode_points pt
                      SET geom = ST_Transform(ST_Translate(ST_Transform(pt.geom, 27700), 40000, 0), 4326)
                    WHERE pt.postcode_key IN (SELECT r.postcode_key FROM practice_register r
                                               JOIN practices pr ON pr.id = r.practice_id
                                              WHERE pr.ods_code = %s)""",
                (moved,),
            )
            assert cur.rowcount >= 1
        after = service.run_checks(conn, REGISTERED, BOUNDARY_SET["slug"], rule_keys=["outlying_members"])
        row = next(r for r in after["items"]["outlying_members"] if r["code"] == moved)
        assert row["network_code"] == net.code and row["distance_m"] > 30_000
        assert set(after["items"]) == {"outlying_members"}  # only the rule asked for ran
        sentence = wording.describe("outlying_members", row, after["parameters"]).sentence
        assert moved in sentence and net.code in sentence and "10 km" in sentence
    finally:
        conn.rollback()
        conn.close()


def test_outlier_km_is_validated():
    with pytest.raises(InvalidParameter) as e:
        parameters.resolve({"outlier_km": "-1"})
    assert e.value.parameter == "outlier_km"


def test_checks_api_names_the_rule(demo_client):
    r = demo_client.get(f"/api/v1/scenarios/{REGISTERED}/checks?outlier_km=2")
    assert r.status_code == 200
    body = r.get_json()
    assert body["parameters"]["outlier_km"] == 2
    assert body["summary"]["outlying_members"] == sum(map(len, oracle(REGISTERED, 2).values()))
    assert all("description" in item for item in body["items"]["outlying_members"])
    bad = demo_client.get(f"/api/v1/scenarios/{REGISTERED}/checks?outlier_km=abc")
    assert bad.status_code == 400 and "outlier_km" in bad.get_json()["detail"]

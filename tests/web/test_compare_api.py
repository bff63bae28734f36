"""``/api/v1/scenarios/compare?a=&b=&area=``: the area filter is honoured (moved practices located in the area,
networks in the area), names sit beside codes, bad input is refused with the parameter named."""

from __future__ import annotations

import psycopg2
import pytest

from geo_service.demo.generator import PROPOSAL, REGISTERED

URL = f"/api/v1/scenarios/compare?a={REGISTERED}&b={PROPOSAL}"

# Practices located in a demo area (own SQL: postcode point of the scenario's location extract in the polygon).
LOCATED = """
SELECT p.ods_code FROM scenarios s
  JOIN practice_register r ON r.extract_id = s.register_extract_id
  JOIN practices p ON p.id = r.practice_id
  JOIN postcode_points pt ON pt.extract_id = s.location_extract_id AND pt.postcode_key = r.postcode_key
  JOIN areas a ON a.ods_code = %(area)s AND ST_Intersects(a.geom, pt.geom)
 WHERE s.slug = %(scenario)s
"""


def _located(db_url: str, area: str) -> set[str]:
    with psycopg2.connect(db_url) as c, c.cursor() as cur:
        out = set()
        for scenario in (REGISTERED, PROPOSAL):
            cur.execute(LOCATED, {"area": area, "scenario": scenario})
            out |= {r[0] for r in cur.fetchall()}
    c.close()
    return out


@pytest.mark.parametrize("area", ["ZA1", "ZA3", "za3"])
def test_area_filter_is_honoured(demo_client, demo_db_url, area):
    whole = demo_client.get(URL).get_json()
    body = demo_client.get(f"{URL}&area={area}").get_json()
    assert body["area"]["code"] == area.upper()
    located = _located(demo_db_url, area.upper())
    moved = {m["code"] for m in body["practices_moved"]}
    assert moved and moved <= located, moved - located
    assert moved == {m["code"] for m in whole["practices_moved"]} & located
    assert len(body["network_population"]) < len(whole["network_population"])
    assert [a["code"] for a in body["area_population"]] == [area.upper()]
    # A network listed in the area has a member located in it on one side, or is led from it.
    codes = {n["code"] for n in body["network_population"]}
    for m in body["practices_moved"]:
        assert {n["code"] for n in m["from_networks"] + m["to_networks"]} <= codes


def test_moved_practices_carry_network_names(demo_client):
    body = demo_client.get(f"{URL}&area=ZA3").get_json()
    for m in body["practices_moved"]:
        for net in m["from_networks"] + m["to_networks"]:
            assert net["name"] and net["code"]
        assert m["from"] == (
            m["from_networks"][0]["code"]
            if len(m["from_networks"]) == 1
            else ([n["code"] for n in m["from_networks"]] or None)
        )


def test_same_boundary_set_gives_no_boundary_note(demo_client):
    body = demo_client.get(f"{URL}&area=ZA3").get_json()
    assert body["boundary_change"] is None
    assert body["cross_boundary"]["boundary_set"]["slug"] == "demo-ccg"
    assert "own_boundary_sets" not in body["cross_boundary"]


@pytest.mark.parametrize(
    "query, status, parameter, detail",
    [
        (f"{URL}&area=NOPE", 404, "area", "No area with ODS or GSS code 'NOPE'"),
        (f"{URL}&area=ZA1&boundary_set=nope", 404, "boundary_set", "No boundary set with slug 'nope'"),
    ],
)
def test_bad_area_is_refused(demo_client, query, status, parameter, detail):
    resp = demo_client.get(query)
    assert resp.status_code == status
    body = resp.get_json()
    assert body["parameter"] == parameter and detail in body["detail"], body

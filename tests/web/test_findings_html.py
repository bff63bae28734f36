"""Findings written for people on real pages: network and area pages, popups' data, the checks CSV and JSON
show sentences and formatted numbers, never Python reprs; a hostile name in a sentence is escaped."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from tests.conftest import make_app
from tests.maps import xss_data

xss_db_url = xss_data.xss_db_url

SCEN, BS, AREA, NET = "epcn-december-2019", "ccg-april-2019", "99J", "U47228"  # West Kent, ABC PCN
REPRS = ("[", "{'", "None", "True", "False")
PATIENTS = re.compile(r"\d{1,3}(,\d{3})+ patients")
PERCENT = re.compile(r"\d+\.\d %")


@pytest.fixture(scope="module")
def client(england_2019_db_url):
    app = make_app(england_2019_db_url)
    yield app.test_client()
    app.extensions["geo_db"].close()


def _visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _get(client, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:800]
    return resp.get_data(as_text=True)


def test_network_page_findings_are_sentences_with_tables(client):
    html = _get(client, f"/maps/{SCEN}/networks/{NET}?boundary_set={BS}")
    part = html[html.index('id="network-findings"') :]
    text = _visible(part)
    for bad in REPRS:
        assert bad not in text, (bad, text[:2000])
    sentences = re.findall(r'<p class="geo-finding__sentence">(.*?)</p>', part, re.S)
    assert sentences, "no finding sentences"
    assert any("dominance threshold" in s and PERCENT.search(s) for s in sentences)
    assert PATIENTS.search(text)
    # Names beside commissioner codes in the members table; thresholds shown; the shares chart drawn.
    assert "NHS West Kent CCG (99J)" in text
    assert "30,000–50,000 patients" in text
    assert "<svg" in part and "Members&#39; shares of ABC PCN" in part
    # Popups say the same: the network feature carries the page's sentences (maps.js lists them).
    popup = re.search(r'"d":\s*(\[.*?\])', html)
    assert popup, "no popup sentences"
    popup_sentences = json.loads(popup.group(1))
    assert popup_sentences and set(popup_sentences) <= {s.replace("&#39;", "'") for s in sentences}
    assert not any(bad in s for s in popup_sentences for bad in ("{'", "None", "True", "False"))


def test_overview_shows_the_distribution_against_the_band(client):
    html = _get(client, f"/maps/{SCEN}?boundary_set={BS}")
    chart = html[html.index('id="population-distribution"') :]
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", chart).group(1)
    assert re.fullmatch(
        r"\d{1,3}(,\d{3})* networks: \d+ below 30,000 patients, \d+ within the band 30,000–50,000, \d+ above 50,000\.",
        desc,
    ), desc
    assert "<table" in chart and "Band 30,000–50,000" in chart


def test_area_page_shows_no_reprs(client):
    html = _get(client, f"/maps/{SCEN}/areas/{AREA}?boundary_set={BS}")
    text = _visible(html)
    for bad in ("{'", "None", "True", "False", "['"):
        assert bad not in text, bad
    assert re.search(r"\d{1,3}(,\d{3})+", text)


def test_checks_csv_has_descriptions(client):
    body = _get(client, f"/api/v1/scenarios/{SCEN}/checks.csv?boundary_set={BS}&area={AREA}")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows and {"check", "finding", "code", "name", "value", "evidence", "description", "details"} <= set(rows[0])
    for r in rows:
        for col in ("description", "details"):
            assert not any(bad in r[col] for bad in REPRS), (col, r[col])
        assert r["description"].endswith(".")
    joined = " ".join(r["description"] for r in rows)
    assert PATIENTS.search(joined) and PERCENT.search(joined)
    assert "NHS West Kent CCG (99J)" in " ".join(r["details"] for r in rows)


def test_checks_json_keeps_machine_fields_and_adds_text(client):
    data = json.loads(_get(client, f"/api/v1/scenarios/{SCEN}/checks?boundary_set={BS}&area={AREA}"))
    sized = data["items"]["size_band"]
    assert sized and all(
        isinstance(i["population"], int) and i["finding"] in ("undersized", "oversized") for i in sized
    )
    assert all(i["description"] and i["evidence_table"][0]["label"] == "Network" for i in sized)
    assert {"label": "Population band", "value": "30,000–50,000 patients"} in data["thresholds"]


def test_hostile_name_escaped_in_a_finding_sentence(xss_db_url):
    app = make_app(xss_db_url)
    try:
        html = _get(app.test_client(), "/maps/demo-as-registered/networks/UZ0001")
    finally:
        app.extensions["geo_db"].close()
    sentences = re.findall(r'<p class="geo-finding__sentence">(.*?)</p>', html, re.S)
    assert any(s.startswith("&lt;img src=x onerror=alert(1)&gt; PCN (UZ0001) has ") for s in sentences), sentences
    assert xss_data.XSS not in html

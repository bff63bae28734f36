"""The network page shows the network's profile (issue 25), every figure with its source file and year."""

from __future__ import annotations

import html as html_lib
import re

import psycopg2
import pytest

from geo_service.analysis import profiles
from geo_service.scope import resolve_scope
from tests.conftest import make_app

pytestmark = pytest.mark.real_data

SCENARIO = "epcn-december-2019"


def test_network_page_shows_profile_with_sources(england_2019_db_url):
    conn = psycopg2.connect(england_2019_db_url)
    try:
        found = profiles.network_profiles(conn, resolve_scope(conn, SCENARIO))
    finally:
        conn.close()
    p = next(x for x in found if x["weighted_patients"] and x["deprivation"] is not None)
    app = make_app(england_2019_db_url)
    try:
        res = app.test_client().get(f"/maps/{SCENARIO}/networks/{p['code']}")
    finally:
        app.extensions["geo_db"].close()
    assert res.status_code == 200
    page = html_lib.unescape(res.get_data(as_text=True))
    table = re.search(r'<table class="nhsuk-table" id="network-profile">(.*?)</table>', page, re.S)
    assert table, "no profile table"
    rows = dict(
        (key, (value, source))
        for key, value, source in re.findall(
            r'<tr data-figure="([a-z_0-9]+)"><th scope="row">[^<]*</th><td[^>]*>([^<]*)</td>'
            r'<td class="geo-profile-source"[^>]*>([^<]*)</td></tr>',
            table.group(1),
        )
    )
    assert rows["weighted_patients"][0] == f"{round(p['weighted_patients']):,}"
    assert rows["weighted_patients"][1] == (
        "NHS Payments to General Practice: nhs-payments-to-general-practice_2019-20.csv, 2019/20"
    )
    assert rows["deprivation"][0] == f"{p['deprivation']:.1f}"
    assert "practice_imd2019_fingertips_93553.csv" in rows["deprivation"][1]
    assert rows["share_aged_65_plus"][1].endswith("gp-by-age_2020-04.csv, 2020-04-01")
    assert len(rows) == len(profiles.FIGURES)

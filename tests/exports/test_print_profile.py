"""Issue 25: an area's and a network's print carry the profile lines (registered and weighted population, ratio,
deprivation with its decile, share 65+, extended hours, network payments per patient) and their sources."""

from __future__ import annotations

import io
import re

import psycopg2
import pypdf
import pytest

from geo_service.analysis import profiles
from geo_service.exports.print_data import profile_lines
from geo_service.scope import resolve_scope
from tests.conftest import make_app
from tests.exports.print_flow import fetch_print

pytestmark = pytest.mark.real_data

SCENARIO, BS, AREA = "epcn-december-2019", "ccg-april-2019", "99J"


@pytest.fixture(scope="module")
def app(england_2019_db_url):
    app = make_app(england_2019_db_url)
    yield app
    app.extensions["geo_db"].close()


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pdf_text(resp) -> str:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(resp.data)).pages)


def test_area_print_shows_the_profile_and_its_sources(app, england_2019_db_url):
    conn = psycopg2.connect(england_2019_db_url)
    try:
        scope = resolve_scope(conn, SCENARIO, BS, area=AREA)
        prof = profiles.area_profile(conn, scope)
        lines = profile_lines(conn, scope, None)
    finally:
        conn.close()
    assert len(lines) == 4 and lines[-1].startswith("Sources: NHS Payments to General Practice")
    assert f"weighted {round(prof['weighted_patients']):,}" in lines[0]
    assert f"Deprivation {prof['deprivation']:.1f} (decile {prof['deprivation_decile']})" in lines[1]
    text = _squash(
        _pdf_text(
            fetch_print(
                app.test_client(), f"/api/v1/scenarios/{SCENARIO}/areas/{AREA}/print.pdf?boundary_set={BS}&paper=a4"
            )
        )
    )
    for line in lines[:3]:
        assert _squash(line) in text, line
    assert "nhs-payments-to-general-practice_2019-20.csv" in text
    assert "practice_imd2019_fingertips_93553.csv" in text


def test_network_print_shows_the_profile(app, england_2019_db_url):
    conn = psycopg2.connect(england_2019_db_url)
    try:
        found = profiles.network_profiles(conn, resolve_scope(conn, SCENARIO))
        code = next(p["code"] for p in found if p["weighted_patients"] and p["deprivation"] is not None)
        scope = resolve_scope(conn, SCENARIO, network=code)
        lines = profile_lines(conn, scope, None)
    finally:
        conn.close()
    assert lines
    text = _squash(
        _pdf_text(fetch_print(app.test_client(), f"/api/v1/scenarios/{SCENARIO}/networks/{code}/print.pdf?paper=a4"))
    )
    assert _squash(lines[1]) in text, lines[1]
    assert "gp-by-age_2020-04.csv" in text

"""Names in force on the scenario's date, one name per code on a page; closed is not orphaned in compare.

On the database a user really has (the demo and every bundle, both import orders).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

import pytest

from geo_service.analysis import service
from geo_service.db.repositories.commissioners import names_in_force
from tests.analysis.conftest import shared_checks
from tests.conftest import make_app, rolled_back_connection

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module", params=["old_to_new", "new_to_old"])
def url(request, all_bundles_db_url, all_bundles_reversed_db_url):
    return all_bundles_db_url if request.param == "old_to_new" else all_bundles_reversed_db_url


@pytest.fixture(scope="module")
def conn(url):
    with rolled_back_connection(url) as c:
        yield c


@pytest.fixture(scope="module")
def client(url):
    return make_app(url).test_client()


@pytest.mark.parametrize(
    ("code", "day", "name"),
    [
        ("01G", dt.date(2022, 4, 27), "NHS Salford CCG"),  # sub-ICB names began in July 2022
        ("01G", dt.date(2022, 8, 1), "NHS Greater Manchester ICB - 01G"),
        ("04Y", dt.date(2019, 12, 4), "NHS Cannock Chase CCG"),
        ("99J", dt.date(2019, 12, 4), "NHS West Kent CCG"),
        ("91Q", dt.date(2021, 3, 31), "NHS Kent and Medway CCG"),
    ],
)
def test_name_in_force_on_the_date(conn, code, day, name):
    assert names_in_force(conn, [code], day, "real") == {code: name}
    # The demo's names never answer for real codes, nor the other way round.
    assert names_in_force(conn, [code], day, "synthetic") == {}


NAMED = re.compile(r"((?:NHS|Nhs) [^<>()\"]{2,90}?) \(([0-9A-Z]{3,9})\)")


def _names_by_code(html: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for name, code in NAMED.findall(html):
        found[code].add(name.strip())
    return found


@pytest.mark.parametrize(
    ("path", "code", "name", "not_name"),
    [
        ("/maps/epcn-april-2022/networks/U00203", "01G", "NHS Salford CCG", "NHS Greater Manchester ICB - 01G"),
        (
            "/maps/epcn-december-2019/networks/U16318",
            "04Y",
            "NHS Cannock Chase CCG",
            "NHS Staffordshire and Stoke-on-Trent ICB - 04Y",
        ),
    ],
)
def test_network_page_names_each_code_once_as_on_its_date(client, path, code, name, not_name):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"{name} ({code})" in html
    assert not_name not in html
    for each, names in _names_by_code(html).items():
        assert len(names) == 1, (each, names)


def test_network_api_names_as_on_its_date(client):
    body = client.get("/api/v1/scenarios/epcn-april-2022/networks/U00203").get_json()
    text = repr(body)
    assert "NHS Salford CCG (01G)" in text and "Greater Manchester ICB - 01G" not in text


def test_compare_tells_closed_from_orphaned(url, conn):
    result = service.compare_scenarios(conn, "epcn-december-2019", "epcn-april-2022", None, None, "99J")
    orphans_2022 = {r["code"] for r in shared_checks(url, "epcn-april-2022")["items"]["orphaned_practices"]}
    closed = {m["code"]: m for m in result["practices_closed"]}
    orphaned = {m["code"] for m in result["practices_orphaned"]}
    for code in ("G82103", "G82732"):  # ABBEY COURT, WISH VALLEY SURGERY: no longer in the register
        assert code in closed, code
        assert closed[code]["change"] == "closed"
        assert closed[code]["to_status"] == "closed: not an open GP practice on 27 Apr 2022"
        assert code not in orphaned
    # An orphan of the comparison is an orphan of the second scenario; a closed practice never is.
    assert orphaned <= orphans_2022
    assert not set(closed) & orphans_2022
    for m in result["practices_moved"]:
        assert m["change"] in {"closed", "orphaned", "opened", "joined", "merged", "moved"}


def test_compare_page_says_closed(client):
    html = client.get("/maps/compare?a=epcn-december-2019&b=epcn-april-2022&area=99J").get_data(as_text=True)
    row = re.search(r'<tr data-practice="G82103">.*?</tr>', html, re.S)
    assert row is not None
    assert "closed: not an open GP practice on 27 Apr 2022" in row.group(0)

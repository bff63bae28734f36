"""The practice page shows the practice's profile in the scenario in view (issue 25), every figure with its source
file and year, against figures read from the raw files with the csv module (not the engine's SQL): the 2019/20
payments file (registered and weighted patients, contract, dispensing, rurality, the GP Extended Hours Access
payment), the Fingertips IMD 2019 file (score and England decile among practices) and the April 2020 age bands."""

from __future__ import annotations

import csv
import html as html_lib
import re

import pytest

from tests.conftest import make_app
from tests.oracle_raw import compute

pytestmark = pytest.mark.real_data

SCENARIO = "epcn-december-2019"
PAYMENTS = "payments/nhs-payments-to-general-practice_2019-20.csv"
IMD = "profiles/practice_imd2019_fingertips_93553.csv"
AGE = "profiles/gp-by-age_2020-04.csv"


def _rows(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _profile_rows(page: str) -> dict[str, tuple[str, str]]:
    table = re.search(r'<table class="nhsuk-table" id="practice-profile">(.*?)</table>', page, re.S)
    assert table, "no profile table on the practice page"
    return {
        key: (value, source)
        for key, value, source in re.findall(
            r'<tr data-figure="([a-z_0-9]+)"><th scope="row">[^<]*</th><td[^>]*>([^<]*)</td>'
            r'<td class="geo-profile-source"[^>]*>([^<]*)</td></tr>',
            table.group(1),
        )
    }


@pytest.fixture(scope="module")
def client(england_2019_db_url):
    app = make_app(england_2019_db_url)
    yield app.test_client()
    app.extensions["geo_db"].close()


def test_practice_page_profile_equals_the_raw_files(client, real_data):
    pay = {r["Practice Code"]: r for r in _rows(real_data / PAYMENTS)}
    imd = {r["AreaCode"]: float(r["Value"]) for r in _rows(real_data / IMD) if r["Year"] == "2019" and r["Value"]}
    age = {r["PRACTICE_CODE"]: r for r in _rows(real_data / AGE)}
    members = compute("2019-20", real_data)["members"]
    in_network = sorted({p for practices in members.values() for p in practices})
    # A network member in all three files that was paid for extended hours, and one that was not.
    stated = {
        "Contract Type": {"GMS", "PMS", "APMS"},
        "Dispensing Practice": {"YES", "NO"},
        "Practice Rurality": {"URBAN", "RURAL"},
    }
    paid = [
        p
        for p in in_network
        if p in pay and p in imd and p in age and all(pay[p][c].strip().upper() in ok for c, ok in stated.items())
    ]
    eha = "GP Extended Hours Access"
    chosen = [
        next(p for p in paid if float(pay[p][eha] or 0) > 0),
        next(p for p in paid if not float(pay[p][eha] or 0)),
    ]
    for code in chosen:
        res = client.get(f"/practices/{code}?scenario={SCENARIO}")
        assert res.status_code == 200, code
        page = html_lib.unescape(res.get_data(as_text=True))
        assert f'id="profile-heading" data-scenario="{SCENARIO}"' in page
        rows = _profile_rows(page)
        row = pay[code]
        reg = float(row["Number of Registered Patients (Last Known Figure)"])
        wtd = float(row["Number of Weighted Patients (Last Known Figure)"])
        payments = "NHS Payments to General Practice: nhs-payments-to-general-practice_2019-20.csv, 2019/20"
        assert rows["registered_patients"] == (f"{round(reg):,}", payments), code
        assert rows["weighted_patients"] == (f"{round(wtd):,}", payments), code
        assert rows["weighted_ratio"][0] == f"{wtd / reg:.3f}", code
        assert rows["deprivation"][0] == f"{imd[code]:.1f}", code
        assert "practice_imd2019_fingertips_93553.csv" in rows["deprivation"][1]
        higher = sum(1 for v in imd.values() if v > imd[code])
        assert rows["deprivation_decile"][0] == str(min(10, 1 + int(10 * higher / len(imd)))), code
        a = age[code]
        share = int(a["65OV"].split(".")[0]) / int(a["TOTAL"])
        assert rows["share_aged_65_plus"] == (f"{share * 100:.1f}%", rows["share_aged_65_plus"][1]), code
        assert rows["share_aged_65_plus"][1].endswith("gp-by-age_2020-04.csv, 2020-04-01")
        assert rows["contract_type"][0] == row["Contract Type"].strip().upper()
        assert rows["dispensing"][0] == {"YES": "Yes", "NO": "No"}[row["Dispensing Practice"].strip().upper()]
        assert rows["rurality"][0] == row["Practice Rurality"].strip().title()
        amount = float(row[eha] or 0)
        if amount:
            assert rows["extended_hours"][0] == f"Offered: paid £{amount:,.2f} under the DES in 2019/20", code
        else:
            assert rows["extended_hours"][0] == "Not offered: nothing paid under the DES in 2019/20", code
        assert rows["paid_pcn_code"][0] == (row["PCN Code"].strip().upper() or "none in 2019/20")
        # Network payments began in 2020/21: none in 2019/20, and the page says so, naming the network.
        assert rows["network_payments"][0].startswith("none paid to "), rows["network_payments"]
        assert rows["network_payments"][0].endswith("in 2019/20 (network payments began in 2020/21)")
        for key, (value, source) in rows.items():
            assert value and source and "None" not in value, (key, value, source)


def test_a_scenario_without_profile_files_says_so_in_a_sentence(demo_db_url):
    app = make_app(demo_db_url)
    try:
        page = app.test_client().get("/practices/Z00001?scenario=demo-as-registered").get_data(as_text=True)
    finally:
        app.extensions["geo_db"].close()
    assert 'id="practice-profile"' not in page
    assert re.search(r'id="practice-profile-none">No payments, deprivation or age-band file is loaded for', page)

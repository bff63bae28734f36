"""Network profiles on the 2019/20 scenario (issue 25), against figures worked out from the raw files with the csv
module: weighted population, patient-weighted IMD 2019 score, share aged 65+, and network payments per patient.
Memberships come from the raw-file oracle (tests/oracle_raw.py), which shares nothing with the engine."""

from __future__ import annotations

import csv

import psycopg2
import pytest

from geo_service.analysis import profiles
from geo_service.scope import resolve_scope
from tests.oracle_raw import compute

pytestmark = pytest.mark.real_data

SCENARIO = "epcn-december-2019"


def _rows(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _oracle(real_data) -> dict[str, dict]:
    pay = {
        r["Practice Code"]: r for r in _rows(real_data / "payments" / "nhs-payments-to-general-practice_2019-20.csv")
    }
    imd = {
        r["AreaCode"]: float(r["Value"])
        for r in _rows(real_data / "profiles" / "practice_imd2019_fingertips_93553.csv")
        if r["Year"] == "2019" and r["Value"]
    }
    age = {r["PRACTICE_CODE"]: r for r in _rows(real_data / "profiles" / "gp-by-age_2020-04.csv")}
    # Network payments: every PCN column but the code, name and the members' own participation payment, summed
    # over the rows paid under the network's code (2019/20 has none: the network payments start in 2020/21).
    network_cols = [
        c
        for c in next(iter(pay.values()))
        if c.startswith("PCN ") and c not in ("PCN Code", "PCN Name", "PCN Participation")
    ]
    paid_to_network: dict[str, float] = {}
    for r in pay.values():
        paid_to_network[r["PCN Code"]] = paid_to_network.get(r["PCN Code"], 0.0) + sum(
            float(r[c] or 0) for c in network_cols
        )
    out = {}
    for pcn, members in compute("2019-20", real_data)["members"].items():
        reg = [float(pay[p]["Number of Registered Patients (Last Known Figure)"]) for p in members if p in pay]
        wtd = [float(pay[p]["Number of Weighted Patients (Last Known Figure)"]) for p in members if p in pay]
        scored = [
            (imd[p], float(pay[p]["Number of Registered Patients (Last Known Figure)"]))
            for p in members
            if p in pay and p in imd
        ]
        aged = [(int(age[p]["65OV"].split(".")[0]), int(age[p]["TOTAL"])) for p in members if p in age]
        out[pcn] = {
            "registered": sum(reg) if reg else None,
            "weighted": sum(wtd) if wtd else None,
            "deprivation": sum(s * n for s, n in scored) / sum(n for _, n in scored) if scored else None,
            "share_65": sum(a for a, _ in aged) / sum(t for _, t in aged) if aged else None,
            "network_payments": paid_to_network.get(pcn, 0.0),
        }
    return out


@pytest.fixture(scope="module")
def engine_profiles(england_2019_db_url):
    conn = psycopg2.connect(england_2019_db_url)
    try:
        scope = resolve_scope(conn, SCENARIO)
        return {p["code"]: p for p in profiles.network_profiles(conn, scope)}, profiles.sources(scope)
    finally:
        conn.close()


def test_profiles_equal_the_raw_files(engine_profiles, real_data):
    found, src = engine_profiles
    oracle = _oracle(real_data)
    assert src["payments"]["file"] == "nhs-payments-to-general-practice_2019-20.csv"
    assert "2019/20" in src["payments"]["line"]
    assert src["deprivation"]["file"] == "practice_imd2019_fingertips_93553.csv"
    assert src["age_bands"]["date"] == "2020-04-01"
    checked = 0
    for code, o in oracle.items():
        p = found[code]
        for key, okey, tol in (
            ("registered_patients", "registered", 0.01),
            ("weighted_patients", "weighted", 0.01),
            ("deprivation", "deprivation", 0.006),
            ("share_aged_65_plus", "share_65", 6e-5),
        ):
            if o[okey] is None:
                assert p[key] is None, (code, key)
            else:
                assert p[key] == pytest.approx(o[okey], abs=tol), (code, key)
        assert p["network_payments"] == pytest.approx(o["network_payments"], abs=0.01), code
        if o["registered"]:
            assert p["weighted_ratio"] == pytest.approx(o["weighted"] / o["registered"], abs=6e-5), code
        checked += 1
    assert checked > 1200
    # Deciles: ten tenths of the networks with a score, the most deprived first.
    scored = sorted((p for p in found.values() if p["deprivation"] is not None), key=lambda p: -p["deprivation"])
    assert scored[0]["deprivation_decile"] == 1 and scored[-1]["deprivation_decile"] == 10


def test_payments_per_patient_2020_21(england_2020_db_url, real_data):
    """2020/21 is the first year of network payments: per network, the sum paid under its code per registered
    and weighted patient of its members."""
    pay = _rows(real_data / "payments" / "nhs-payments-to-general-practice_2020-21.csv")
    cols = [c for c in pay[0] if c.startswith("PCN ") and c not in ("PCN Code", "PCN Name", "PCN Participation")]
    assert "PCN Workforce" in cols
    by_pcn: dict[str, float] = {}
    for r in pay:
        by_pcn[r["PCN Code"]] = by_pcn.get(r["PCN Code"], 0.0) + sum(float(r[c] or 0) for c in cols)
    conn = psycopg2.connect(england_2020_db_url)
    try:
        scope = resolve_scope(conn, "qof-pcn-mapping-2020-21")
        found = {p["code"]: p for p in profiles.network_profiles(conn, scope)}
    finally:
        conn.close()
    compared = 0
    for code, p in found.items():
        assert p["network_payments"] == pytest.approx(by_pcn.get(code, 0.0), abs=0.01), code
        if p["registered_patients"]:
            assert p["payments_per_registered"] == pytest.approx(
                p["network_payments"] / p["registered_patients"], abs=0.006
            )
            compared += 1
    assert compared > 1000
    assert sum(1 for p in found.values() if p["network_payments"] > 0) > 900  # 936 of the QOF networks

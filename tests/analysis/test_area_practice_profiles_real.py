"""Area and practice profiles (issue 25) on the 2019/20 scenario, against figures worked out from the raw files with
the csv module and geopandas: which practices are in the area (commissioner by the file nearest the date, or located
inside the area's polygon: tests/oracle_raw.py, which shares nothing with the engine), their weighted population from
the payments file and their patient-weighted IMD 2019 score from the Fingertips file. And the figures a year lacks
("not judged"): no network payments in 2019/20, and no profile files at all for the synthetic demo."""

from __future__ import annotations

import csv
from functools import cache

import geopandas as gpd
import psycopg2
import pytest

from geo_service.analysis import profiles
from geo_service.maps import colour_by
from geo_service.scope import resolve_scope
from tests.oracle_raw import _commissioners, _current_memberships, _norm_postcode, compute, load_raw

SCENARIO, BS, AREA = "epcn-december-2019", "ccg-april-2019", "99J"
PAYMENTS = "payments/nhs-payments-to-general-practice_2019-20.csv"
IMD = "profiles/practice_imd2019_fingertips_93553.csv"


@cache
def _rows(path) -> tuple[dict, ...]:
    """The rows of a CSV file, read once per process (shared: do not modify)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return tuple(csv.DictReader(fh))


def _area_practices(real_data, area: str) -> set[str]:
    """In-scope practices whose commissioner (by the file nearest the date) is the area, or located inside it."""
    raw = load_raw("2019-20", real_data)
    result = compute("2019-20", real_data)
    in_scope = result["in_scope_practices"]
    current = _current_memberships(raw["core_partners"], result["as_of"], True, False)
    comm = _commissioners(raw, current)
    by_commissioner = {p for p in in_scope if comm.get(p) == area}
    reg = raw["register"]
    keys = dict(zip(reg["organisation_code"], _norm_postcode(reg["postcode"]), strict=True))
    pts = raw["postcodes"]
    located = [(p, pts.loc[keys[p]]) for p in in_scope if keys.get(p) in pts.index]
    points = gpd.GeoDataFrame(
        {"practice": [p for p, _ in located]},
        geometry=gpd.points_from_xy([r["longitude"] for _, r in located], [r["latitude"] for _, r in located]),
        crs=4326,
    )
    polygon = raw["boundaries"][raw["boundaries"]["area_code"] == area]
    inside = set(gpd.sjoin(points, polygon, how="inner", predicate="within")["practice"])
    return by_commissioner | inside


@pytest.mark.real_data
def test_area_profile_equals_the_raw_files(conn_2019, real_data):
    practices = _area_practices(real_data, AREA)
    assert len(practices) > 40
    pay = {r["Practice Code"]: r for r in _rows(real_data / PAYMENTS)}
    imd = {r["AreaCode"]: float(r["Value"]) for r in _rows(real_data / IMD) if r["Year"] == "2019" and r["Value"]}
    reg = {p: float(pay[p]["Number of Registered Patients (Last Known Figure)"]) for p in practices if p in pay}
    wtd = sum(float(pay[p]["Number of Weighted Patients (Last Known Figure)"]) for p in practices if p in pay)
    scored = [(imd[p], reg[p]) for p in practices if p in reg and p in imd]
    deprivation = sum(s * n for s, n in scored) / sum(n for _, n in scored)
    # England decile among practices: the share of practices scoring higher, in tenths (1 = most deprived).
    higher = sum(1 for v in imd.values() if v > round(deprivation, 2))
    decile = min(10, 1 + int(10 * higher / len(imd)))

    conn = conn_2019
    scope = resolve_scope(conn, SCENARIO, area=AREA, boundary_set=BS)
    found = profiles.area_profile(conn, scope)
    assert found["practices"] == len(practices)
    assert found["registered_patients"] == pytest.approx(sum(reg.values()), abs=0.01)
    assert found["weighted_patients"] == pytest.approx(wtd, abs=0.01)
    assert found["weighted_ratio"] == pytest.approx(wtd / sum(reg.values()), abs=1e-6)
    assert found["deprivation"] == pytest.approx(deprivation, abs=0.006)
    assert found["deprivation_decile"] == decile
    by = {f["key"]: f for f in found["figures"]}
    assert by["weighted_patients"]["value"] == f"{round(wtd):,}"
    assert by["weighted_patients"]["source"].endswith("nhs-payments-to-general-practice_2019-20.csv, 2019/20")
    assert "practice_imd2019_fingertips_93553.csv" in by["deprivation"]["source"]
    # 2019/20 paid nothing to networks (the network payments began in 2020/21): not judged, and said so.
    assert found["payments_per_registered"] is None
    assert by["payments_per_registered"]["value"] == "none paid to networks that year"


@pytest.mark.real_data
def test_practice_profile_equals_the_raw_files(conn_2019, real_data):
    pay = {r["Practice Code"]: r for r in _rows(real_data / PAYMENTS)}
    imd = {r["AreaCode"]: float(r["Value"]) for r in _rows(real_data / IMD) if r["Year"] == "2019" and r["Value"]}
    age = {r["PRACTICE_CODE"]: r for r in _rows(real_data / "profiles" / "gp-by-age_2020-04.csv")}
    members = compute("2019-20", real_data)["members"]
    code = next(sorted(m)[0] for m in members.values() if sorted(m)[0] in pay and sorted(m)[0] in imd)
    conn = conn_2019
    found = profiles.practice_profile(conn, resolve_scope(conn, SCENARIO), code)
    assert profiles.practice_profile(conn, resolve_scope(conn, SCENARIO), "ZZZZZZ") is None
    row = pay[code]
    assert found["code"] == code
    assert found["registered_patients"] == pytest.approx(
        float(row["Number of Registered Patients (Last Known Figure)"])
    )
    assert found["weighted_patients"] == pytest.approx(float(row["Number of Weighted Patients (Last Known Figure)"]))
    assert found["deprivation"] == pytest.approx(imd[code], abs=0.006)
    if code in age:
        a = age[code]
        assert found["share_aged_65_plus"] == pytest.approx(int(a["65OV"].split(".")[0]) / int(a["TOTAL"]))
    eh_cols = [c for c in row if "extended hours" in c.lower() and "pcn" not in c.lower()]
    assert eh_cols, list(row)
    assert found["extended_hours_paid"] == (sum(float(row[c] or 0) for c in eh_cols) > 0)
    assert found["sources"]["payments"]["file"] == "nhs-payments-to-general-practice_2019-20.csv"
    assert {f["key"] for f in found["figures"]} >= {"weighted_patients", "deprivation", "share_aged_65_plus"}


def test_a_scenario_without_profile_files_says_not_judged(demo_db_url):
    """The synthetic demo loads no payments, deprivation or age-band file: every colour-by measure has no classes
    and says why, and every figure of an area's profile says no file is loaded."""
    conn = psycopg2.connect(demo_db_url)
    try:
        scope = resolve_scope(conn, "demo-as-registered")
        area = next(iter(_areas(conn, scope)))
        scope = resolve_scope(conn, "demo-as-registered", area=area)
        nets, pracs = [], []
        choice = colour_by.decorate(conn, scope, nets, pracs)
        prof = profiles.area_profile(conn, scope)
    finally:
        conn.close()
    for m in choice["measures"]:
        assert m["classes"] == [] and m["no_data_reason"].startswith("No file of this kind"), m
    assert {f["value"] for f in prof["figures"]} == {"not known (no file loaded)"}


def _areas(conn, scope):
    with conn.cursor() as cur:
        cur.execute(
            "SELECT coalesce(ods_code, gss_code) FROM areas WHERE boundary_set_id = %s ORDER BY 1 LIMIT 1",
            (scope.boundary_set["id"],),
        )
        return [r[0] for r in cur.fetchall()]


@pytest.mark.real_data
def test_payments_measure_not_judged_in_2019_20(conn_2019):
    conn = conn_2019
    scope = resolve_scope(conn, SCENARIO, area=AREA, boundary_set=BS)
    choice = colour_by.decorate(conn, scope, [], [])
    by = {m["key"]: m for m in choice["measures"]}
    assert by["payments_per_registered"]["classes"] == []
    assert "2020/21" in by["payments_per_registered"]["no_data_reason"]
    dep = by["deprivation"]
    assert [c["colour"] for c in dep["classes"]] == colour_by.VIRIDIS_5
    assert dep["classes"][0]["label"] == "under 10" and dep["classes"][-1]["label"] == "30 and over"
    assert "practice_imd2019_fingertips_93553.csv, " in dep["source"] and dep["source_date"]


@pytest.mark.real_data
def test_overview_areas_carry_the_same_figures_as_the_area_profile(conn_2019):
    """The overview colours every area by the figures its own profile states (one statement for all areas)."""
    conn = conn_2019
    every = {r["code"]: r for r in profiles.area_profile_rows(conn, resolve_scope(conn, SCENARIO, BS))}
    one = profiles.area_profile(conn, resolve_scope(conn, SCENARIO, BS, area=AREA))
    assert len(every) == 191
    row = every[AREA]
    assert row["practices"] == one["practices"]
    for key in ("weighted_patients", "registered_patients", "weighted_ratio", "deprivation", "share_aged_65_plus"):
        assert row[key] == pytest.approx(one[key], abs=0.006), key

"""Acceptance 2: on real England 2019/20 data the engine agrees with an independent pandas/geopandas
calculation from the raw files, for orphaned practices, administrative (and member-location
geographic) cross-boundary networks and the size bands: exact sets, not only counts."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd
import psycopg2
import pytest

from geo_service.analysis import service

pytestmark = pytest.mark.real_data

SCENARIO_NAME = "ePCN December 2019"


def _norm(pc: pd.Series) -> pd.Series:
    return pc.fillna("").str.replace(" ", "", regex=False).str.upper()


@pytest.fixture(scope="module")
def raw(real_data):
    """The raw files, read with pandas/geopandas only (no project code)."""
    register = pd.read_csv(real_data / "practices" / "epraccur_2019-12.csv.gz", dtype=str)
    gp = register[register["prescribing_setting"].str.strip() == "4"].copy()
    partners = pd.read_csv(real_data / "practices" / "epcn_2019-12_core_partner_details.csv", dtype=str)
    details = pd.read_csv(real_data / "practices" / "epcn_2019-12_pcn_details.csv", dtype=str)
    today = date.today().strftime("%Y%m%d")
    end = partners["practice_to_pcn_relationship_end_date"].fillna("")
    current = partners[(end == "") | (end.str.replace("-", "") >= today)].copy()
    sizes = pd.read_csv(real_data / "practices" / "gp-reg-pat-prac-all_2021-01.csv", dtype={"CODE": str})
    sizes = sizes[(sizes["SEX"] == "ALL") & (sizes["AGE"] == "ALL")].set_index("CODE")["NUMBER_OF_PATIENTS"]
    centroids = pd.read_csv(real_data / "postcodes" / "practice_postcode_centroids.csv", dtype={"postcode": str})
    ccg = gpd.read_file(real_data / "boundaries" / "ccg_2019_apr_oa_dissolved_en.geojson")
    return {"gp": gp, "current": current, "details": details, "sizes": sizes, "centroids": centroids, "ccg": ccg}


@pytest.fixture(scope="module")
def engine(england_2019_db_url):
    conn = psycopg2.connect(england_2019_db_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT slug FROM scenarios WHERE name = %(n)s", {"n": SCENARIO_NAME})
            (slug,) = cur.fetchone()
            cur.execute("SELECT slug FROM boundary_sets WHERE vintage = '2019-04' AND level = 'ccg'")
            (bs,) = cur.fetchone()
        result = service.run_checks(conn, slug, bs)
        summary = service.run_checks(conn, slug, bs, detail="summary")
    finally:
        conn.close()
    return result, summary


def test_orphaned_practices(raw, engine):
    result, summary = engine
    active = raw["gp"][raw["gp"]["status_code"] == "A"]
    expected = set(active["organisation_code"]) - set(raw["current"]["partner_organisation_code"])
    assert len(expected) == 118  # as SOURCES.md measured
    assert service.finding_sets(result)["orphaned_practices"] == expected
    assert summary["summary"]["orphaned_practices"] == 118


def test_administrative_cross_boundary(raw, engine):
    result, _ = engine
    comm = raw["gp"].set_index("organisation_code")["commissioner"].str.strip()
    members = raw["current"].copy()
    # A practice's commissioner is the register's; partners missing from the register keep ePCN's.
    members["commissioner"] = members["partner_organisation_code"].map(comm).fillna(members["practice_parent_ccg_code"])
    lead = raw["details"].set_index("pcn_code")["current_clinical_commissioning_group_code"]
    members["lead"] = members["pcn_code"].map(lead)
    n_comm = members.groupby("pcn_code")["commissioner"].nunique()
    differs = members[members["commissioner"] != members["lead"]].groupby("pcn_code").size()
    expected = set(n_comm.index[n_comm > 1]) | set(differs.index)
    # ePCN's own match flag marks the same networks (30 rows in 20 PCNs).
    flagged = set(raw["current"].loc[raw["current"]["practice_ccg_and_pcn_ccg_match"] == "False", "pcn_code"])
    assert expected == flagged and len(expected) == 20
    assert service.finding_sets(result)["cross_boundary_administrative"] == expected
    by_code = {r["code"]: r for r in result["items"]["cross_boundary_networks"] if r["kind"] == "administrative"}
    assert {"G82063", "G82138"} <= {m["code"] for r in by_code.values() for m in r["members"]}


def _populations(raw) -> pd.Series:
    members = raw["current"].copy()
    members["list_size"] = members["partner_organisation_code"].map(raw["sizes"])
    return members.groupby("pcn_code")["list_size"].sum(min_count=0).fillna(0)


def test_size_bands(raw, engine):
    result, summary = engine
    population = _populations(raw)
    sets = service.finding_sets(result)
    assert sets["undersized_networks"] == set(population.index[population < 30_000])
    assert sets["oversized_networks"] == set(population.index[population > 50_000])
    engine_pop = {r["code"]: r["population"] for r in result["items"]["size_band"]}
    assert all(engine_pop[c] == int(population[c]) for c in engine_pop)
    # Members without a list size are reported, never silently zero.
    members = raw["current"]
    unknown = set(members.loc[~members["partner_organisation_code"].isin(raw["sizes"].index), "pcn_code"])
    assert sets["networks_with_unknown_list_sizes"] == unknown
    assert summary["summary"]["undersized_networks"] == len(sets["undersized_networks"])


def test_geographic_cross_boundary_by_member_location(raw, engine):
    """Members located (postcode centroid) in more than one CCG polygon, by a geopandas spatial join."""
    result, _ = engine
    gp = raw["gp"][["organisation_code", "postcode"]].copy()
    gp["pc"] = _norm(gp["postcode"])
    cents = raw["centroids"].assign(pc=lambda d: _norm(d["postcode"]))[["pc", "longitude", "latitude"]]
    located = gp.merge(cents, on="pc", how="inner")
    points = gpd.GeoDataFrame(
        located, geometry=gpd.points_from_xy(located["longitude"], located["latitude"]), crs="EPSG:4326"
    )
    joined = gpd.sjoin(points, raw["ccg"][["CCG19CDH", "geometry"]], predicate="intersects", how="inner")
    area_of = joined.sort_values("CCG19CDH").drop_duplicates("organisation_code").set_index("organisation_code")
    members = raw["current"].copy()
    members["area"] = members["partner_organisation_code"].map(area_of["CCG19CDH"])
    n_areas = members.dropna(subset=["area"]).groupby("pcn_code")["area"].nunique()
    expected = set(n_areas.index[n_areas > 1])
    found = {
        r["code"]
        for r in result["items"]["cross_boundary_networks"]
        if r["kind"] == "geographic" and r["members_in_several_areas"]
    }
    assert found == expected

"""Exports and prints of the real England scenarios, in ONE database that also holds the demo and the other
bundle: each export must show exactly its own scope (its register, list-size and postcode extracts, its
boundary set, memberships current on its date) and nothing of another dataset. Expected values come from the
independent oracle over the raw files (``tests/oracle_raw.py``) and from the rule engine
(``analysis.service.findings_in``)."""

from __future__ import annotations

import sqlite3
import subprocess

import pandas as pd
import pyogrio
import pytest
from pypdf import PdfReader
from shapely.geometry import Point

from geo_service.analysis import service as analysis
from geo_service.analysis.findings import NETWORK_FINDINGS, PRACTICE_FINDINGS
from geo_service.crs import to_bng
from geo_service.demo.generator import REGISTERED
from geo_service.errors import InvalidParameter
from geo_service.exports import service
from geo_service.scope import resolve_scope
from tests.oracle_raw import compute, load_raw

pytestmark = pytest.mark.real_data

DEC_2019 = "epcn-december-2019"
APR_2022 = "epcn-april-2022"
LINE_2019 = "as of 4 Dec 2019 · register Dec 2019 · list sizes Jan 2021 · locations Oct 2020 · boundaries Apr 2019"


def _true(df: pd.DataFrame, keys) -> dict[str, set[str]]:
    """Index code → finding keys whose column is true."""
    out: dict[str, set[str]] = {}
    for key in keys:
        for code in df.index[df[key].fillna(False).astype(bool)]:
            out.setdefault(code, set()).add(key)
    return out


@pytest.fixture(scope="module")
def gpkg_2019(mixed_db, tmp_path_factory):
    """The GeoPackage of ePCN December 2019 (default boundary set, EPSG:27700) and its scope."""
    out = tmp_path_factory.mktemp("england") / "epcn-2019.gpkg"
    with mixed_db.connection() as conn:
        result = service.export_vector(conn, DEC_2019, "gpkg", crs="27700")
        scope = resolve_scope(conn, DEC_2019)
        found = analysis.findings_in(conn, scope)
    assert result.data_line == LINE_2019
    return str(result.move_to(out)), scope, found


@pytest.fixture(scope="module")
def oracle_2019(real_data):
    return compute("2019-20", real_data), load_raw("2019-20", real_data)


def test_default_scope_is_the_scenarios_own(gpkg_2019):
    _path, scope, _found = gpkg_2019
    assert scope.boundary_set["slug"] == "ccg-april-2019" and scope.dataset == "real"
    assert scope.data_line() == LINE_2019


def test_practices_are_exactly_those_of_the_2019_register_in_scope(gpkg_2019, oracle_2019):
    path, _scope, _found = gpkg_2019
    oracle, raw = oracle_2019
    practices = pyogrio.read_dataframe(path, layer="practices").set_index("ods_code")
    members = set().union(*oracle["members"].values())
    assert set(practices.index) == oracle["in_scope_practices"] | members
    assert not any(code.startswith("Z0") for code in practices.index)  # no demo practice
    register = raw["register"]
    welsh = set(register.loc[register["national_grouping"].str.upper().str.startswith("W"), "organisation_code"])
    assert welsh, "the 2019 register lists Welsh organisations"
    assert not (set(practices.index) & welsh) - members  # a Welsh practice appears only as a member
    assert not practices.loc[practices.index.isin(welsh), "orphaned"].any()  # and never as an orphan
    assert set(practices.index[practices["orphaned"]]) == oracle["orphaned_practices"]
    assert len(oracle["orphaned_practices"]) == 118
    # Names from the December 2019 register (not the March 2022 one loaded beside it).
    names = raw["register"].set_index("organisation_code")["name"]
    in_register = practices[practices["in_register"]]
    assert (in_register["name"] == names.reindex(in_register.index)).all()


def test_list_sizes_are_those_of_the_january_2021_file(gpkg_2019, oracle_2019):
    path, _scope, _found = gpkg_2019
    oracle, raw = oracle_2019
    practices = pyogrio.read_dataframe(path, layer="practices").set_index("ods_code")
    sizes = raw["list_sizes"]
    want = pd.Series([sizes.get(code) for code in practices.index], index=practices.index, dtype="Int64")
    got = practices["list_size"].astype("Int64")
    assert ((got == want) | (got.isna() & want.isna())).all()
    assert set(practices["list_size_date"].dropna()) == {"2021-01-01"}
    networks = pyogrio.read_dataframe(path, layer="networks").set_index("code")
    assert set(networks.index) == oracle["networks"]
    populations = {code: oracle["populations"].get(code, 0) for code in networks.index}
    assert networks["population"].fillna(0).astype(int).to_dict() == populations
    assert networks["member_count"].to_dict() == {c: len(oracle["members"].get(c, ())) for c in networks.index}


def test_findings_columns_equal_the_engine(gpkg_2019):
    path, _scope, (net_found, prac_found) = gpkg_2019
    practices = pyogrio.read_dataframe(path, layer="practices").set_index("ods_code")
    networks = pyogrio.read_dataframe(path, layer="networks").set_index("code")
    assert {*PRACTICE_FINDINGS, "findings"} <= set(practices.columns)
    assert {*NETWORK_FINDINGS, "findings"} <= set(networks.columns)
    assert _true(practices, PRACTICE_FINDINGS) == {c: set(k) for c, k in prac_found.items()}
    assert _true(networks, NETWORK_FINDINGS) == {c: set(k) for c, k in net_found.items()}
    assert int(networks["cross_boundary_administrative"].sum()) == 20
    assert int(networks["cross_boundary_member_location"].sum()) == 75
    assert int(networks["undersized"].sum()) == 86 and int(networks["oversized"].sum()) == 434


def test_layers_counts_locations_and_metadata(gpkg_2019, oracle_2019, mixed_db_url):
    path, scope, _found = gpkg_2019
    oracle, raw = oracle_2019
    assert pyogrio.read_info(path, layer="areas")["features"] == 191
    current_pairs = sum(len(m) for m in oracle["members"].values())
    assert pyogrio.read_info(path, layer="memberships")["features"] == current_pairs
    for layer in ("practices", "networks", "areas"):
        assert pyogrio.read_info(path, layer=layer)["crs"] == "EPSG:27700"
    areas = pyogrio.read_dataframe(path, layer="areas")
    assert set(areas["boundary_set"]) == {"ccg-april-2019"}
    with sqlite3.connect(path) as db:
        descriptions = [d for (d,) in db.execute("SELECT description FROM gpkg_contents")]
    assert len(descriptions) == 4 and all(d.endswith(LINE_2019) for d in descriptions)
    assert pyogrio.read_info(path, layer="networks")["layer_metadata"]["DATA_SCOPE"] == LINE_2019

    # A located practice sits on its postcode centroid.
    practices = pyogrio.read_dataframe(path, layer="practices").set_index("ods_code")
    code = sorted(oracle["in_scope_practices"])[0]
    postcode = raw["register"].set_index("organisation_code").loc[code, "postcode"].replace(" ", "").upper()
    lon, lat = raw["postcodes"].loc[postcode, ["longitude", "latitude"]]
    assert practices.geometry[code].distance(Point(*to_bng(lon, lat))) < 1.0

    text = subprocess.run(["ogrinfo", "-so", "-ro", path, "networks"], capture_output=True, text=True).stdout
    if text:
        assert f"Feature Count: {len(oracle['networks'])}" in text


def test_2022_export_keeps_welsh_practices_out_of_scope(mixed_db, real_data, tmp_path):
    oracle = compute("2021-22", real_data)
    with mixed_db.connection() as conn:
        result = service.export_vector(conn, APR_2022, "gpkg", layer="practices,networks")
        scope = resolve_scope(conn, APR_2022)
    out = str(result.move_to(tmp_path / "epcn-2022.gpkg"))
    assert scope.boundary_set["slug"] == "ccg-april-2021"
    practices = pyogrio.read_dataframe(out, layer="practices").set_index("ods_code")
    members = set().union(*oracle["members"].values())
    assert set(practices.index) == oracle["in_scope_practices"] | members
    assert set(practices.index[practices["orphaned"]]) == oracle["orphaned_practices"]
    assert len(oracle["orphaned_practices"]) == 109
    welsh = oracle["out_of_scope_practices"]
    assert len(welsh) == 405
    assert not (set(practices.index) & welsh) - members  # a Welsh practice appears only as a member
    assert not practices.loc[practices["nation"] == "wales", "orphaned"].any()
    assert set(practices["list_size_date"].dropna()) == {"2022-04-01"}
    networks = pyogrio.read_dataframe(out, layer="networks")
    assert int(networks["empty"].sum()) == 59


def test_datasets_never_mix(mixed_db, demo_data, tmp_path):
    with mixed_db.connection() as conn:
        demo = service.export_vector(conn, REGISTERED, "gpkg").move_to(tmp_path / "demo.gpkg")
        real = service.export_vector(conn, DEC_2019, "gpkg", layer="practices,areas,memberships")
        real = real.move_to(tmp_path / "real.gpkg")
        with pytest.raises(InvalidParameter) as err:
            service.export_vector(conn, DEC_2019, "gpkg", boundary_set="demo-ccg")
        assert err.value.parameter == "boundary_set"
        with pytest.raises(InvalidParameter):
            service.print_map(conn, REGISTERED, "area", "00C", "png", boundary_set="ccg-april-2019")
    demo_codes = {p.ods_code for p in demo_data.practices}
    got = set(pyogrio.read_dataframe(str(demo), layer="practices")["ods_code"])
    assert got == {p.ods_code for p in demo_data.practices if p.status == "active"}
    assert set(pyogrio.read_dataframe(str(demo), layer="areas")["ods_code"]) == {a.ods_code for a in demo_data.areas}
    demo_networks = {n.code for n in demo_data.scenarios[REGISTERED]["networks"]}
    assert set(pyogrio.read_dataframe(str(demo), layer="networks")["code"]) == demo_networks
    assert not demo_codes & set(pyogrio.read_dataframe(str(real), layer="practices")["ods_code"])
    assert not demo_codes & set(pyogrio.read_dataframe(str(real), layer="memberships")["practice_code"])
    assert not {a.ods_code for a in demo_data.areas} & set(pyogrio.read_dataframe(str(real), layer="areas")["ods_code"])


def test_area_export_shows_cross_boundary_members_with_their_findings(mixed_db, gpkg_2019, tmp_path):
    """An area export keeps a cross-boundary network whole: its members outside the area come along, with
    the findings they carry in the whole scenario."""
    path, _scope, (net_found, prac_found) = gpkg_2019
    whole = pyogrio.read_dataframe(path, layer="networks").set_index("code")
    crossing = whole[whole["cross_boundary_administrative"]].sort_index()
    code, lead = crossing.index[0], crossing["lead_commissioner_code"].iloc[0]
    with mixed_db.connection() as conn:
        out = service.export_vector(conn, DEC_2019, "gpkg", area=lead).move_to(tmp_path / "area.gpkg")
    networks = pyogrio.read_dataframe(str(out), layer="networks").set_index("code")
    assert code in networks.index
    practices = pyogrio.read_dataframe(str(out), layer="practices").set_index("ods_code")
    members = pyogrio.read_dataframe(str(out), layer="memberships")
    own = set(members.loc[members["network_code"] == code, "practice_code"])
    assert own <= set(practices.index)
    assert (practices.loc[list(own), "commissioner_code"] != lead).any()  # some member is commissioned elsewhere
    assert _true(practices, PRACTICE_FINDINGS) == {c: set(k) for c, k in prac_found.items() if c in practices.index}
    assert set(pyogrio.read_dataframe(str(out), layer="areas")["ods_code"]) == {lead}


def test_print_shows_the_data_line(mixed_db):
    with mixed_db.connection() as conn:
        result = service.print_map(conn, DEC_2019, "area", "00C", "pdf")
    try:
        reader = PdfReader(result.path)
        flat = " ".join(reader.pages[0].extract_text().split())
        assert f"Data: {LINE_2019}" in flat
        assert reader.metadata["/Subject"] == LINE_2019
        assert "NHS Darlington CCG (00C)" in flat
    finally:
        result.cleanup()

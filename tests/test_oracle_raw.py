"""The raw-file oracle (tests/oracle_raw.py) reproduces figures known independently of the service.

Pure pandas/geopandas; needs only ../shared/data/real, no database. Where the oracle, which
follows the written rules, differs from an earlier hand count, the test pins both figures and
the networks or practices that make the difference, so the reason stays on record:

* 2019-20, administrative cross-boundary: 19 networks have members with more than one commissioner.
  The written rule also counts a network whose members all share one commissioner that is not the
  lead commissioner. U97695 South Worcestershire Malvern Town PCN is such a network: all 4
  members are 05T, the lead is 05J. That gives 20, the same 20 as the ePCN file's own flag.
* 2021-22, the hand count left out members that are not active English GP practices. That
  leaves out U22471 (member Y01057, prescribing setting 8, commissioner D2P2L, lead 15E) from
  the administrative set, 11 -> 10. It moves U64595 (only current member P84616, dormant,
  no list size, population 0) from undersized to empty, 97 -> 96.
* 2021-22 "ignoring dates": 110 orphaned and 97 undersized come from treating a row as current
  when it has no end date (start ignored). Taking every row regardless of dates gives 76 and 91.
"""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

import pandas as pd
import pytest

from tests.oracle_raw import _compute_cached, compute

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def root() -> Path:
    if not REAL.is_dir():
        pytest.skip(f"real data not found at {REAL} (needs ../shared/data/real next to the project)")
    return REAL


def _counts(r: dict) -> dict:
    return {k: len(v) for k, v in r.items() if isinstance(v, (set, dict))}


# ------------------------------------------------------------------------------------- 2019-20


def test_2019_known_figures(root):
    r = compute("2019-20", root)
    assert r["as_of"] == dt.date(2019, 12, 4)
    assert len(r["networks"]) == 1250
    assert len(r["orphaned_practices"]) == 118
    assert r["out_of_scope_practices"] == set()
    # Hand count "by member commissioner": members disagree among themselves.
    assert len(r["cross_boundary_member_commissioners"]) == 19
    # The written rule (disagree, or differ from the lead) adds exactly one network.
    assert len(r["cross_boundary_administrative"]) == 20
    assert r["cross_boundary_administrative"] - r["cross_boundary_member_commissioners"] == {"U97695"}
    assert r["members"]["U97695"] == {"M81039", "M81075", "M81081", "M81629"}
    assert len(r["cross_boundary_member_location"]) == 75


def test_2019_flag_from_file_gives_20(root):
    """The ePCN flag, read straight from the CSV here (not through the oracle)."""
    cp = pd.read_csv(root / "practices/epcn_2019-12_core_partner_details.csv", dtype=str, keep_default_na=False)
    start, end = cp["practice_to_pcn_relationship_start_date"], cp["practice_to_pcn_relationship_end_date"]
    current = cp[((start == "") | (start <= "20191204")) & ((end == "") | (end >= "20191204"))]
    flagged = set(current.loc[current["practice_ccg_and_pcn_ccg_match"] == "False", "pcn_code"])
    assert len(flagged) == 20
    assert "U97695" in flagged  # its 4 rows say practice CCG 05T, PCN CCG 05J
    r = compute("2019-20", root)
    assert flagged == r["cross_boundary_flag"] == r["cross_boundary_administrative"]


def test_2019_pinned_figures(root):
    r = compute("2019-20", root)
    assert len(r["empty_networks"]) == 0
    assert len(r["populations"]) == 1250
    assert len(r["undersized_networks"]) == 86
    assert len(r["oversized_networks"]) == 434
    assert r["median_population"] == 44168.0
    # Every membership row of 2019-12 is dated 2019-10-01..2019-12-01 with no end: dates change nothing.
    assert _counts(compute("2019-20", root, respect_dates=False)) == _counts(r)


# ------------------------------------------------------------------------------------- 2021-22


def test_2022_known_figures(root):
    r = compute("2021-22", root)
    assert r["as_of"] == dt.date(2022, 4, 27)
    assert len(r["networks"]) == 1318
    assert len(r["orphaned_practices"]) == 109
    assert len(r["out_of_scope_practices"]) == 405
    assert len(r["in_scope_practices"]) == 6539

    # Hand-count figures: members limited to active English GP practices.
    a = compute("2021-22", root, active_members_only=True)
    assert len(a["orphaned_practices"]) == 109
    assert len(a["cross_boundary_administrative"]) == 10
    assert len(a["undersized_networks"]) == 96

    # Written rule (every practice with a current row is a member): one more of each, and why.
    assert len(r["cross_boundary_administrative"]) == 11
    assert r["cross_boundary_administrative"] - a["cross_boundary_administrative"] == {"U22471"}
    assert "Y01057" in r["members"]["U22471"] and "Y01057" not in a["members"]["U22471"]
    assert len(r["undersized_networks"]) == 97
    assert r["undersized_networks"] - a["undersized_networks"] == {"U64595"}
    assert r["members"]["U64595"] == {"P84616"} and r["populations"]["U64595"] == 0
    assert "U64595" in a["empty_networks"]


def test_2022_ignoring_dates(root):
    # "Ignoring dates" as in the hand count: current = no end date (start ignored).
    o = compute("2021-22", root, respect_dates=False, open_ended_only=True, active_members_only=True)
    assert len(o["orphaned_practices"]) == 110
    assert len(o["undersized_networks"]) == 97
    dated = compute("2021-22", root, active_members_only=True)
    # G82024 Greensands leaves South Maidstone PCN (U92034) on 2022-06-29, after as_of.
    assert o["orphaned_practices"] - dated["orphaned_practices"] == {"G82024"}
    assert o["undersized_networks"] - dated["undersized_networks"] == {"U92034"}

    # Literally every row, whatever its dates.
    everything = compute("2021-22", root, respect_dates=False)
    assert len(everything["orphaned_practices"]) == 76
    assert len(everything["undersized_networks"]) == 91
    assert everything["empty_networks"] == set()


def test_2022_pinned_figures(root):
    r = compute("2021-22", root)
    assert len(r["empty_networks"]) == 59
    assert len(r["populations"]) == 1259
    assert len(r["oversized_networks"]) == 466
    assert len(r["cross_boundary_flag"]) == 11
    assert len(r["cross_boundary_member_location"]) == 46
    assert r["median_population"] == 44862.0
    # Future-dated move: three practices leave VENN PCN on 2022-04-30 and join HAXBY HULL GROUP PCN on 2022-05-01.
    assert "U37411" in r["empty_networks"]
    assert {"B81085", "B81675", "Y02747"} <= r["members"]["U03824"]


# ------------------------------------------------------------------------------------- 2020-21


def test_2020_judged_on_its_own_files(root):
    """No register within 6 months of 31 Mar 2021: the practices that existed are those with patients in the
    Jan 2021 list-size file; the mapping's "U / Unallocated" rows are practices in no network; members'
    commissioners are the mapping's own CCG_ODS_CODE (CCG 2020 codes), not the Dec 2019 register's."""
    r = compute("2020-21", root)
    assert r["as_of"] == dt.date(2021, 3, 31)
    assert r["practices_source"] == "list_sizes"
    assert len(r["in_scope_practices"]) == 6658
    assert "U" not in r["networks"] and len(r["networks"]) == 1251
    mapping = pd.read_csv(root / "practices/qof_2020-21_mapping_nhs_geographies.csv", dtype=str)
    unallocated = set(mapping.loc[mapping["PCN_ODS_CODE"] == "U", "PRACTICE_CODE"])
    assert len(unallocated) == 70
    listed_not_mapped = r["in_scope_practices"] - set(mapping["PRACTICE_CODE"])
    assert len(listed_not_mapped) == 87  # had patients in Jan 2021, gone from the mapping by Mar 2021
    assert r["orphaned_practices"] == (unallocated & r["in_scope_practices"]) | listed_not_mapped
    assert len(r["orphaned_practices"]) == 157
    # Counted from its own files the cross-boundary answer is small (the engine said 624 before).
    assert len(r["cross_boundary_administrative"]) == 10
    assert r["cross_boundary_administrative"] == r["cross_boundary_member_commissioners"]
    assert len(r["cross_boundary_member_location"]) == 62
    assert len(r["undersized_networks"]) == 106 and len(r["oversized_networks"]) == 438
    assert len(r["dominated_networks"]) == 214
    assert r["multiply_assigned_practices"] == set() and r["empty_networks"] == set()
    assert r["median_population"] == 44163.0


def test_2020_west_kent_members_take_the_mapping_commissioner(root):
    """The issue's 597 "members commissioned by 99J, lead 91Q" networks: the mapping says 91Q for both."""
    r = compute("2020-21", root)
    mapping = pd.read_csv(root / "practices/qof_2020-21_mapping_nhs_geographies.csv", dtype=str)
    kent = mapping[mapping["CCG_ODS_CODE"] == "91Q"]
    kent_pcns = set(kent["PCN_ODS_CODE"]) - {"U"}
    assert len(kent_pcns) > 30
    assert not kent_pcns & r["cross_boundary_administrative"]


def test_2022_01_mapping(root):
    r = compute("2022-01", root)
    assert r["practices_source"] == "register"  # Mar 2022 is 59 days away
    mapping = pd.read_csv(root / "practices/gp-reg-pat-prac-map_2022-01.csv", dtype=str)
    unallocated = set(mapping.loc[mapping["PCN_CODE"] == "U", "PRACTICE_CODE"])
    assert len(unallocated) == 68
    assert "U" not in r["networks"] and len(r["networks"]) == 1254
    assert len(r["orphaned_practices"]) == 93
    assert len(r["cross_boundary_administrative"]) == 11 and len(r["cross_boundary_member_location"]) == 47


def test_headline_extras(root):
    for vintage, dominated in (("2019-20", 197), ("2021-22", 241)):
        r = compute(vintage, root)
        assert len(r["dominated_networks"]) == dominated, vintage
        assert r["multiply_assigned_practices"] == set(), vintage


# ------------------------------------------------------------------------------------- shape


@pytest.mark.parametrize("vintage", ["2019-20", "2020-21", "2022-01", "2021-22"])
def test_result_is_consistent(root, vintage):
    r = compute(vintage, root)
    with_members = set(r["populations"])
    assert with_members | r["empty_networks"] == r["networks"]
    assert not with_members & r["empty_networks"]
    assert r["undersized_networks"] <= with_members and r["oversized_networks"] <= with_members
    assert not r["undersized_networks"] & r["empty_networks"]
    assert r["cross_boundary_administrative"] <= with_members
    assert r["cross_boundary_member_location"] <= with_members
    assert r["median_population"] == float(statistics.median(r["populations"].values()))
    assert all(isinstance(v, int) for v in r["populations"].values())
    assert r["orphaned_practices"] <= r["in_scope_practices"]
    assert not r["out_of_scope_practices"] & r["in_scope_practices"]


def test_cached_and_copied(root):
    # How fast the cached call is: benchmarks/harness_timings.py.
    compute("2019-20", root)
    hits = _compute_cached.cache_info().hits
    a = compute("2019-20", root)
    assert _compute_cached.cache_info().hits == hits + 1  # answered from the cache, not computed again
    a["orphaned_practices"].clear()
    assert len(compute("2019-20", root)["orphaned_practices"]) == 118

"""Dated facts on the database a user really has: the demo plus several vintages, imported in both orders.

Every scenario must get exactly the results it gets in a database holding only its own bundle, and those
results must equal the independent raw-file calculation in ``tests/oracle_raw.py`` (its own date logic,
no project code) for 2019/20 and 2021/22.
"""

from __future__ import annotations

import psycopg2
import pytest

from geo_service.analysis import service
from tests.analysis.conftest import shared_checks
from tests.conftest import clone_database, drop_database
from tests.oracle_raw import compute

pytestmark = pytest.mark.real_data

SCENARIOS = {
    "epcn-december-2019": ("2019-20", "ccg-april-2019"),
    "qof-pcn-mapping-2020-21": ("2020-21", "ccg-april-2020"),
    "epcn-april-2022": ("2021-22", "ccg-april-2021"),
}
DEMO = ("demo-as-registered", "demo-commissioner-proposal")


def _run_all(url: str, slugs: list[str]) -> dict[str, dict]:
    """The checks of each scenario in ``slugs`` on a shared read-only database (computed once per process)."""
    return {slug: shared_checks(url, slug) for slug in slugs}


def _comparable(result: dict) -> dict:
    """What must be equal between databases: everything but ids and the data version."""
    scope = result["scope"]
    return {
        "boundary_set": result["boundary_set"],
        "summary": result["summary"],
        "items": result["items"],
        "as_of": scope["as_of"],
        "data_line": scope["data_line"],
        "extracts": {k: (v["file"], v["extract_date"]) if v else None for k, v in scope["extracts"].items()},
    }


@pytest.fixture(scope="module")
def single_urls(england_2019_db_url, england_2020_db_url, england_2022_db_url):
    return {
        "epcn-december-2019": england_2019_db_url,
        "qof-pcn-mapping-2020-21": england_2020_db_url,
        "epcn-april-2022": england_2022_db_url,
    }


@pytest.fixture(scope="module")
def alone(single_urls):
    return {slug: shared_checks(url, slug) for slug, url in single_urls.items()}


@pytest.fixture(scope="module", params=["old_to_new", "new_to_old"])
def together(request, all_bundles_db_url, all_bundles_reversed_db_url):
    url = all_bundles_db_url if request.param == "old_to_new" else all_bundles_reversed_db_url
    return url, _run_all(url, [*SCENARIOS, *DEMO])


@pytest.mark.parametrize("slug", list(SCENARIOS))
def test_each_scenario_gets_what_it_gets_alone(alone, together, slug):
    _url, results = together
    assert _comparable(results[slug]) == _comparable(alone[slug])


@pytest.mark.parametrize("slug", list(SCENARIOS))
def test_default_boundary_set_is_the_one_in_force_on_as_of(together, slug):
    _url, results = together
    assert results[slug]["boundary_set"]["slug"] == SCENARIOS[slug][1]
    assert results[slug]["scope"]["boundary_set"]["chosen"] == "in force"


def test_the_demo_is_unchanged_by_real_bundles(demo_db_url, together):
    _url, results = together
    alone = _run_all(demo_db_url, list(DEMO))
    for slug in DEMO:
        assert _comparable(results[slug]) == _comparable(alone[slug])


def test_no_synthetic_row_reaches_a_real_scenario(together):
    _url, results = together
    for slug in SCENARIOS:
        text = repr(results[slug]["items"])
        assert "synthetic" not in text.lower() and "'Z0" not in text and "ZA1" not in text, slug
        for row in results[slug]["items"]["orphaned_practices"]:
            assert not row["code"].startswith("Z"), row


def test_a_real_boundary_set_is_refused_for_the_demo(together):
    url, _results = together
    conn = psycopg2.connect(url)
    try:
        from geo_service.errors import InvalidParameter

        with pytest.raises(InvalidParameter) as err:
            service.run_checks(conn, "demo-as-registered", "ccg-april-2019")
        assert err.value.extra["parameter"] == "boundary_set"
        assert "real dataset" in err.value.detail and "synthetic" in err.value.detail
    finally:
        conn.close()


def _engine_sets(result: dict) -> dict:
    items = result["items"]
    return {
        "orphaned_practices": {r["code"] for r in items["orphaned_practices"]},
        "cross_boundary_administrative": {
            r["code"] for r in items["cross_boundary_networks"] if r["kind"] == "administrative"
        },
        "cross_boundary_member_location": {
            r["code"] for r in items["cross_boundary_networks"] if r["kind"] == "member_location"
        },
        "undersized_networks": {r["code"] for r in items["size_band"] if r["finding"] == "undersized"},
        "oversized_networks": {r["code"] for r in items["size_band"] if r["finding"] == "oversized"},
        "empty_networks": {r["code"] for r in items["empty_networks"]},
        "multiply_assigned_practices": {r["code"] for r in items["multiply_assigned_practices"]},
        "dominated_networks": {r["code"] for r in items["dominance"]},
    }


@pytest.mark.parametrize("slug", list(SCENARIOS))
def test_results_equal_the_raw_file_calculation(real_data, together, slug):
    _url, results = together
    result = results[slug]
    oracle = compute(SCENARIOS[slug][0], real_data)
    assert result["scope"]["as_of"] == oracle["as_of"].isoformat()
    engine = _engine_sets(result)
    for key, found in engine.items():
        assert found == oracle[key], key
    s = result["summary"]
    assert s["median_population"] == pytest.approx(oracle["median_population"])
    assert s["out_of_scope_practices"]["total"] == len(oracle["out_of_scope_practices"])
    assert s["networks"] == len(oracle["networks"])
    # Populations of the flagged networks equal the raw sums.
    for row in result["items"]["size_band"]:
        assert row["population"] == oracle["populations"][row["code"]], row["code"]


def test_headline_figures(together):
    """The figures the issue quotes, from the raw files: not 591 / 621 / 515 any more."""
    _url, results = together
    s19, s22 = results["epcn-december-2019"]["summary"], results["epcn-april-2022"]["summary"]
    assert s19["orphaned_practices"] == 118
    assert s19["cross_boundary_networks"] == {"administrative": 20, "member_location": 75}
    assert s19["data_gaps"]["practices_with_stale_list_size"] == 0  # Jan 2021 sizes are not stale in Dec 2019
    assert s22["orphaned_practices"] == 109
    assert s22["out_of_scope_practices"] == {"total": 405, "wales": 405}
    assert s22["empty_networks"] == 59
    # 2020/21 on its own files (issue 19): not 624 cross-boundary networks and 261 orphans.
    s20 = results["qof-pcn-mapping-2020-21"]["summary"]
    assert s20["orphaned_practices"] == 157
    assert s20["cross_boundary_networks"] == {"administrative": 10, "member_location": 62}
    assert s20["networks"] == 1251  # the "U / Unallocated" pseudo-network is no network
    # Catchment spill is geometry, reported with its share, never as crossing a boundary.
    spill = [r for r in results["epcn-december-2019"]["items"]["geometry"] if r["kind"] == "catchment_spill"]
    assert len(spill) > 500 and all(r["share_outside_main_area"] > 0.05 for r in spill)


def test_data_line_names_the_extracts(together):
    _url, results = together
    assert results["epcn-december-2019"]["scope"]["data_line"] == (
        "as of 4 Dec 2019 · register Dec 2019 · list sizes Jan 2021 · locations Oct 2020 · boundaries Apr 2019"
    )
    assert results["epcn-april-2022"]["scope"]["data_line"].startswith("as of 27 Apr 2022 · register Mar 2022")
    assert results["demo-as-registered"]["scope"]["data_line"].endswith("synthetic demo data")
    scope20 = results["qof-pcn-mapping-2020-21"]["scope"]
    assert scope20["data_line"] == (
        "as of 31 Mar 2021 · register Dec 2019 · list sizes Jan 2021 · locations Oct 2020 · boundaries Apr 2020"
        " · practices from list sizes Jan 2021"
    )
    assert scope20["practices_from"]["source"] == "list_sizes"
    assert results["epcn-december-2019"]["scope"]["practices_from"]["source"] == "register"
    assert results["epcn-april-2022"]["scope"]["practices_from"]["source"] == "register"


def test_kept_state_equals_the_state_computed_live(together, maintenance_url):
    """The state and members kept per scenario (by triggers, through every import) equal what the engine
    computes from the facts when nothing is kept."""
    shared, results = together
    url = clone_database(maintenance_url, shared.rsplit("/", 1)[1], "kept_state")  # it writes: a clone of its own
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("DELETE FROM scenario_states")  # rolled back below: forces the live computation
        for slug in [*SCENARIOS, *DEMO]:
            live = service.run_checks(conn, slug, None)
            assert _comparable(live) == _comparable(results[slug]), slug
    finally:
        conn.rollback()
        conn.close()
        drop_database(maintenance_url, url.rsplit("/", 1)[1])

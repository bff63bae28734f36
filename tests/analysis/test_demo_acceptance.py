"""Acceptance 1: on the synthetic demo every planted rule case is found, and nothing else."""

from __future__ import annotations

import psycopg2
import pytest

from geo_service.analysis import rules, service
from geo_service.analysis.findings import FINDING_LABELS, SUMMARY_KEYS
from geo_service.demo.generator import BOUNDARY_SET, PROPOSAL, REGISTERED, generate

PLANTED = generate().planted
# Finding keys of the rules the demo plants cases for (every summary key of the rule planted); a rule added later
# is proved by its own test module.
PLANTED_FINDINGS = frozenset(
    k for r in rules.RULES if set(r.summary_labels) <= set(PLANTED[REGISTERED]) for k in r.labels
)


def planted_only(found: dict[str, list[str]]) -> dict[str, list[str]]:
    """Finding keys per code, of the planted rules only (codes left with none are dropped)."""
    kept = {code: [k for k in keys if k in PLANTED_FINDINGS] for code, keys in found.items()}
    return {code: keys for code, keys in kept.items() if keys}


@pytest.fixture(scope="module")
def conn(demo_db_url):
    c = psycopg2.connect(demo_db_url)
    yield c
    c.rollback()
    c.close()


@pytest.mark.parametrize("slug", [REGISTERED, PROPOSAL])
def test_every_planted_case_is_found_and_nothing_else(conn, slug):
    result = service.run_checks(conn, slug, BOUNDARY_SET["slug"])
    found = service.finding_sets(result)
    # Every key the demo plants is a rule's; a rule added after the demo was planted (its keys absent here) is
    # proved by its own test module, so adding a rule touches its module and its test only.
    assert set(PLANTED[slug]) <= set(found) == set(SUMMARY_KEYS)
    for key, expected in PLANTED[slug].items():
        assert found[key] == expected, key


@pytest.mark.parametrize("slug", [REGISTERED, PROPOSAL])
def test_summary_counts_match_items(conn, slug):
    result = service.run_checks(conn, slug, BOUNDARY_SET["slug"])
    s, planted = result["summary"], PLANTED[slug]
    assert s["orphaned_practices"] == len(planted["orphaned_practices"])
    assert s["cross_boundary_networks"] == {
        "administrative": len(planted["cross_boundary_administrative"]),
        "member_location": len(planted["cross_boundary_member_location"]),
    }
    assert s["undersized_networks"] == len(planted["undersized_networks"])
    assert s["oversized_networks"] == len(planted["oversized_networks"])
    assert s["geometry"]["areas_with_gaps"] == len(planted["areas_with_gaps"])
    assert s["data_gaps"]["practices_without_location"] == len(planted["practices_without_location"])
    assert s["networks"] == len(generate().scenarios[slug]["networks"])
    summary_only = service.run_checks(conn, slug, BOUNDARY_SET["slug"], detail="summary")
    assert "items" not in summary_only and summary_only["summary"] == s


def test_evidence_of_the_planted_cases(conn):
    data = generate()
    practices = {p.ods_code: p for p in data.practices}
    result = service.run_checks(conn, REGISTERED, BOUNDARY_SET["slug"])
    items = result["items"]
    # Size band: population is the sum of known list sizes.
    reg = {n.code: n for n in data.scenarios[REGISTERED]["networks"]}
    for row in items["size_band"]:
        assert row["population"] == sum(practices[m].list_size or 0 for m in reg[row["code"]].members)
    # Unknown list sizes are reported, not silently zero.
    (unknown,) = items["unknown_list_sizes"]
    assert unknown["code"] == "UZ0006" and unknown["unknown_list_sizes"] == 1
    assert unknown["unknown_list_size_practices"] == sorted(PLANTED[REGISTERED]["practices_without_list_size"])
    # Dominance: the 26k practice in UZ0008.
    (dom,) = items["dominance"]
    assert dom["largest_list_size"] == 26_000 and dom["largest_share"] >= 0.5
    assert dom["rest_population"] == dom["population"] - 26_000
    # Cross-boundary: the practice commissioned by ZA3 sits in ZA3 but is registered in a ZA4 network.
    admin = next(r for r in items["cross_boundary_networks"] if r["kind"] == "administrative")
    assert admin["lead_commissioner_code"] == "ZA4" and [m["commissioner_code"] for m in admin["members"]] == ["ZA3"]
    geo = next(r for r in items["cross_boundary_networks"] if r["kind"] == "member_location")
    assert [a["area_ods_code"] for a in geo["member_areas"]] == ["ZA4", "ZA3"]
    assert geo["member_areas"][1]["practices"] == [m["code"] for m in admin["members"]]
    # Extended hours: the one member not offering.
    (ext,) = items["extended_hours_coverage"]
    assert len(ext["practices_not_offering"]) == 1 and 0 < ext["coverage"] < 1


def test_geometry_evidence_of_the_proposal(conn):
    items = service.run_checks(conn, PROPOSAL, BOUNDARY_SET["slug"])["items"]["geometry"]
    (overlap,) = [r for r in items if r["kind"] == "overlap"]
    assert {overlap["code"], overlap["other_code"]} == {"UZ0011", "UZ0012"}
    # A 5 km disc clipped to UZ0012: well above the thresholds, below the full disc (78.5 km²).
    assert 10_000_000 < overlap["overlap_m2"] < 78_540_000
    assert 0 < overlap["share_of_network"] < 1 and 0 < overlap["share_of_other"] < 1
    # Material (issue 19): at least overlap_min_share (10 %) of the smaller polygon.
    assert max(overlap["share_of_network"], overlap["share_of_other"]) >= 0.10
    # Below the share asked for, it is no finding.
    strict = service.run_checks(conn, PROPOSAL, BOUNDARY_SET["slug"], params={"overlap_min_share": 0.5})
    assert not [r for r in strict["items"]["geometry"] if r["kind"] == "overlap"]
    assert strict["summary"]["geometry"]["overlapping_pairs"] == 0
    (gap,) = [r for r in items if r["kind"] == "area_gap"]
    # The planted 900 m hole: pi * 900² ≈ 2.54 km².
    assert gap["code"] == "ZA2" and gap["gap_m2"] == pytest.approx(2_544_690, rel=0.01)


def test_thresholds_change_the_findings(conn):
    bs = BOUNDARY_SET["slug"]
    wide = service.run_checks(conn, REGISTERED, bs, params={"min": "1000", "max": "100000"})
    assert wide["summary"]["undersized_networks"] == 0 and wide["summary"]["oversized_networks"] == 0
    assert wide["parameters"]["sources"]["min"] == "request"
    strict = service.run_checks(conn, REGISTERED, bs, params={"dominance": 0.3})
    assert "UZ0008" in service.finding_sets(strict)["dominated_networks"]
    assert len(service.finding_sets(strict)["dominated_networks"]) > 1
    lax = service.run_checks(conn, PROPOSAL, bs, params={"extended_hours": 0.5, "overlap_min_m2": 100_000_000})
    sets = service.finding_sets(lax)
    assert sets["extended_hours_gaps"] == set() and sets["overlapping_networks"] == set()
    tiny_gaps = service.run_checks(conn, PROPOSAL, bs, params={"gap_min_m2": 5_000_000})
    assert service.finding_sets(tiny_gaps)["areas_with_gaps"] == set()


def test_area_filter(conn):
    bs = BOUNDARY_SET["slug"]
    za4 = service.run_checks(conn, REGISTERED, bs, area="ZA4")
    by_gss = service.run_checks(conn, REGISTERED, bs, area="e38999904")
    assert za4["items"] == by_gss["items"] and za4["area"]["ods_code"] == "ZA4"
    sets = service.finding_sets(za4)
    assert sets["cross_boundary_administrative"] == {"UZ0010"}
    assert sets["undersized_networks"] == set()  # UZ0001 is in ZA1
    orphans_za4 = {
        r["code"]
        for r in service.run_checks(conn, REGISTERED, bs)["items"]["orphaned_practices"]
        if r["commissioner_code"] == "ZA4"
    }
    assert sets["orphaned_practices"] == orphans_za4 and len(orphans_za4) == 1
    za1 = service.finding_sets(service.run_checks(conn, REGISTERED, bs, area="ZA1"))
    assert za1["undersized_networks"] == {"UZ0001"} and za1["cross_boundary_administrative"] == set()


def test_network_and_practice_findings(conn):
    bs = BOUNDARY_SET["slug"]
    nets = planted_only(service.network_findings(conn, REGISTERED, bs))
    assert nets["UZ0010"] == ["cross_boundary_administrative", "cross_boundary_member_location"]
    assert nets["UZ0001"] == ["undersized"] and "UZ0002" not in nets
    practices = planted_only(service.practice_findings(conn, REGISTERED, bs))
    for code in PLANTED[REGISTERED]["orphaned_practices"]:
        assert practices[code] == ["orphaned"]
    crossers = [c for c, keys in practices.items() if "cross_boundary_member" in keys]
    assert len(crossers) == 1
    assert all(k in FINDING_LABELS for keys in [*nets.values(), *practices.values()] for k in keys)
    prop = planted_only(service.network_findings(conn, PROPOSAL, bs))
    assert "overlapping" in prop["UZ0011"] and "overlapping" in prop["UZ0012"]
    assert prop["UZ0001"] == ["oversized"]

"""Findings written for people: number formats and one sentence per finding (analysis.wording)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from geo_service.analysis import wording
from geo_service.analysis.parameters import resolve

REPRS = ("[", "{'", "None", "True", "False")


@pytest.mark.parametrize(
    "call, expected",
    [
        (lambda: wording.patients(44168), "44,168 patients"),
        (lambda: wording.patients(1), "1 patient"),
        (lambda: wording.patients(None), "not known"),
        (lambda: wording.count(Decimal("44168")), "44,168"),
        (lambda: wording.percent(0.5573), "55.7 %"),
        (lambda: wording.percent(0.5, 0), "50 %"),
        (lambda: wording.percent(0.00001), "under 0.1 %"),
        (lambda: wording.km2(27_399_057), "27.4 km²"),
        (lambda: wording.km2(12_000), "1.2 ha"),
        (lambda: wording.metres(1348.2), "1,348 m"),
        (lambda: wording.metres(12_345), "12.3 km"),
        (lambda: wording.km(12_345), "12.3 km"),
        (lambda: wording.day(dt.date(2019, 12, 4)), "4 Dec 2019"),
        (lambda: wording.day("2019-12-04"), "4 Dec 2019"),
        (lambda: wording.yes_no(True), "yes"),
        (lambda: wording.yes_no(None), "not known"),
        (lambda: wording.named("99J", None, {"99J": "NHS West Kent CCG"}), "NHS West Kent CCG (99J)"),
        (lambda: wording.named("91Q"), "91Q"),
        (lambda: wording.listing(["A", "B", "C"]), "A, B and C"),
        (lambda: wording.listing(list("ABCDEFG"), 5), "A, B, C, D, E and 2 more"),
        (lambda: wording.band(None), "30,000–50,000 patients"),
    ],
)
def test_formats(call, expected):
    assert call() == expected


def test_undersized_sentence_names_threshold_and_action():
    item = {
        "code": "U1",
        "name": "Gravesham Central PCN",
        "finding": "undersized",
        "population": 27412,
        "member_count": 3,
        "unknown_list_sizes": 0,
        "lead_commissioner_code": "99J",
    }
    text = wording.describe("size_band", item, None, {"99J": "NHS West Kent CCG"})
    assert text.sentence == (
        "Gravesham Central PCN (U1) has 27,412 patients, under the 30,000 minimum: merge it with a neighbouring "
        "network or add practices."
    )
    assert ("Lead commissioner", "NHS West Kent CCG (99J)") in text.evidence
    assert ("Band", "30,000–50,000 patients") in text.evidence


def test_thresholds_come_from_the_parameters():
    params, _ = resolve({"min": "25000", "max": "60000", "dominance": "0.6"})
    over = wording.describe(
        "size_band", {"code": "U1", "name": "N", "finding": "oversized", "population": 61000}, params
    )
    assert "over the 60,000 maximum" in over.sentence
    dom = wording.describe(
        "dominance",
        {
            "code": "U1",
            "name": "N",
            "largest_practice_code": "G1",
            "largest_practice_name": "Big",
            "largest_share": 0.6123,
            "largest_list_size": 20000,
            "population": 32663,
            "rest_population": 12663,
            "rest_member_count": 2,
        },
        params.as_dict(),
    )
    assert "61.2 %" in dom.sentence and "60 % dominance threshold" in dom.sentence
    assert ("Population band", "25,000–60,000 patients") in wording.thresholds(params)


def test_commissioner_names_beside_codes_and_no_reprs():
    item = {
        "code": "U9",
        "name": "Border PCN",
        "kind": "administrative",
        "lead_commissioner_code": "99J",
        "commissioner_codes": ["91Q", "99J"],
        "members": [{"code": "G82058", "name": "Aylesford", "commissioner_code": "91Q"}],
    }
    names = {"91Q": "NHS Kent and Medway CCG", "99J": "NHS West Kent CCG"}
    text = wording.describe("cross_boundary_networks", item, None, names)
    assert "NHS Kent and Medway CCG (91Q)" in text.sentence
    assert ("Members commissioned elsewhere", "Aylesford (G82058): NHS Kent and Medway CCG (91Q)") in text.evidence
    flat = text.sentence + text.evidence_text()
    assert not any(r in flat for r in REPRS), flat


@pytest.mark.parametrize(
    "check, item",
    [
        (
            "orphaned_practices",
            {"code": "G1", "name": "P", "postcode": None, "commissioner_code": None, "list_size": None},
        ),
        ("multiply_assigned_practices", {"code": "G1", "name": "P", "networks": [{"code": "U1", "name": "A"}]}),
        ("empty_networks", {"code": "U1", "name": "N", "lead_commissioner_code": None}),
        (
            "cross_boundary_networks",
            {
                "code": "U1",
                "name": "N",
                "kind": "member_location",
                "member_areas": [
                    {
                        "area_ods_code": "99J",
                        "area_name": "West Kent",
                        "practice_count": 2,
                        "list_size": 20000,
                        "practices": ["G1", "G2"],
                    }
                ],
            },
        ),
        (
            "extended_hours_coverage",
            {
                "code": "U1",
                "name": "N",
                "coverage": None,
                "practices_not_offering": ["G1"],
                "practices_offer_unknown": None,
            },
        ),
        (
            "geometry",
            {
                "code": "U1",
                "name": "N",
                "kind": "catchment_spill",
                "share_outside_main_area": 0.2,
                "polygon_areas": [{"area_ods_code": "99J", "area_name": "West Kent", "share": 0.8}],
            },
        ),
        ("geometry", {"code": "U1", "name": "N", "kind": "invalid_polygon"}),
        (
            "data_gaps",
            {
                "code": "G1",
                "name": "P",
                "kind": "stale_list_size",
                "postcode": "ME1 1AA",
                "list_size_date": dt.date(2017, 1, 1),
            },
        ),
        (
            "unknown_list_sizes",
            {
                "code": "U1",
                "name": "N",
                "known_population": 1000,
                "unknown_list_sizes": 1,
                "unknown_list_size_practices": ["G1"],
                "member_count": 2,
            },
        ),
    ],
)
def test_every_check_reads_as_a_sentence_without_reprs(check, item):
    text = wording.describe(check, item)
    assert text.sentence.endswith(".") and ": " in text.sentence  # what is wrong: what to do
    flat = text.sentence + " " + text.evidence_text()
    assert not any(r in flat for r in REPRS), flat
    assert text.as_dict()["evidence"] == [{"label": k, "value": v} for k, v in text.evidence]


def test_hostile_names_stay_plain_text():
    # wording returns text; escaping is the template's job (checked on real pages in tests/web).
    text = wording.describe("empty_networks", {"code": "U1", "name": "<img src=x onerror=alert(1)>"})
    assert text.sentence.startswith("<img src=x onerror=alert(1)> (U1) has no current member")

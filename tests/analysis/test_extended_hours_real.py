"""Extended-hours coverage on real data (issue 25): in 2019/20 a practice offered extended hours when the payments
file shows it paid under the Extended Hours Access DES that year. The oracle reads the raw payments and list-size
files itself (csv module, its own parsing); memberships come from the raw-file oracle (tests/oracle_raw.py)."""

from __future__ import annotations

import csv

import pytest

from geo_service.analysis import service
from tests.analysis.conftest import shared_checks
from tests.oracle_raw import compute

pytestmark = pytest.mark.real_data


def _paid_2019_20(real_data) -> dict[str, float]:
    """Practice code -> £ paid under the GP Extended Hours Access DES in 2019/20."""
    path = real_data / "payments" / "nhs-payments-to-general-practice_2019-20.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {row["Practice Code"].strip(): float(row["GP Extended Hours Access"] or 0) for row in csv.DictReader(fh)}


def _list_sizes_jan_2021(real_data) -> dict[str, int]:
    path = real_data / "practices" / "gp-reg-pat-prac-all_2021-01.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {
            r["CODE"].strip(): int(r["NUMBER_OF_PATIENTS"])
            for r in csv.DictReader(fh)
            if r["SEX"] == "ALL" and r["AGE"] == "ALL"
        }


def _oracle(real_data) -> dict[str, dict]:
    """Per network: covered and known patients, coverage, members not offering, members whose offer is unknown;
    only the networks below full coverage (the default threshold of 1)."""
    paid = _paid_2019_20(real_data)
    sizes = _list_sizes_jan_2021(real_data)
    members = compute("2019-20", real_data)["members"]
    out = {}
    for pcn, practices in members.items():
        known = sum(sizes.get(p, 0) for p in practices if p in paid)
        covered = sum(sizes.get(p, 0) for p in practices if paid.get(p, 0) > 0)
        not_offering = {p for p in practices if p in paid and paid[p] <= 0}
        unknown = {p for p in practices if p not in paid}
        if (known > 0 and covered / known < 1) or not_offering:
            out[pcn] = {
                "covered": covered,
                "known": known,
                "coverage": covered / known if known else None,
                "not_offering": not_offering,
                "unknown": unknown,
            }
    return out


@pytest.fixture(scope="module")
def result_2019(england_2019_db_url):
    """The 2019/20 checks at the default parameters (registered population), computed once per process."""
    return shared_checks(england_2019_db_url, "epcn-december-2019")


def test_extended_hours_coverage_2019_20_equals_the_raw_payments_file(result_2019, real_data):
    oracle = _oracle(real_data)
    found = {r["code"]: r for r in result_2019["items"]["extended_hours_coverage"]}
    assert "extended_hours_coverage" not in result_2019.get("not_judged", {})
    assert set(found) == set(oracle)
    # The DES was paid to 4,715 of 7,001 practices: many networks have members that did not offer it.
    assert len(found) > 100
    for code, o in oracle.items():
        r = found[code]
        assert (r["covered_population"], r["known_hours_population"]) == (o["covered"], o["known"]), code
        if o["coverage"] is not None:
            assert float(r["coverage"]) == pytest.approx(o["coverage"], abs=5e-5), code
        assert set(r["practices_not_offering"] or []) == o["not_offering"], code
        assert set(r["practices_offer_unknown"] or []) == o["unknown"], code
    assert result_2019["summary"]["extended_hours_gaps"] == len(oracle)


def test_a_threshold_finds_only_networks_below_it(conn_2019, real_data):
    result = service.run_checks(conn_2019, "epcn-december-2019", None, params={"extended_hours": "0.5"})
    below = {c for c, o in _oracle(real_data).items() if o["coverage"] is not None and o["coverage"] < 0.5}
    assert {r["code"] for r in result["items"]["extended_hours_coverage"]} == below
    assert below


def test_a_year_without_the_information_is_not_judged(england_2020_db_url):
    result = shared_checks(england_2020_db_url, "qof-pcn-mapping-2020-21")
    reason = result["not_judged"]["extended_hours_coverage"]
    assert "2020/21 payments cannot" in reason and "network contract" in reason
    assert "extended_hours_coverage" not in result["items"] or result["items"]["extended_hours_coverage"] == []


def test_size_band_and_dominance_on_weighted_population(conn_2019, result_2019, real_data):
    """``population=weighted``: networks sized by their members' weighted lists (payments 2019/20, whole patients)."""
    path = real_data / "payments" / "nhs-payments-to-general-practice_2019-20.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        weighted = {
            r["Practice Code"]: round(float(r["Number of Weighted Patients (Last Known Figure)"]))
            for r in csv.DictReader(fh)
            if r["Number of Weighted Patients (Last Known Figure)"]
        }
    members = compute("2019-20", real_data)["members"]
    pops = {pcn: sum(weighted.get(p, 0) for p in ps) for pcn, ps in members.items()}
    under = {c for c, n in pops.items() if n < 30_000}
    over = {c for c, n in pops.items() if n > 50_000}
    dominated = {c for c, ps in members.items() if pops[c] > 0 and max(weighted.get(p, 0) for p in ps) / pops[c] >= 0.5}
    result = service.run_checks(conn_2019, "epcn-december-2019", None, params={"population": "weighted"})
    registered = result_2019  # the same checks at the default population, computed once for the module
    items = result["items"]
    assert {r["code"] for r in items["size_band"] if r["finding"] == "undersized"} == under
    assert {r["code"] for r in items["size_band"] if r["finding"] == "oversized"} == over
    assert {r["code"] for r in items["dominance"]} == dominated
    assert result["parameters"]["population"] == "weighted"
    assert registered["parameters"]["population"] == "registered"
    # A different count: some networks change band.
    assert {r["code"] for r in items["size_band"]} != {r["code"] for r in registered["items"]["size_band"]}


def test_population_parameter_is_one_of_two_words(conn_2019):
    from geo_service.errors import InvalidParameter

    with pytest.raises(InvalidParameter, match="'population' must be one of registered, weighted, got 'people'"):
        service.run_checks(conn_2019, "epcn-december-2019", None, params={"population": "people"})
    conn_2019.rollback()  # whatever the refusal left, the module's next reads start clean

"""A scenario is judged as of its own date: a membership counts when ``start <= as_of`` and (``end`` is null or
``end >= as_of``), whatever today's date is; list sizes are stale measured from ``as_of``."""

from __future__ import annotations

from datetime import date

import pytest

from geo_service.analysis import service
from geo_service.ingest.bundle import import_bundle
from geo_service.scope import resolve_scope, set_scenario
from tests.analysis.conftest import clone_of, loaded_template
from tests.ingest.conftest import DATA

SLUG = "test-epcn-2019"


@pytest.fixture(scope="module")
def small_template(maintenance_url, template_db):
    """The small bundle imported once per module and worker; each test gets a copy of its own."""
    with loaded_template(
        maintenance_url, template_db, "membership_dates_t", lambda db: import_bundle(db, DATA / "bundle.toml")
    ) as name:
        yield name


@pytest.fixture
def small(maintenance_url, small_template):
    with clone_of(maintenance_url, small_template, "membership_dates_") as db:
        yield db


def _orphans(db, **kw) -> set[str]:
    with db.connection() as conn:
        return {r["code"] for r in service.run_checks(conn, SLUG, None, **kw)["items"]["orphaned_practices"]}


def _members(db, **kw) -> dict[str, int]:
    with db.connection() as conn:
        result = service.run_checks(conn, SLUG, None, params={"min": 10**9, "max": 10**9}, **kw)
    sizes = {r["code"]: r["member_count"] for r in result["items"]["size_band"]}
    sizes.update({r["code"]: 0 for r in result["items"]["empty_networks"]})
    return sizes


def test_a_membership_ending_on_as_of_still_counts(small):
    # A81003's membership of U00002 ends on 31 March 2020: on that day it is still a member, the next it is not.
    assert _members(small, as_of="2020-03-31")["U00002"] == 3
    assert _members(small, as_of="2020-04-01")["U00002"] == 2


def test_a_membership_starting_after_as_of_does_not_count_yet(small):
    # Every membership starts on 1 July 2019: the day before, nobody is a member and both networks are empty.
    before = _orphans(small, as_of="2019-06-30")
    assert before == {"A81001", "A81002", "A81004"}  # the active English GP practices (not the closed A81003)
    assert _members(small, as_of="2019-06-30") == {"U00001": 0, "U00002": 0}
    assert "A81001" not in _orphans(small, as_of="2019-07-01")


def test_the_wall_clock_does_not_decide(small):
    with small.connection() as conn:
        set_scenario(conn, SLUG, as_of="2019-12-04")
    # Today (after 2020-03-31) A81003 has left U00002; on the scenario's date it had not.
    assert date.today() > date(2020, 3, 31)
    assert _members(small)["U00002"] == 3
    with small.connection() as conn:
        assert resolve_scope(conn, SLUG).as_of == date(2019, 12, 4)


def test_stale_list_sizes_are_measured_from_as_of(small):
    with small.connection() as conn:
        set_scenario(conn, SLUG, as_of="2019-12-04")
        fresh = service.run_checks(conn, SLUG, None)["summary"]["data_gaps"]["practices_with_stale_list_size"]
        late = service.run_checks(conn, SLUG, None, as_of="2030-01-01")
    assert fresh == 0
    assert late["summary"]["data_gaps"]["practices_with_stale_list_size"] > 0
    assert late["parameters"]["stale_before"] == "2028-07-02"  # 548 days before 1 Jan 2030


def test_bad_as_of_is_refused_with_the_parameter_named(small):
    from geo_service.errors import InvalidParameter

    with small.connection() as conn, pytest.raises(InvalidParameter) as err:
        service.run_checks(conn, SLUG, None, as_of="4/12/2019")
    assert err.value.extra["parameter"] == "as_of"
    assert err.value.detail == "'as_of' must be a date like 2019-12-04, got '4/12/2019'."


def test_stored_state_equals_the_state_computed_live(small):
    """The kept state of a scenario (``scenario_practice_state``) gives the same results as computing it."""
    with small.connection() as conn:
        set_scenario(conn, SLUG, as_of="2019-12-04")
        stored = service.run_checks(conn, SLUG, None)
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM scenario_practice_state s JOIN scenarios c ON c.id = s.scenario_id"
                        " WHERE c.slug = %(s)s", {"s": SLUG})  # fmt: skip
            assert cur.fetchone()[0] > 0
            cur.execute("DELETE FROM scenario_states")  # forces the live computation
        live = service.run_checks(conn, SLUG, None)
    assert live["items"] == stored["items"] and live["summary"] == stored["summary"]


def test_stored_state_follows_new_facts(small):
    """A newer list-size file changes an unpinned scenario's nearest extract: the kept state follows at once."""
    with small.connection() as conn:
        set_scenario(conn, SLUG, as_of="2019-12-04", list_sizes="nearest")
        before = service.run_checks(conn, SLUG, None)["items"]["size_band"]
        with conn.cursor() as cur:
            cur.execute(
                """INSERT INTO extracts (kind, file_name, sha256, extract_date) VALUES
                   ('list_sizes', 'closer.csv', 'x', '2019-12-01') RETURNING id"""
            )
            (new_extract,) = cur.fetchone()
            cur.execute(
                """INSERT INTO practice_list_sizes (extract_id, practice_id, list_size, list_size_date)
                   SELECT %(x)s, p.id, 100000, '2019-12-01' FROM practices p WHERE p.ods_code = 'A81001'""",
                {"x": new_extract},
            )
        scope = resolve_scope(conn, SLUG)
        after = service.run_checks(conn, SLUG, None)["items"]["size_band"]
        assert scope.extracts["list_sizes"]["id"] == new_extract
        assert after != before and any(r["code"] == "U00001" and r["finding"] == "oversized" for r in after)


def test_an_area_outside_the_default_set_falls_back_to_a_set_holding_it(small):
    """Every consumer (API, maps, exports) shares one rule: an area the default set lacks is looked up in the
    newest set of the scenario's dataset that holds it; asked for explicitly, it is a 404 naming the set."""
    from geo_service.errors import NotFound

    with small.connection() as conn:
        with conn.cursor() as cur:
            cur.execute(
                """INSERT INTO boundary_sets (slug, name, level, vintage, valid_from, dataset)
                   VALUES ('later-icb', 'Later ICBs', 'icb', '2030-01', '2030-01-01', 'real') RETURNING id"""
            )
            (bs_id,) = cur.fetchone()
            cur.execute(
                """INSERT INTO areas (boundary_set_id, ods_code, name, geom)
                   SELECT %(bs)s, 'QQQ', 'Everything', ST_Multi(ST_Union(geom)) FROM areas""",
                {"bs": bs_id},
            )
        scope = resolve_scope(conn, SLUG, area="qqq")
        assert scope.boundary_set["slug"] == "later-icb" and scope.boundary_set_origin == "area"
        assert scope.area["ods_code"] == "QQQ"
        with pytest.raises(NotFound) as err:
            resolve_scope(conn, SLUG, boundary_set="test-ccgs-2019", area="QQQ")
        assert err.value.detail == "No area with ODS or GSS code 'QQQ' in boundary set 'test-ccgs-2019'."
        with pytest.raises(NotFound) as err:
            resolve_scope(conn, SLUG, area="NOPE")
        assert err.value.detail == (
            "No area with ODS or GSS code 'NOPE' in boundary set 'test-ccgs-2019' or any other boundary set of the"
            " real dataset."
        )

"""Acceptance on the real England files (../shared/data/real): the issue's numbers, read from the dated facts
of each bundle's own extracts, and no-op re-runs (also of a second bundle sharing files)."""

from __future__ import annotations

import csv
import gzip
from datetime import date

import psycopg2
import pytest
from psycopg2 import sql

from geo_service.config import PROJECT_ROOT
from geo_service.db.admin import drop_database
from geo_service.db.repositories import scope as scope_repo
from geo_service.ingest.bundle import import_bundle
from geo_service.scope import resolve_scope
from tests import db_templates
from tests.conftest import clone_database
from tests.ingest.conftest import practice_state

pytestmark = pytest.mark.real_data

MANIFESTS = PROJECT_ROOT / "data" / "manifests"


def _one(url, query, params=None):
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(query, params or {})
            return cur.fetchone()
    finally:
        conn.close()


def _scope(url, scenario: str):
    conn = psycopg2.connect(url)
    try:
        scope = resolve_scope(conn, scenario)
        return scope, scope_repo.practice_counts(conn, scope.values())
    finally:
        conn.close()


def _state(url, scenario: str) -> dict[str, dict]:
    conn = psycopg2.connect(url)
    try:
        return practice_state(conn, scenario)
    finally:
        conn.close()


def _pins(url, scenario: str) -> dict:
    row = _one(
        url,
        "SELECT as_of, register_extract_id, list_size_extract_id, location_extract_id FROM scenarios"
        " WHERE slug = %(s)s",
        {"s": scenario},
    )
    return dict(zip(("as_of", "register", "list_sizes", "locations"), row, strict=True))


def _extract(url, extract_id: int) -> tuple:
    return _one(
        url, "SELECT kind, file_name, extract_date::text, dataset FROM extracts WHERE id = %(x)s", {"x": extract_id}
    )


# Active GP practices of one register extract.
ACTIVE_GP = (
    "SELECT count(*) FROM practice_register r WHERE r.extract_id = %(x)s AND r.status = 'active'"
    " AND r.prescribing_setting = 4"
)


def test_england_2019_acceptance_numbers(england_2019_db_url):
    url = england_2019_db_url
    pins = _pins(url, "epcn-december-2019")
    # Provenance: the scenario is pinned to the bundle's own files and dated by its ePCN extract.
    assert pins["as_of"] == date(2019, 12, 4)
    assert _extract(url, pins["register"]) == ("practices", "epraccur_2019-12.csv.gz", "2019-12-01", "real")
    assert _extract(url, pins["list_sizes"]) == ("list_sizes", "gp-reg-pat-prac-all_2021-01.csv", "2021-01-01", "real")
    assert _extract(url, pins["locations"]) == ("postcodes", "practice_postcode_centroids.csv", "2020-10-01", "real")
    reg = {"x": pins["register"]}
    # Every row of the register is kept as a fact; 6,830 of them are active GP practices, all English.
    assert _one(url, "SELECT count(*) FROM practice_register WHERE extract_id = %(x)s", reg)[0] == 14357
    assert _one(url, ACTIVE_GP, reg)[0] == 6830
    assert _one(url, ACTIVE_GP + " AND r.nation <> 'england'", reg)[0] == 0
    scope, counts = _scope(url, "epcn-december-2019")
    assert scope.extract_origin == {"register": "pinned", "list_sizes": "pinned", "locations": "pinned"}
    assert scope.boundary_set["slug"] == "ccg-april-2019"
    assert (counts["active"], counts["located"], counts["out_of_scope"]) == (6830, 6825, {})
    assert (
        _one(
            url,
            "SELECT count(*) FROM areas a JOIN boundary_sets b ON b.id = a.boundary_set_id"
            " WHERE b.slug = 'ccg-april-2019'",
        )[0]
        == 191
    )
    assert (
        _one(
            url,
            "SELECT count(*) FROM networks n JOIN scenarios s ON s.id = n.scenario_id"
            " WHERE s.slug = 'epcn-december-2019'",
        )[0]
        == 1250
    )
    assert _one(url, "SELECT count(*) FROM memberships")[0] == 6757
    # Every membership carries the name and commissioner the ePCN file gives the partner.
    assert _one(url, "SELECT count(*) FROM memberships WHERE member_name IS NULL")[0] == 0
    # Both code systems on every area; every active practice's commissioner is one of them.
    assert _one(url, "SELECT count(*) FROM areas WHERE ods_code IS NULL OR gss_code IS NULL")[0] == 0
    assert (
        _one(
            url,
            ACTIVE_GP + " AND NOT EXISTS (SELECT 1 FROM areas a WHERE a.ods_code = r.commissioner_code)",
            reg,
        )[0]
        == 0
    )
    # Kent: G82063 (09E) sits in DEAL & SANDWICH PCN (10A).
    assert _one(
        url,
        "SELECT n.name, n.lead_commissioner_code, r.commissioner_code, m.member_commissioner_code FROM memberships m"
        " JOIN networks n ON n.id = m.network_id JOIN practices p ON p.id = m.practice_id"
        " JOIN practice_register r ON r.practice_id = p.id AND r.extract_id = %(x)s"
        " WHERE p.ods_code = 'G82063'",
        reg,
    ) == ("DEAL & SANDWICH PCN", "10A", "09E", "09E")
    # List sizes of January 2021: 6,658 rows in the file (4 for practices in no register), 6,638 of them for
    # practices in the scenario's practice state.
    ls = {"x": pins["list_sizes"]}
    assert _one(url, "SELECT count(*) FROM practice_list_sizes WHERE extract_id = %(x)s", ls)[0] == 6658
    assert (
        _one(
            url,
            "SELECT count(*) FROM practice_list_sizes ls WHERE ls.extract_id = %(x)s AND NOT EXISTS"
            " (SELECT 1 FROM practice_register r WHERE r.practice_id = ls.practice_id)",
            ls,
        )[0]
        == 4
    )
    state = _state(url, "epcn-december-2019")
    assert sum(1 for r in state.values() if r["list_size_date"] == date(2021, 1, 1)) == 6638
    assert _one(url, "SELECT count(*) FROM networks WHERE geom IS NOT NULL")[0] == 1245
    assert _one(url, "SELECT count(*) FROM extracts WHERE kind = 'list_sizes' AND extract_date = '2021-01-01'")[0] == 1


def test_england_2019_rerun_is_a_no_op(england_2019_writable_db_url, real_data):
    """Run the whole bundle again (in a clone of its own, inside a transaction that is rolled back)."""
    conn = psycopg2.connect(england_2019_writable_db_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT version FROM data_version")
            (before,) = cur.fetchone()
        reports = import_bundle(conn, MANIFESTS / "england_2019-20.toml", root=real_data)
        for r in reports:
            assert (r.added, r.updated, r.closed) == (0, 0, 0), r.summary()
            assert not r.changed, r.summary()
        with conn.cursor() as cur:
            cur.execute("SELECT version FROM data_version")
            assert cur.fetchone()[0] == before
    finally:
        conn.rollback()
        conn.close()


def _fact_counts(conn) -> dict[str, tuple]:
    """Rows, and the newest row version (a row written by this transaction would be newer), per fact table."""
    out = {}
    with conn.cursor() as cur:
        for table in ("practices", "practice_register", "practice_list_sizes", "postcode_points"):
            cur.execute(sql.SQL("SELECT count(*), max(xmin::text::bigint) FROM {}").format(sql.Identifier(table)))
            out[table] = cur.fetchone()
    return out


@pytest.fixture(scope="module")
def england_2020_on_2019(templates, maintenance_url, england_2019_db_url, real_data):
    """England 2019/20 with the 2020/21 bundle loaded on top, in a clone of the test's own; the fact counts before
    that import and its reports. The import runs once into a kept template (keyed like the bundles' own) and each
    run clones it, instead of importing the bundle on a clone every run."""

    def build(url: str) -> tuple[dict, list]:
        conn = psycopg2.connect(url)
        try:
            facts = _fact_counts(conn)
            reports = import_bundle(conn, MANIFESTS / "england_2020-21.toml", root=real_data)
            conn.commit()
            return facts, reports
        finally:
            conn.close()

    source = england_2019_db_url.rsplit("/", 1)[1].replace(f"{templates.prefix}_ro_", f"{templates.prefix}_t_", 1)
    key = db_templates.bundles_key(["england_2019-20.toml", "england_2020-21.toml"], real_data)
    name, (facts, reports) = templates.template_with_result("england_2019_2020", key, build, source=source)
    url = clone_database(maintenance_url, name, "england_2020_on_2019")
    yield url, facts, reports
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


def test_england_2020_bundle_shares_the_2019_files(england_2020_on_2019, real_data):
    """The 2020/21 manifest names the 2019/20 register, list-size and postcode files: loaded on top of 2019/20,
    those are the same extracts, nothing is written for them, and its scenario is pinned to them."""
    url, facts, reports = england_2020_on_2019
    conn = psycopg2.connect(url)
    try:
        shared = {r.kind: r for r in reports if r.kind in ("practices", "list sizes", "postcodes")}
        assert set(shared) == {"practices", "list sizes", "postcodes"}
        for r in shared.values():
            assert (r.added, r.updated, r.closed) == (0, 0, 0), r.summary()
            assert not r.changed, r.summary()
        assert _fact_counts(conn) == facts
        with conn.cursor() as cur:
            cur.execute(
                "SELECT slug, as_of, register_extract_id, list_size_extract_id, location_extract_id FROM scenarios"
                " ORDER BY slug"
            )
            (dec_2019, qof) = cur.fetchall()
        assert dec_2019[0] == "epcn-december-2019" and qof[0] == "qof-pcn-mapping-2020-21"
        assert qof[1] == date(2021, 3, 31)
        assert (
            qof[2:]
            == dec_2019[2:]
            == (
                shared["practices"].extract_id,
                shared["list sizes"].extract_id,
                shared["postcodes"].extract_id,
            )
        )
        # And running it again is a no-op, data version included (in a transaction that is rolled back).
        with conn.cursor() as cur:
            cur.execute("SELECT version FROM data_version")
            (before,) = cur.fetchone()
        for r in import_bundle(conn, MANIFESTS / "england_2020-21.toml", root=real_data):
            assert not r.changed, r.summary()
        with conn.cursor() as cur:
            cur.execute("SELECT version FROM data_version")
            assert cur.fetchone()[0] == before
    finally:
        conn.rollback()
        conn.close()


def test_england_2022_bundle(england_2022_db_url):
    url = england_2022_db_url
    pins = _pins(url, "epcn-april-2022")
    assert pins["as_of"] == date(2022, 4, 27)
    assert _extract(url, pins["register"]) == ("practices", "epraccur_2022-03.csv.gz", "2022-03-01", "real")
    assert _extract(url, pins["list_sizes"])[1:3] == ("gp-reg-pat-prac-all_2022-04.csv", "2022-04-01")
    reg = {"x": pins["register"]}
    english = (
        ACTIVE_GP + " AND EXISTS (SELECT 1 FROM areas a JOIN boundary_sets b ON b.id = a.boundary_set_id"
        " WHERE b.slug = 'ccg-april-2021' AND a.ods_code = r.commissioner_code)"
    )
    assert _one(url, english, reg)[0] == 6539
    for slug, n in (("ccg-april-2021", 106), ("sub-icb-locations-july-2022", 106), ("icb-july-2022", 42)):
        assert (
            _one(
                url,
                "SELECT count(*) FROM areas a JOIN boundary_sets b ON b.id = a.boundary_set_id WHERE b.slug = %(s)s",
                {"s": slug},
            )[0]
            == n
        ), slug
    # 6,944 active GP practices, of which 405 Welsh: kept, with no area of any boundary set, out of scope.
    assert _one(url, "SELECT count(*) FROM practice_register WHERE extract_id = %(x)s", reg)[0] == 15060
    assert _one(url, ACTIVE_GP, reg)[0] == 6944
    assert _one(url, ACTIVE_GP + " AND r.nation = 'wales'", reg)[0] == 405
    assert _one(url, ACTIVE_GP + " AND r.nation = 'wales' AND r.commissioner_code NOT LIKE '7A%%'", reg)[0] == 0
    assert _one(url, "SELECT count(*) FROM areas WHERE ods_code LIKE '7A%%'")[0] == 0
    scope, counts = _scope(url, "epcn-april-2022")
    assert scope.boundary_set["slug"] == "ccg-april-2021"
    assert (counts["active"], counts["out_of_scope"]) == (6539, {"wales": 405})
    # ePCN April 2022: 7,359 memberships, 6,475 current on the scenario's date (27 April 2022).
    assert _one(url, "SELECT count(*) FROM memberships")[0] == 7359
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("SELECT count(*) FROM memberships m WHERE m.scenario_id = %(scenario_id)s AND {}").format(
                    scope_repo.current_membership("m")
                ),
                scope.values(),
            )
            assert cur.fetchone()[0] == 6475
    finally:
        conn.close()
    # One core partner is in no register: an identity, and the membership names it.
    state = _state(url, "epcn-april-2022")
    outside = [r for r in state.values() if not r["in_register"]]
    assert len(outside) == 1 and outside[0]["name"] and not outside[0]["active_gp"]


def test_welsh_rows_of_the_2022_register_are_wales(england_2022_db_url, real_data):
    """Every row whose national grouping is Welsh (W…) in the raw file is a 'wales' fact, and only those."""
    with gzip.open(real_data / "practices" / "epraccur_2022-03.csv.gz", "rt", encoding="utf-8") as fh:
        raw = list(csv.reader(fh))
    header, body = raw[0], raw[1:]
    code, grouping = header.index("organisation_code"), header.index("national_grouping")
    welsh_in_file = {r[code].strip().upper() for r in body if r[grouping].strip().upper().startswith("W")}
    assert len(welsh_in_file) == 739
    conn = psycopg2.connect(england_2022_db_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                """SELECT p.ods_code, r.nation FROM practice_register r JOIN practices p ON p.id = r.practice_id
                     JOIN scenarios s ON s.register_extract_id = r.extract_id
                    WHERE s.slug = 'epcn-april-2022'"""
            )
            nations = dict(cur.fetchall())
    finally:
        conn.close()
    assert len(nations) == len(body)
    assert {c for c, n in nations.items() if n == "wales"} == welsh_in_file
    assert {n for c, n in nations.items() if c not in welsh_in_file} == {"england"}

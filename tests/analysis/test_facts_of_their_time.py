"""Every vintage on the facts of its own time (issue 19), on small files written here.

* a practice's commissioner on a date is the nearest dated statement among every loaded file that states one
  (register, list-size file's CCG_CODE, the membership file's own commissioner column);
* the practices in scope are those a register near the date says exist, else those with patients in the
  nearest list-size file, else none, and the orphan rule is "not judged";
* the QOF mapping's ``U`` / "Unallocated" pseudo-network is "in no network": its practices are orphaned.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from psycopg2.extras import RealDictCursor

from geo_service.analysis import service
from geo_service.ingest.boundaries import import_boundaries
from geo_service.ingest.list_sizes import import_list_sizes
from geo_service.ingest.pcn import import_pcn
from geo_service.ingest.practices import import_practices
from geo_service.scope import resolve_scope, set_scenario
from tests.analysis.conftest import clone_of, loaded_template

REGISTER_HEADER = (
    "organisation_code,name,national_grouping,high_level_health_geography,address_line_1,address_line_2,"
    "address_line_3,address_line_4,address_line_5,postcode,open_date,close_date,status_code,"
    "organisation_sub_type_code,commissioner,join_provider_purchaser_date,left_provider_purchaser_date,"
    "contact_telephone_number,null_19,null_20,null_21,amended_record_indicator,null_23,provider_purchaser,null_25,"
    "prescribing_setting,null_27"
)


def _register_row(code: str, name: str, commissioner: str, status: str = "A") -> str:
    return (
        f"{code},{name},Y59,Q68,1 HIGH STREET,,TOWN,,,CT1 1AA,19740401,,{status},B,{commissioner},20130401,,"
        f"01227 000000,,,,0,,{commissioner},,4,"
    )


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def small_files(tmp_path_factory) -> dict[str, Path]:
    """A register (Dec 2019) saying P1..P4 are open under AAA; a list-size file (Jan 2021) saying P1, P2 and P5
    have patients under BBB (P3, P4 closed in 2020; P5 opened); a QOF-style mapping (31 Mar 2021) with P1 in
    network U10001 under CCC and P2, P5 under "U / Unallocated" under CCC."""
    tmp_path = tmp_path_factory.mktemp("facts_of_their_time")
    register = _write(
        tmp_path / "epraccur.csv",
        [
            REGISTER_HEADER,
            _register_row("P00001", "ONE SURGERY", "AAA"),
            _register_row("P00002", "TWO SURGERY", "AAA"),
            _register_row("P00003", "THREE SURGERY", "AAA"),
            _register_row("P00004", "FOUR SURGERY", "AAA"),
        ],
    )
    sizes = _write(
        tmp_path / "gp-reg-pat-prac-all.csv",
        [
            "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS",
            "GP_PRAC_PAT_LIST,01JAN2021,GP,BBB,E38000001,P00001,CT1 1AA,ALL,ALL,5000",
            "GP_PRAC_PAT_LIST,01JAN2021,GP,BBB,E38000001,P00002,CT1 1AA,ALL,ALL,6000",
            "GP_PRAC_PAT_LIST,01JAN2021,GP,BBB,E38000001,P00005,CT1 1AA,ALL,ALL,7000",
        ],
    )
    mapping = _write(
        tmp_path / "qof_mapping.csv",
        [
            "CCG_ODS_CODE,CCG_NAME,PCN_ODS_CODE,PCN_NAME,PRACTICE_CODE,PRACTICE_NAME",
            "CCC,NHS C CCG,U10001,FIRST PCN,P00001,One Surgery",
            "CCC,NHS C CCG,U,Unallocated,P00002,Two Surgery",
            "CCC,NHS C CCG,U,Unallocated,P00005,Five Surgery",
        ],
    )
    return {"register": register, "list_sizes": sizes, "mapping": mapping}


DATA = Path(__file__).resolve().parents[1] / "data"


def _load_small(db, small_files: dict[str, Path]) -> None:
    import_boundaries(db, DATA / "ccg_boundaries.geojson", "Test CCGs 2019", "ccg", "2019-04")
    import_practices(db, small_files["register"], dt.date(2019, 12, 1))
    import_list_sizes(db, small_files["list_sizes"])
    import_pcn(db, [small_files["mapping"]], "Mapping 2020/21", dt.date(2021, 3, 31))


@pytest.fixture(scope="module")
def small_template(maintenance_url, template_db, small_files):
    """The small files imported once per module and worker; each test gets a copy of its own."""
    with loaded_template(maintenance_url, template_db, "facts_time_t", lambda db: _load_small(db, small_files)) as name:
        yield name


@pytest.fixture
def small_db(maintenance_url, small_template):
    with clone_of(maintenance_url, small_template, "facts_time_") as db:
        yield db


def _state(conn, slug: str) -> dict[str, dict]:
    from psycopg2 import sql

    from geo_service.db.repositories import scope as scope_repo

    scope = resolve_scope(conn, slug)
    with conn.cursor(cursor_factory=RealDictCursor) as cur:
        cur.execute(
            sql.SQL("WITH {ps} SELECT * FROM ps").format(ps=scope_repo.practice_state_cte("ps")), scope.values()
        )
        return {r["ods_code"]: r for r in cur.fetchall()}


def test_the_unallocated_pseudo_network_is_no_network(small_db):
    with small_db.connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT code FROM networks ORDER BY code")
        assert [r[0] for r in cur.fetchall()] == ["U10001"]
        cur.execute(
            """SELECT p.ods_code, s.commissioner_code FROM practice_commissioner_statements s
                 JOIN practices p ON p.id = s.practice_id ORDER BY 1"""
        )
        # Every row of the file states its practice's commissioner, the "Unallocated" ones too.
        assert cur.fetchall() == [("P00001", "CCC"), ("P00002", "CCC"), ("P00005", "CCC")]


def test_commissioner_is_the_nearest_files_statement(small_db):
    with small_db.connection() as conn:
        state = _state(conn, "mapping-2020-21")
        # 31 Mar 2021: the mapping (that day) is nearer than the list sizes (Jan 2021) or the register (Dec 2019).
        assert state["P00001"]["commissioner_code"] == "CCC"
        assert state["P00002"]["commissioner_code"] == "CCC"
        set_scenario(conn, "mapping-2020-21", as_of="2020-11-01")
        state = _state(conn, "mapping-2020-21")
        # 1 Nov 2020: the list-size file (2 months after) is nearer than the mapping (5 months) or the register.
        assert state["P00001"]["commissioner_code"] == "BBB"
        set_scenario(conn, "mapping-2020-21", as_of="2019-12-10")
        state = _state(conn, "mapping-2020-21")
        assert state["P00001"]["commissioner_code"] == "AAA"  # the register, 9 days before
        conn.rollback()


def test_no_register_near_the_date_orphans_are_judged_from_list_sizes(small_db):
    with small_db.connection() as conn:
        scope = resolve_scope(conn, "mapping-2020-21")
        assert scope.practices_source == "list_sizes"
        assert scope.describe()["practices_from"] == {
            "source": "list_sizes",
            "file": "gp-reg-pat-prac-all.csv",
            "extract_date": "2021-01-01",
        }
        assert scope.data_line().endswith("practices from list sizes Jan 2021")
        assert "orphaned_practices" not in scope.not_judged
        result = service.run_checks(conn, "mapping-2020-21", None)
        # P3, P4: open in the Dec 2019 register, no patients in Jan 2021: not orphans. P5 opened in 2020 and is
        # "Unallocated": an orphan, as is P2.
        assert {r["code"] for r in result["items"]["orphaned_practices"]} == {"P00002", "P00005"}
        assert result["summary"]["orphaned_practices"] == 2
        # No postcode file is loaded here: the location half of the cross-boundary rule cannot be judged; nor can
        # extended hours in 2020/21 (no register or payments file of that year says who offers them: issue 25).
        assert sorted(result["scope"]["not_judged"]) == [
            "cross_boundary_networks.member_location",
            "extended_hours_coverage",
        ]


def test_a_register_near_the_date_decides(small_db):
    with small_db.connection() as conn:
        set_scenario(conn, "mapping-2020-21", as_of="2020-01-15")
        scope = resolve_scope(conn, "mapping-2020-21")
        assert scope.practices_source == "register"
        result = service.run_checks(conn, "mapping-2020-21", None)
        assert {r["code"] for r in result["items"]["orphaned_practices"]} == {"P00002", "P00003", "P00004"}
        conn.rollback()


def test_nothing_near_the_date_is_not_judged(small_db):
    with small_db.connection() as conn:
        set_scenario(conn, "mapping-2020-21", as_of="2024-06-01")
        scope = resolve_scope(conn, "mapping-2020-21")
        assert scope.practices_source is None
        reason = scope.not_judged["orphaned_practices"]
        assert "no register within 183 days" in reason and "548 days" in reason and "1 Jun 2024" in reason
        assert scope.describe()["not_judged"]["orphaned_practices"] == reason
        assert scope.data_line().endswith("practices not judged")
        conn.rollback()


def test_kept_state_equals_a_rebuild(small_db):
    with small_db.connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT * FROM scenario_practice_state ORDER BY scenario_id, practice_id")
        kept = cur.fetchall()
        cur.execute("SELECT refresh_scenario_state(ARRAY(SELECT id FROM scenarios))")
        cur.execute("SELECT * FROM scenario_practice_state ORDER BY scenario_id, practice_id")
        assert cur.fetchall() == kept
        conn.rollback()


def test_reimporting_the_mapping_changes_nothing(small_db, small_files):
    with small_db.connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT version FROM data_version")
        before = cur.fetchone()[0]
    _nets, members = import_pcn(small_db, [small_files["mapping"]], "Mapping 2020/21", dt.date(2021, 3, 31))
    assert not members.changed
    assert members.notes["practices in no network (U)"] == 2
    with small_db.connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT version FROM data_version")
        assert cur.fetchone()[0] == before

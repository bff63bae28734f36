"""The derived geometry tables follow edits to practices, areas and networks (triggers), and always
equal a rebuild from scratch."""

from __future__ import annotations

import pytest

from geo_service.analysis import service
from geo_service.db.pool import dict_cursor
from geo_service.demo.generator import BOUNDARY_SET, PROPOSAL, REGISTERED
from geo_service.demo.load import load_demo

BS = BOUNDARY_SET["slug"]
SNAPSHOT = {
    "practice_areas": "SELECT practice_id, boundary_set_id, area_id FROM practice_areas ORDER BY 1, 2",
    "network_area_shares": "SELECT network_id, area_id, round(area_m2) AS m2 FROM network_area_shares ORDER BY 1, 2",
    "network_overlaps": "SELECT network_a, network_b, round(overlap_m2) AS m2 FROM network_overlaps ORDER BY 1, 2",
    "area_gaps": "SELECT scenario_id, area_id, part, round(gap_m2) AS m2 FROM area_gaps ORDER BY 1, 2, 3",
    "network_geometry": "SELECT network_id, round(area_m2) AS m2 FROM network_geometry ORDER BY 1",
    "membership_polygon_distance": "SELECT membership_id, network_id, practice_id, round(distance_m) AS m"
    " FROM membership_polygon_distance ORDER BY 1",
    "area_geometry": "SELECT area_id, round(area_m2) AS m2 FROM area_geometry ORDER BY 1",
}


def _snapshot(conn) -> dict:
    out = {}
    with dict_cursor(conn) as cur:
        for name, query in SNAPSHOT.items():
            cur.execute(query)
            out[name] = cur.fetchall()
    return out


def _assert_same_as_rebuild(conn) -> None:
    before = _snapshot(conn)
    with conn.cursor() as cur:
        cur.execute("SELECT analysis_rebuild_all()")
    after = _snapshot(conn)
    for name in SNAPSHOT:
        # Rounding to whole m² absorbs floating-point noise between incremental and full runs.
        assert before[name] == after[name], name


@pytest.fixture
def demo(fresh_db):
    load_demo(fresh_db)
    return fresh_db


def test_demo_load_fills_the_derived_tables(demo):
    with demo.connection() as conn:
        snap = _snapshot(conn)
        assert len(snap["practice_areas"]) == 62  # every located practice, one area each
        assert len(snap["area_gaps"]) == 1
        # Every membership of the proposal (which has polygons) whose practice is located has a distance.
        assert len(snap["membership_polygon_distance"]) == 62 - 1  # the one unlocated member has none
        assert all(row["m"] == 0 for row in snap["membership_polygon_distance"])
        _assert_same_as_rebuild(conn)


def test_moving_a_practice_moves_its_area(demo):
    with demo.connection() as conn:
        before = service.finding_sets(service.run_checks(conn, REGISTERED, BS))
        assert before["cross_boundary_geographic"] == {"UZ0010"}
        with conn.cursor() as cur:
            # Move the cross-boundary practice next to a fellow member of UZ0010 (area ZA4).
            cur.execute(
                """UPDATE practices p SET location = ST_Translate(q.location, 0.0005, 0)
                     FROM practices q
                    WHERE p.ods_code = %(crosser)s AND q.ods_code = %(anchor)s""",
                {"crosser": "Z00059", "anchor": "Z00044"},
            )
        after = service.finding_sets(service.run_checks(conn, REGISTERED, BS))
        assert after["cross_boundary_geographic"] == set()
        assert after["cross_boundary_administrative"] == {"UZ0010"}  # commissioner unchanged
        with conn.cursor() as cur:
            cur.execute("UPDATE practices SET location = NULL WHERE ods_code = 'Z00044'")
        gaps = service.finding_sets(service.run_checks(conn, REGISTERED, BS))
        assert "Z00044" in gaps["practices_without_location"]
        _assert_same_as_rebuild(conn)


def test_editing_polygons_updates_overlaps_gaps_and_outside_members(demo):
    with demo.connection() as conn:
        with conn.cursor() as cur:
            # Shrink UZ0004 by 2 km all round: members near its edge fall outside, its area gains gaps.
            cur.execute(
                """UPDATE networks n
                      SET geom = ST_Multi(ST_Transform(ST_Buffer(ST_Transform(n.geom, 27700), -2000), 4326))
                     FROM scenarios s WHERE s.id = n.scenario_id AND s.slug = %(s)s AND n.code = 'UZ0004'""",
                {"s": PROPOSAL},
            )
        sets = service.finding_sets(service.run_checks(conn, PROPOSAL, BS))
        assert sets["members_outside_network_polygon"], "members of the shrunk network are now outside it"
        assert sets["areas_with_gaps"] == {"ZA2"}
        gap = next(r for r in service.run_checks(conn, PROPOSAL, BS)["items"]["geometry"] if r["kind"] == "area_gap")
        assert gap["gap_m2"] > 10_000_000  # most of UZ0004's old polygon is now uncovered
        # Remove the overlap: UZ0011 loses the disc it claimed from UZ0012.
        with conn.cursor() as cur:
            cur.execute(
                """UPDATE networks a SET geom = ST_Multi(ST_CollectionExtract(ST_Difference(a.geom, b.geom), 3))
                     FROM networks b, scenarios s
                    WHERE s.slug = %(s)s AND a.scenario_id = s.id AND b.scenario_id = s.id
                      AND a.code = 'UZ0011' AND b.code = 'UZ0012'""",
                {"s": PROPOSAL},
            )
        assert service.finding_sets(service.run_checks(conn, PROPOSAL, BS))["overlapping_networks"] == set()
        _assert_same_as_rebuild(conn)
        with conn.cursor() as cur:
            cur.execute(
                "DELETE FROM networks n USING scenarios s WHERE s.id = n.scenario_id AND s.slug = %(s)s"
                " AND n.code = 'UZ0012'",
                {"s": PROPOSAL},
            )
        sets = service.finding_sets(service.run_checks(conn, PROPOSAL, BS))
        assert "ZA4" in sets["areas_with_gaps"]  # UZ0012's part of ZA4 is uncovered now
        _assert_same_as_rebuild(conn)


def test_a_new_boundary_set_is_indexed_on_insert(demo):
    with demo.connection() as conn:
        with conn.cursor() as cur:
            cur.execute(
                "INSERT INTO boundary_sets (slug, name, level, vintage) VALUES ('one-big', 'One big area', 'icb', 'x')"
                " RETURNING id"
            )
            bs_id = cur.fetchone()[0]
            cur.execute(
                """INSERT INTO areas (boundary_set_id, ods_code, name, geom)
                   SELECT %(bs)s, 'QQQ', 'Everything', ST_Multi(ST_Union(geom)) FROM areas a
                     JOIN boundary_sets b ON b.id = a.boundary_set_id AND b.slug = %(slug)s""",
                {"bs": bs_id, "slug": BS},
            )
        result = service.run_checks(conn, REGISTERED, "one-big")
        sets = service.finding_sets(result)
        # One area holds everything: no geographic crossing, administrative unchanged.
        assert sets["cross_boundary_geographic"] == set() and sets["cross_boundary_administrative"] == {"UZ0010"}
        _assert_same_as_rebuild(conn)
        with conn.cursor() as cur:
            cur.execute("DELETE FROM boundary_sets WHERE slug = 'one-big'")
            cur.execute("SELECT count(*) FROM practice_areas WHERE boundary_set_id = %(bs)s", {"bs": bs_id})
            assert cur.fetchone()[0] == 0

"""The derived geometry tables follow edits to locations, areas, memberships and networks (triggers), and
always equal a rebuild from scratch."""

from __future__ import annotations

import pytest

from geo_service.analysis import service
from geo_service.db.pool import dict_cursor
from geo_service.demo.generator import BOUNDARY_SET, PROPOSAL, REGISTERED

BS = BOUNDARY_SET["slug"]
SNAPSHOT = {
    "point_areas": "SELECT point_id, boundary_set_id, area_id FROM point_areas ORDER BY 1, 2",
    "network_area_shares": "SELECT network_id, area_id, round(area_m2) AS m2 FROM network_area_shares ORDER BY 1, 2",
    "network_overlaps": "SELECT network_a, network_b, round(overlap_m2) AS m2,"
    " round(smaller_share::numeric, 6) AS share"
    " FROM network_overlaps ORDER BY 1, 2",
    "area_gaps": "SELECT scenario_id, area_id, part, round(gap_m2) AS m2 FROM area_gaps ORDER BY 1, 2, 3",
    "network_geometry": "SELECT network_id, round(area_m2) AS m2 FROM network_geometry ORDER BY 1",
    "network_point_distance": "SELECT network_id, point_id, round(distance_m) AS m"
    " FROM network_point_distance ORDER BY 1, 2",
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
def demo(fresh_demo_db):
    return fresh_demo_db


def test_demo_load_fills_the_derived_tables(demo):
    with demo.connection() as conn:
        snap = _snapshot(conn)
        assert len(snap["point_areas"]) == 62  # every located practice's point, one area each
        assert len(snap["area_gaps"]) == 1
        # Every member of the proposal (which has polygons) with a location has a distance to its polygon.
        assert len(snap["network_point_distance"]) == 62 - 1  # the one unlocated member has none
        assert all(row["m"] == 0 for row in snap["network_point_distance"])
        _assert_same_as_rebuild(conn)


def test_moving_a_practice_moves_its_area(demo):
    with demo.connection() as conn:
        before = service.finding_sets(service.run_checks(conn, REGISTERED, BS))
        assert before["cross_boundary_member_location"] == {"UZ0010"}
        with conn.cursor() as cur:
            # Correct the cross-boundary practice's postcode point to next to a fellow member of UZ0010 (ZA4).
            cur.execute(
                """UPDATE postcode_points p SET geom = ST_Translate(q.geom, 0.0005, 0)
                     FROM postcode_points q, practice_register rp, practice_register rq, practices pp, practices pq
                    WHERE pp.ods_code = %(crosser)s AND pq.ods_code = %(anchor)s
                      AND rp.practice_id = pp.id AND rq.practice_id = pq.id
                      AND p.postcode_key = rp.postcode_key AND q.postcode_key = rq.postcode_key""",
                {"crosser": "Z00059", "anchor": "Z00044"},
            )
        after = service.finding_sets(service.run_checks(conn, REGISTERED, BS))
        assert after["cross_boundary_member_location"] == set()
        assert after["cross_boundary_administrative"] == {"UZ0010"}  # commissioner unchanged
        _assert_same_as_rebuild(conn)
        with conn.cursor() as cur:
            cur.execute(
                """DELETE FROM postcode_points pt USING practice_register r, practices p
                    WHERE p.ods_code = 'Z00044' AND r.practice_id = p.id AND pt.postcode_key = r.postcode_key"""
            )
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
                "INSERT INTO boundary_sets (slug, name, level, vintage, valid_from, dataset)"
                " VALUES ('one-big', 'One big area', 'icb', 'x', '2019-04-01', 'synthetic') RETURNING id"
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
        assert sets["cross_boundary_member_location"] == set()
        assert sets["cross_boundary_administrative"] == {"UZ0010"}
        _assert_same_as_rebuild(conn)
        with conn.cursor() as cur:
            cur.execute("DELETE FROM boundary_sets WHERE slug = 'one-big'")
            cur.execute("SELECT count(*) FROM point_areas WHERE boundary_set_id = %(bs)s", {"bs": bs_id})
            assert cur.fetchone()[0] == 0

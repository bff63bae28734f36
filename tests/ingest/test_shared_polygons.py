"""A polygon's area shares are measured once (schema/functions/network_share_sources.sql): a network whose polygon
another network holds too takes that one's rows, whether the other is outside the refresh (a second scenario given
the same polygon file, a copied plan) or refreshed in the same statement; the rows are those a measurement gives."""

from __future__ import annotations

import pytest

from tests.conftest import rolled_back_connection


@pytest.fixture
def conn(fresh_demo_db_url):
    with rolled_back_connection(fresh_demo_db_url) as conn:
        yield conn


def _shares(cur, network_id: int) -> list[tuple]:
    cur.execute(
        "SELECT area_id, boundary_set_id, area_m2::float4, share::float4 FROM network_area_shares"
        " WHERE network_id = %(n)s ORDER BY 1, 2",
        {"n": network_id},
    )
    return cur.fetchall()


def _measured(cur, network_id: int) -> list[tuple]:
    """The shares measured here from the polygon and the areas (not their pieces)."""
    cur.execute(
        "SELECT a.id, a.boundary_set_id, ST_Area(ST_Transform(ST_Intersection(n.geom, a.geom), 27700)),"
        "       ST_Area(ST_Transform(n.geom, 27700))"
        " FROM networks n JOIN areas a ON ST_Intersects(a.geom, n.geom) WHERE n.id = %(n)s ORDER BY 1, 2",
        {"n": network_id},
    )
    return [(area, bs, m2, m2 / whole) for area, bs, m2, whole in cur.fetchall() if m2 > 0]


def _two_scenarios_networks(cur) -> tuple[int, int, int]:
    """A network with a polygon that meets areas, and two networks of another scenario."""
    cur.execute(
        "SELECT n.id, n.scenario_id FROM networks n WHERE EXISTS (SELECT 1 FROM network_area_shares s"
        " WHERE s.network_id = n.id) ORDER BY n.id LIMIT 1"
    )
    source, scenario = cur.fetchone()
    cur.execute("SELECT id FROM networks WHERE scenario_id <> %(s)s ORDER BY id LIMIT 2", {"s": scenario})
    first, second = (r[0] for r in cur.fetchall())
    return source, first, second


def _close(rows: list[tuple], expected: list[tuple]) -> bool:
    """Each area's share as measured (slivers under 1 m² aside: pieces and whole areas round them apart)."""

    def big(rs: list[tuple]) -> dict:
        return {(r[0], r[1]): (r[2], r[3]) for r in rs if r[2] > 1}

    got, want = big(rows), big(expected)
    return (
        bool(got)
        and got.keys() == want.keys()
        and all(
            got[k][0] == pytest.approx(want[k][0], rel=1e-4) and got[k][1] == pytest.approx(want[k][1], rel=1e-4)
            for k in got
        )
    )


def test_a_network_given_another_networks_polygon_takes_its_shares(conn):
    with conn.cursor() as cur:
        source, target, _ = _two_scenarios_networks(cur)
        cur.execute(
            "UPDATE networks SET geom = (SELECT geom FROM networks WHERE id = %(s)s) WHERE id = %(t)s",
            {"s": source, "t": target},
        )
        assert _shares(cur, target) == _shares(cur, source)
        assert _close(_shares(cur, target), _measured(cur, target))


def test_networks_given_one_new_polygon_in_one_statement_are_measured_alike(conn):
    with conn.cursor() as cur:
        source, first, second = _two_scenarios_networks(cur)
        cur.execute(
            "UPDATE networks SET geom = (SELECT ST_Multi(ST_Buffer(geom, 0.001)) FROM networks WHERE id = %(s)s)"
            " WHERE id IN (%(a)s, %(b)s)",
            {"s": source, "a": first, "b": second},
        )
        rows = _shares(cur, first)
        assert rows and rows == _shares(cur, second)
        assert rows != _shares(cur, source)  # a polygon of its own, measured
        assert _close(rows, _measured(cur, first))

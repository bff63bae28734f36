"""Derived network territories (issue 12): on England 2019/20 and on the demo, written to a clone, then checked
by SQL that does not use the module's code: the stored polygons (EPSG:4326), transformed to EPSG:27700 the way
a user would, must not overlap (pairwise intersection < 1 m²), must hold each network's located members (within
1 m) and stay within the areas that hold those members (less than 1 m² outside).

Members are read independently from the kept tables (``scenario_members`` joined with
``scenario_practice_state``: active GP practices of the nation), locations from ``postcode_points``.
"""

from __future__ import annotations

import os

import psycopg2
import pytest
from click.testing import CliRunner

from geo_service.cli import main
from geo_service.db.admin import drop_database
from geo_service.db.pool import Database
from geo_service.errors import NotFound
from geo_service.plans.territories import derive_and_save, derive_territories
from geo_service.scope import resolve_scope
from tests.conftest import clone_database
from tests.db_templates import fingerprint, module_closure

ENGLAND_2019 = "epcn-december-2019"
DEMO = "demo-as-registered"
OVERLAP_M2 = 1.0  # largest pairwise intersection allowed (issue 12)
COVER_M = 1.0  # a member's point must be within this distance of its network's polygon
OUTSIDE_M2 = 1.0  # largest part of a polygon allowed outside the areas of its members

MEMBERS = """
    SELECT sm.network_id, sm.ods_code, pt.geom AS location
      FROM scenarios s
      JOIN scenario_members sm ON sm.scenario_id = s.id
      JOIN scenario_practice_state sps ON sps.scenario_id = s.id AND sps.practice_id = sm.practice_id
           AND sps.active_gp AND sps.in_nation
      LEFT JOIN postcode_points pt ON pt.id = sps.point_id
     WHERE s.slug = %(slug)s"""


def _query(url: str, sql: str, params: dict) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _derive(url: str, slug: str):
    db = Database(url, statement_timeout_ms=0)
    try:
        return derive_and_save(db, slug, None)
    finally:
        db.close()


def derived(templates, maintenance_url, shared_url: str, kind: str, slug: str, suffix: str):
    """A clone of the database behind ``shared_url`` (a shared read-only copy) with ``slug``'s territories derived,
    and the scope and ``Territories`` that derivation returned. The derivation (England-sized: about 15 s) runs once
    into a kept template, keyed by the source template and the derivation's code; each module clones it."""
    source = shared_url.rsplit("/", 1)[1].replace(f"{templates.prefix}_ro_", f"{templates.prefix}_t_", 1)
    key = fingerprint(module_closure("geo_service.plans.territories"), extra=[source, slug])
    name, (scope, result) = templates.template_with_result(kind, key, lambda url: _derive(url, slug), source=source)
    url = clone_database(maintenance_url, name, f"{suffix}{os.getpid()}")
    return url, scope, result


@pytest.fixture(scope="module")
def england_2019(templates, maintenance_url, england_2019_db_url):
    """A clone of the England 2019/20 fixture with the ePCN December 2019 scenario's territories derived."""
    url, scope, result = derived(templates, maintenance_url, england_2019_db_url, "terr_2019", ENGLAND_2019, "terr")
    yield url, scope, result
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


@pytest.fixture(scope="module")
def demo(maintenance_url, demo_template):
    url = clone_database(maintenance_url, demo_template, f"terrdemo{os.getpid()}")
    yield url
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


@pytest.fixture(scope="module")
def england_2019_stored(england_2019) -> dict[int, tuple[bool, str, bool, bool]]:
    """:func:`stored` of the England clone, read once for the module's tests (they only read the clone: each
    network's validity in EPSG:27700 is a transform of thousands of vertices)."""
    return stored(england_2019[0], ENGLAND_2019)


# ---- independent checks, shared by the England and demo tests --------------------------------------------


def networks_with_located_members(url: str, slug: str) -> set[int]:
    return {
        r[0]
        for r in _query(
            url, f"SELECT DISTINCT network_id FROM ({MEMBERS}) m WHERE location IS NOT NULL", {"slug": slug}
        )
    }


def stored(url: str, slug: str) -> dict[int, tuple[bool, str, bool, bool]]:
    """network id → (has a polygon, geom_origin, valid in 4326, valid in 27700)."""
    rows = _query(
        url,
        """SELECT n.id, n.geom IS NOT NULL, n.geom_origin, coalesce(ST_IsValid(n.geom), true),
                  coalesce(ST_IsValid(ST_Transform(n.geom, 27700)), true)
             FROM networks n JOIN scenarios s ON s.id = n.scenario_id WHERE s.slug = %(slug)s""",
        {"slug": slug},
    )
    return {r[0]: r[1:] for r in rows}


def largest_overlaps(url: str, slug: str) -> list[tuple[str, str, float]]:
    """The five largest pairwise intersections (m², EPSG:27700) of the scenario's stored polygons that touch
    (neighbours). A pair whose boxes overlap but whose polygons do not touch intersects in nothing (0 m²), so it
    is left out before the intersection is computed: an intersection is the costly part."""
    return _query(
        url,
        """WITH t AS MATERIALIZED (
               SELECT n.code, ST_Transform(n.geom, 27700) AS g
                 FROM networks n JOIN scenarios s ON s.id = n.scenario_id
                WHERE s.slug = %(slug)s AND n.geom IS NOT NULL)
           SELECT a.code, b.code, ST_Area(ST_Intersection(a.g, b.g)) AS m2
             FROM t a JOIN t b ON a.code < b.code AND ST_Intersects(a.g, b.g)
            ORDER BY m2 DESC LIMIT 5""",
        {"slug": slug},
    )


def uncovered_members(url: str, slug: str) -> list[tuple[str, str, float]]:
    """Located members farther than COVER_M from their network's polygon (network, practice, metres)."""
    # Each polygon is transformed once (not once per member of its network: an England network's polygon has
    # thousands of vertices), then each member's point is measured against it as before.
    return _query(
        url,
        f"""WITH n AS MATERIALIZED (
                SELECT n.id, n.code, ST_Transform(n.geom, 27700) AS g
                  FROM networks n JOIN scenarios s ON s.id = n.scenario_id WHERE s.slug = %(slug)s)
            SELECT n.code, m.ods_code, ST_Distance(n.g, ST_Transform(m.location, 27700))
              FROM ({MEMBERS}) m JOIN n ON n.id = m.network_id
             WHERE m.location IS NOT NULL
               AND (n.g IS NULL OR NOT ST_DWithin(n.g, ST_Transform(m.location, 27700), %(tol)s))""",
        {"slug": slug, "tol": COVER_M},
    )


def strictly_covered_share(url: str, slug: str) -> float:
    rows = _query(
        url,
        f"""SELECT avg(CASE WHEN ST_Covers(n.geom, m.location) THEN 1.0 ELSE 0.0 END)
              FROM ({MEMBERS}) m JOIN networks n ON n.id = m.network_id WHERE m.location IS NOT NULL""",
        {"slug": slug},
    )
    return float(rows[0][0])


def outside_member_areas(url: str, slug: str) -> list[tuple[str, float]]:
    """Networks with more than OUTSIDE_M2 of polygon outside the union of the areas (of the scenario's boundary
    set) that hold their located members: (network, m² outside)."""
    return _query(
        url,
        f"""WITH m AS ({MEMBERS}),
               held AS (
                   SELECT DISTINCT m.network_id, a.id AS area_id
                     FROM m JOIN scenarios s ON s.slug = %(slug)s
                     JOIN areas a ON a.boundary_set_id = s.boundary_set_id AND ST_Covers(a.geom, m.location)
                    WHERE m.location IS NOT NULL),
               per_network AS (
                   SELECT h.network_id, ST_Union(ST_MakeValid(ST_Transform(a.geom, 27700))) AS areas
                     FROM held h JOIN areas a ON a.id = h.area_id GROUP BY h.network_id)
           SELECT n.code, ST_Area(ST_Difference(ST_Transform(n.geom, 27700), p.areas)) AS m2
             FROM networks n JOIN per_network p ON p.network_id = n.id
            WHERE n.geom IS NOT NULL AND ST_Area(ST_Difference(ST_Transform(n.geom, 27700), p.areas)) >= %(tol)s""",
        {"slug": slug, "tol": OUTSIDE_M2},
    )


def unlocated_members(url: str, slug: str) -> list[str]:
    return sorted(
        r[0] for r in _query(url, f"SELECT ods_code FROM ({MEMBERS}) m WHERE location IS NULL", {"slug": slug})
    )


# ---- England 2019/20 -------------------------------------------------------------------------------------


def test_every_network_with_located_members_gets_a_derived_polygon(england_2019, england_2019_stored):
    url, _scope, result = england_2019
    expected = networks_with_located_members(url, ENGLAND_2019)
    state = england_2019_stored
    assert len(expected) > 1000  # the whole of England, not an empty fixture
    assert {n for n, s in state.items() if s[0]} == expected
    assert {s[1] for s in state.values()} == {"derived"}
    assert set(result.shapes) == expected
    assert sorted(result.networks_cleared) == sorted(set(state) - expected)


def test_stored_polygons_are_valid_in_both_systems(england_2019, england_2019_stored):
    url, _scope, result = england_2019
    bad = {n: s for n, s in england_2019_stored.items() if s[0] and not (s[2] and s[3])}
    assert bad == {}
    assert result.coverage_valid
    made_valid = _query(
        url,
        "SELECT count(*) FROM networks n JOIN scenarios s ON s.id = n.scenario_id"
        " WHERE s.slug = %(slug)s AND n.geom_made_valid",
        {"slug": ENGLAND_2019},
    )
    assert made_valid == [(0,)]


def test_no_two_networks_overlap(england_2019):
    url, _scope, _result = england_2019
    top = largest_overlaps(url, ENGLAND_2019)
    assert top, "no neighbouring networks at all: the check would be vacuous"
    assert top[0][2] < OVERLAP_M2, top


def test_each_network_covers_its_located_members(england_2019):
    url, _scope, _result = england_2019
    assert uncovered_members(url, ENGLAND_2019) == []
    # members sit inside their Voronoi cell; only those sharing a location with another network lie on an edge
    assert strictly_covered_share(url, ENGLAND_2019) > 0.95


def test_polygons_lie_within_the_areas_of_their_members(england_2019):
    url, _scope, _result = england_2019
    assert outside_member_areas(url, ENGLAND_2019) == []


def test_unlocated_members_are_reported(england_2019):
    url, _scope, result = england_2019
    expected = unlocated_members(url, ENGLAND_2019)
    assert expected, "the 2019/20 data has members without a location; the check would be vacuous"
    assert sorted(result.unlocated) == expected
    assert result.summary()["members_unlocated"] == len(expected)


def test_cli_dry_run_reports_and_writes_nothing(england_2019):
    url, _scope, _result = england_2019
    before = _query(url, "SELECT id, md5(ST_AsBinary(geom)) FROM networks ORDER BY id", {})
    out = CliRunner().invoke(main, ["scenario", "territories", ENGLAND_2019, "--dry-run"], env={"DATABASE_URL": url})
    assert out.exit_code == 0, out.output
    assert "would get a territory" in out.output
    assert "members have no location" in out.output
    assert unlocated_members(url, ENGLAND_2019)[0] in out.output
    assert _query(url, "SELECT id, md5(ST_AsBinary(geom)) FROM networks ORDER BY id", {}) == before


# ---- demo ------------------------------------------------------------------------------------------------


def test_demo_territories(demo):
    scope, result = _derive(demo, DEMO)
    expected = networks_with_located_members(demo, DEMO)
    state = stored(demo, DEMO)
    assert expected and {n for n, s in state.items() if s[0]} == expected
    assert all(s[1] == "derived" and s[2] and s[3] for s in state.values() if s[0])
    top = largest_overlaps(demo, DEMO)
    assert not top or top[0][2] < OVERLAP_M2, top
    assert uncovered_members(demo, DEMO) == []
    assert outside_member_areas(demo, DEMO) == []
    assert sorted(result.unlocated) == unlocated_members(demo, DEMO)
    assert result.coverage_valid and result.areas >= 1


def test_demo_derivation_is_repeatable_and_dry_run_writes_nothing(demo):
    def polygons() -> list[tuple[int, bytes | None]]:
        rows = _query(demo, "SELECT id, ST_AsBinary(geom) FROM networks ORDER BY id", {})
        return [(i, None if g is None else bytes(g)) for i, g in rows]

    _derive(demo, DEMO)
    first = polygons()
    assert any(g is not None for _i, g in first)
    db = Database(demo, statement_timeout_ms=0)
    try:
        with db.connection() as conn:
            result = derive_territories(conn, resolve_scope(conn, DEMO))
    finally:
        db.close()
    assert result.shapes
    assert polygons() == first  # computing writes nothing
    _derive(demo, DEMO)
    assert polygons() == first  # deriving again gives the same polygons


def test_a_failure_after_the_write_keeps_nothing(demo):
    """``then`` (a plan's version bump and audit row) runs in the derivation's transaction: if it fails, the
    polygons written before it are rolled back with it."""
    with psycopg2.connect(demo) as conn, conn.cursor() as cur:  # a state that a derivation would change
        cur.execute("UPDATE networks SET geom_origin = 'drawn' WHERE geom IS NOT NULL")
    conn.close()
    rows = "SELECT id, geom_origin, ST_AsBinary(geom) FROM networks ORDER BY id"
    before = [(i, o, None if g is None else bytes(g)) for i, o, g in _query(demo, rows, {})]

    def refuse(conn, territories) -> None:
        assert territories.shapes  # the write has happened in this transaction
        raise RuntimeError("the plan changed meanwhile")

    db = Database(demo, statement_timeout_ms=0)
    try:
        with pytest.raises(RuntimeError):
            derive_and_save(db, DEMO, None, then=refuse)
    finally:
        db.close()
    assert [(i, o, None if g is None else bytes(g)) for i, o, g in _query(demo, rows, {})] == before


def test_unknown_scenario_is_refused(demo):
    db = Database(demo, statement_timeout_ms=0)
    try:
        with pytest.raises(NotFound):
            derive_and_save(db, "no-such-scenario", None)
    finally:
        db.close()


# ---- the coverage step, on hand-made shapes ----------------------------------------------------------------


def test_densified_neighbours_share_their_edge_points_exactly():
    """Two squares sharing a long slanted edge, traversed in opposite directions: after densifying, both carry
    the same points on it (so a transform keeps them edge-matched), and no segment is longer than MAX_EDGE_M."""
    import shapely
    from shapely.geometry import Polygon

    from geo_service.plans.territories import MAX_EDGE_M, _clean_coverage

    a = Polygon([(0, 0), (1000.3, 7.1), (1003.9, 1001.7), (2.2, 1000.1)])
    b = Polygon([(1000.3, 7.1), (2001.1, 3.3), (2000.7, 1000.9), (1003.9, 1001.7)])
    shapes, valid = _clean_coverage({1: a, 2: b})
    assert valid and shapely.coverage_is_valid(list(shapes.values()))
    shared = shapes[1].intersection(shapes[2])
    assert shared.length > 990 and shapes[1].intersection(shapes[2]).area == 0
    pts = [{tuple(p) for p in shapely.get_coordinates(shapes[n])} for n in (1, 2)]
    on_edge = {p for p in pts[0] if shapely.Point(p).distance(shared) < 1e-9}
    assert len(on_edge) >= 1000 / MAX_EDGE_M + 1 and on_edge <= pts[1]
    for n in (1, 2):
        coords = shapely.get_coordinates(shapes[n])
        steps = shapely.distance(shapely.points(coords[:-1]), shapely.points(coords[1:]))  # one ring each
        assert steps.max() <= MAX_EDGE_M + 1e-9
    assert abs(shapes[1].area - a.area) < 1e-6 and abs(shapes[2].area - b.area) < 1e-6


# ---- England 2021/22: coastal practices given to the nearest area ---------------------------------------


@pytest.fixture(scope="module")
def england_2022(templates, maintenance_url, england_2022_db_url):
    slug = "epcn-april-2022"
    url, scope, result = derived(templates, maintenance_url, england_2022_db_url, "terr_2022", slug, "terr22")
    yield url, scope, result
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


def test_england_2022_coastal_members_are_covered_over_the_sea(england_2022):
    """In 2021/22 some practices sit just off the generalised CCG coastline (point_areas gives them the nearest
    area): their territory must still reach them, and still overlap no one."""
    url, _scope, result = england_2022
    assert result.summary()["locations_outside_their_area"] > 0, "no coastal case: the check would be vacuous"
    assert uncovered_members(url, "epcn-april-2022") == []
    top = largest_overlaps(url, "epcn-april-2022")
    assert top and top[0][2] < OVERLAP_M2, top
    assert result.coverage_valid

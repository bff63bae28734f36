"""Graph colouring of networks (issue 11): touching networks never share a colour."""

from __future__ import annotations

import itertools

import pytest
from shapely.geometry import shape

from geo_service.db.pool import Database
from geo_service.maps import palette, views
from geo_service.scope import resolve_scope


def test_dsatur_separates_neighbours_and_is_deterministic():
    # A wheel: a hub touching a ring of 7 (odd ring needs 3 colours, the hub a 4th).
    ring = [f"R{i}" for i in range(7)]
    edges = [("HUB", r) for r in ring] + [(ring[i], ring[(i + 1) % 7]) for i in range(7)]
    colours = palette.graph_colours(["HUB", *ring], edges)
    assert all(colours[a] != colours[b] for a, b in edges)
    assert len(set(colours.values())) == 4
    assert palette.graph_colours(list(reversed(["HUB", *ring])), list(reversed(edges))) == colours


def test_unconnected_networks_may_share_the_first_colour():
    colours = palette.graph_colours(["A", "B", "C"], [])
    assert set(colours.values()) == {palette.NETWORK_COLOURS[0]}


@pytest.fixture(scope="module")
def conn(england_2019_db_url):
    db = Database(england_2019_db_url, statement_timeout_ms=0)
    with db.connection() as c:
        yield c
    db.close()


def _busiest_areas(conn, n: int) -> list[str]:
    with conn.cursor() as cur:
        cur.execute(
            """SELECT a.ods_code FROM areas a JOIN boundary_sets bs ON bs.id = a.boundary_set_id
                 JOIN networks n ON n.lead_commissioner_code = a.ods_code
                 JOIN scenarios s ON s.id = n.scenario_id AND s.slug = 'epcn-december-2019'
                WHERE bs.slug = 'ccg-april-2019' GROUP BY a.ods_code ORDER BY count(*) DESC, a.ods_code LIMIT %s""",
            (n,),
        )
        return [r[0] for r in cur.fetchall()]


def test_touching_networks_never_share_a_colour_on_england_2019(conn):
    areas = ["99J", *_busiest_areas(conn, 5)]
    checked_pairs = 0
    for code in areas:
        scope = resolve_scope(conn, "epcn-december-2019", "ccg-april-2019", area=code)
        view = views.area_view(conn, scope, views.Links())
        feats = next(x for x in view.layers if x.key == "networks").features
        # Independent adjacency: shapely on the polygons the page draws (touching or overlapping).
        shapes = [(f["properties"]["code"], shape(f["geometry"]).buffer(0), f["properties"]["c"]) for f in feats]
        for (a, ga, ca), (b, gb, cb) in itertools.combinations(shapes, 2):
            if ga.intersects(gb):
                checked_pairs += 1
                assert ca != cb, f"{code}: touching networks {a} and {b} share colour {ca}"
        # Colours repeat only past the whole scheme (then DSATUR's modulo could join neighbours).
        assert len({c for _, _, c in shapes}) <= len(palette.NETWORK_COLOURS + palette.EXTRA_NETWORK_COLOURS)
    assert checked_pairs > 20  # the areas really have neighbouring networks

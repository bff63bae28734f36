"""Map views against the demo data: layers hold exactly what the generator planted (computed here
from the generator, independently of the SQL), geometry is simplified and rounded."""

from __future__ import annotations

import json

import pytest
import shapely
from shapely.geometry import shape

from geo_service.db.pool import Database
from geo_service.demo.generator import PROPOSAL, REGISTERED, generate
from geo_service.errors import InvalidParameter, NotFound
from geo_service.maps import views
from geo_service.scope import resolve_scope

LINKS = views.Links(area="/a/{code}", network="/n/{code}", overview_data="/data")


def area_view(conn, scenario, code, boundary_set=None):
    return views.area_view(conn, resolve_scope(conn, scenario, boundary_set, area=code), LINKS)


def network_view(conn, scenario, code, boundary_set=None):
    return views.network_view(conn, resolve_scope(conn, scenario, boundary_set, network=code), LINKS)


def overview_features(conn, scenario, tolerance, boundary_set=None):
    return views.overview_features(conn, resolve_scope(conn, scenario, boundary_set), tolerance)


def compare_views(conn, a, b, area, boundary_set=None):
    scope_a, scope_b = views.compare_scopes(conn, a, b, area, boundary_set)
    return views.compare_views(conn, scope_a, scope_b, LINKS, LINKS)


@pytest.fixture(scope="module")
def demo():
    return generate()


@pytest.fixture(scope="module")
def conn(demo_db_url):
    db = Database(demo_db_url)
    with db.connection() as c:
        yield c
    db.close()


def _layer(view, key):
    return next(layer for layer in view.layers if layer.key == key)


def _codes(view, key):
    return {f["properties"]["code"] for f in _layer(view, key).features}


def expected_area(demo, scenario: str, area_code: str) -> tuple[set[str], set[str]]:
    """(network codes, located active practice codes) an area map should show, from the generator."""
    area = next(a for a in demo.areas if a.ods_code == area_code)
    practices = {p.ods_code: p for p in demo.practices}
    nets = demo.scenarios[scenario]["networks"]

    def in_area(p):
        return p.commissioner_code == area_code or (p.location is not None and area.geom.intersects(p.location))

    area_nets = {n.code for n in nets if n.lead_commissioner_code == area_code} | {
        n.code for n in nets if any(in_area(practices[m]) for m in n.members)
    }
    members = {m for n in nets if n.code in area_nets for m in n.members}
    shown = {
        code
        for code, p in practices.items()
        if p.status == "active" and p.location is not None and (in_area(p) or code in members)
    }
    return area_nets, shown


@pytest.mark.parametrize("scenario", [REGISTERED, PROPOSAL])
@pytest.mark.parametrize("area_code", ["ZA1", "ZA2", "ZA3", "ZA4"])
def test_area_view_shows_the_areas_networks_and_practices(conn, demo, scenario, area_code):
    view = area_view(conn, scenario, area_code)
    nets, pracs = expected_area(demo, scenario, area_code)
    assert _codes(view, "networks") == nets
    # Practices of the area, plus members of its networks located elsewhere (drawn, not counted: issue 11).
    outside = _codes(view, "members_outside") if any(x.key == "members_outside" for x in view.layers) else set()
    assert _codes(view, "practices") | outside == pracs
    assert not _codes(view, "practices") & outside
    assert _codes(view, "area") == {area_code}
    focus = next(a.geom for a in demo.areas if a.ods_code == area_code)
    assert _codes(view, "neighbours") == {a.ods_code for a in demo.areas if a.geom.intersects(focus)} - {area_code}
    assert view.boundary_set["slug"] == "demo-ccg"


def test_findings_layers_hold_the_planted_cases(conn, demo):
    planted = demo.planted[REGISTERED]
    seen = {k: set() for k in ("cross_boundary", "undersized", "oversized", "dominated", "extended_hours_gap")}
    orphans = set()
    for area in ("ZA1", "ZA2", "ZA3", "ZA4"):
        view = area_view(conn, REGISTERED, area, "demo-ccg")
        for key in seen:
            seen[key] |= _codes(view, key)
        orphans |= _codes(view, "orphaned")
    assert (
        seen["cross_boundary"] == planted["cross_boundary_administrative"] | planted["cross_boundary_member_location"]
    )
    assert seen["undersized"] == planted["undersized_networks"]
    assert seen["oversized"] == planted["oversized_networks"]
    assert seen["dominated"] == planted["dominated_networks"]
    assert seen["extended_hours_gap"] == planted["extended_hours_gaps"]
    assert orphans == planted["orphaned_practices"]


def test_networks_without_polygon_get_a_hull_of_their_members(conn, demo):
    view = area_view(conn, REGISTERED, "ZA3")
    located = {p.ods_code: p.location for p in demo.practices if p.location is not None}
    members = {n.code: n.members for n in demo.scenarios[REGISTERED]["networks"]}
    for f in _layer(view, "networks").features:
        hull = shape(f["geometry"])
        assert f["properties"]["shape"].startswith("hull")
        assert hull.geom_type in ("Polygon", "MultiPolygon") and hull.is_valid
        for code in members[f["properties"]["code"]]:
            if code in located:
                assert hull.buffer(1e-4).contains(located[code]), code


def test_network_polygons_are_simplified_and_rounded(conn, demo):
    view = area_view(conn, PROPOSAL, "ZA2")
    stored = {n.code: n.geom for n in demo.scenarios[PROPOSAL]["networks"]}
    for f in _layer(view, "networks").features:
        geom = shape(f["geometry"])
        original = stored[f["properties"]["code"]]
        assert shapely.get_num_coordinates(geom) < shapely.get_num_coordinates(original) / 2
        assert geom.symmetric_difference(original).area / original.area < 0.02  # still the same shape
        coords = json.dumps(f["geometry"]["coordinates"])
        assert all(len(x.split(".")[1]) <= 5 for x in coords.replace("[", "").replace("]", "").split(",") if "." in x)


def test_practice_properties_are_only_what_the_map_shows(conn):
    view = area_view(conn, REGISTERED, "ZA1")
    props = _layer(view, "practices").features[0]["properties"]
    # ``pr``: the figures the map can be coloured by (issue 25, maps/colour_by.py).
    assert set(props) == {"code", "name", "postcode", "list_size", "list_size_date", "network", "c", "f", "pr"}
    assert set(props["pr"]) == {"deprivation", "share_aged_65_plus", "weighted_ratio"}


def test_overview_counts_findings_per_area(conn, demo):
    fc = overview_features(conn, REGISTERED, 250)
    by_area = {f["properties"]["code"]: f["properties"]["n"] for f in fc["features"]}
    assert set(by_area) == {"ZA1", "ZA2", "ZA3", "ZA4"}
    # ZA1 holds the undersized UZ0001, the extended-hours gap UZ0003 and one orphan: at least 3 findings.
    assert by_area["ZA1"] >= 3
    assert all(n >= 1 for n in by_area.values())  # every demo area has a planted case
    assert fc["findings_available"] is True


def test_network_view_explains_findings(conn):
    view = network_view(conn, REGISTERED, "UZ0010")
    keys = {f["key"] for f in view.extra["findings"]}
    assert {"cross_boundary_administrative", "cross_boundary_member_location"} <= keys
    assert view.extra["member_count"] == len(_layer(view, "practices").features) + view.extra["unlocated_members"]
    assert _codes(view, "networks") == {"UZ0010"}
    assert {"ZA3", "ZA4"} <= _codes(view, "neighbours")


def test_compare_marks_moved_practices(conn, demo):
    a, b, moved, checks, _story = compare_views(conn, REGISTERED, PROPOSAL, "ZA3")
    reg = {m: n.code for n in demo.scenarios[REGISTERED]["networks"] for m in n.members}
    prop = {m: n.code for n in demo.scenarios[PROPOSAL]["networks"] for m in n.members}
    shown = _codes(a, "practices") | _codes(b, "practices")
    expected = {code for code in shown if reg.get(code) != prop.get(code)}
    assert {m["code"] for m in moved} == expected
    assert expected  # the cross-boundary practice moved home to UZ0007
    assert _codes(a, "moved") == _codes(b, "moved") == expected
    # Check counts per side come from the engine's comparison: each scenario in its own scope, in the area.
    from geo_service.analysis.service import run_checks

    for side, slug in (("a", REGISTERED), ("b", PROPOSAL)):
        summary = run_checks(conn, slug, "demo-ccg", "ZA3", detail="summary")["summary"]
        assert checks["oversized_networks"][side] == summary["oversized_networks"], side
        assert checks["orphaned_practices"][side] == summary["orphaned_practices"], side
    assert a.scope.scenario["slug"] == REGISTERED and b.scope.scenario["slug"] == PROPOSAL


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda c: area_view(c, "nope", "ZA1"), NotFound),
        (lambda c: area_view(c, REGISTERED, "ZZZ"), NotFound),
        (lambda c: area_view(c, REGISTERED, "ZA1", "nope"), NotFound),
        (lambda c: network_view(c, REGISTERED, "UZ9999"), NotFound),
        (lambda c: compare_views(c, REGISTERED, REGISTERED, "ZA1"), InvalidParameter),
        (lambda c: compare_views(c, REGISTERED, REGISTERED.upper(), "ZA1"), InvalidParameter),
    ],
)
def test_bad_requests_raise_service_errors(conn, call, error):
    with pytest.raises(error):
        call(conn)


def test_overview_tolerance_allow_list():
    assert views.check_overview_tolerance(None) == views.OVERVIEW_TOLERANCE == 500
    assert views.check_overview_tolerance("1000") == 1000
    with pytest.raises(InvalidParameter) as exc:
        views.check_overview_tolerance("7")
    assert exc.value.parameter == "simplify"


def test_overview_rounds_coordinates_to_the_tolerance(conn):
    fine = overview_features(conn, REGISTERED, 100)
    coarse = overview_features(conn, REGISTERED, 1000)

    def decimals(fc):
        text = json.dumps([f["geometry"]["coordinates"] for f in fc["features"]])
        return max(len(x.split(".")[1]) for x in text.replace("[", "").replace("]", "").split(",") if "." in x)

    assert decimals(fine) == 5 and decimals(coarse) == 4
    assert len(json.dumps(coarse)) < len(json.dumps(fine))


def test_findings_are_computed_once_per_data_version(conn, monkeypatch):
    from geo_service.analysis import service
    from geo_service.maps import findings

    calls = []
    real = service.run_checks_in
    monkeypatch.setattr(service, "run_checks_in", lambda *a, **k: calls.append(a) or real(*a, **k))
    service._FINDINGS.clear()
    scope = resolve_scope(conn, REGISTERED, "demo-ccg", area="ZA2")
    first = findings.findings_for(conn, scope)
    again = findings.findings_for(conn, resolve_scope(conn, REGISTERED, None, area="za2"))
    assert first == again and len(calls) == 1  # one engine run for both answers, then kept
    assert first[0] == service.network_findings(conn, REGISTERED, "demo-ccg", "ZA2")
    assert first[1] == service.practice_findings(conn, REGISTERED, "demo-ccg", "ZA2")
    assert len(calls) == 1

"""Map views (service layer, no Flask): which layers each page shows, built from SQL and findings.

A :class:`MapView` is what a page or an embed renders: title, bounds and layers. Links to
other pages come in as URL templates (``{code}`` is filled in the browser, URL-encoded), so this
module never imports Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from geo_service.db.repositories import map_layers as repo
from geo_service.db.repositories import meta, sources
from geo_service.errors import InvalidParameter, NotFound
from geo_service.maps import findings as findings_service
from geo_service.maps import layers as L
from geo_service.maps import palette

# Simplification tolerances in metres (EPSG:27700), per view.
AREA_TOLERANCE = 15.0
NEIGHBOUR_TOLERANCE = 120.0
NETWORK_TOLERANCE = 15.0
OVERVIEW_TOLERANCES = (50, 100, 250, 500, 1000)
OVERVIEW_TOLERANCE = 500  # England on one screen: 1 px is ~1.2 km at zoom 7; an area page has 15 m detail


def overview_digits(tolerance: int) -> int:
    """Coordinate decimals worth sending for a tolerance (4 decimals is ~10 m, 5 is ~1 m)."""
    return 4 if tolerance >= 250 else 5


@dataclass
class Links:
    """URL templates for the views to link to each other ({code} is filled in the browser)."""

    area: str | None = None
    network: str | None = None
    overview_data: str | None = None


@dataclass
class MapView:
    title: str
    bounds: list[list[float]] | None
    layers: list[L.Layer]
    scenario: dict
    boundary_set: dict
    data_version: int
    data_dates: list[dict]
    extra: dict = field(default_factory=dict)

    def layer_counts(self) -> dict[str, int | None]:
        return {layer.key: layer.count for layer in self.layers}


def _scenario(conn, slug: str) -> dict:
    row = repo.scenario(conn, slug)
    if row is None:
        raise NotFound(f"No scenario with slug '{slug}'.")
    return dict(row)


def _boundary_set(conn, slug: str | None, area_code: str | None = None) -> dict:
    if slug is None:
        if area_code is not None:
            candidates = repo.boundary_sets_with_area(conn, area_code)
            if not candidates:
                raise NotFound(f"No area with code '{area_code}' in any boundary set.")
            slug = candidates[0]
        else:
            slug = repo.newest_boundary_set(conn)
            if slug is None:
                raise NotFound("No boundary set is loaded yet.")
    row = repo.boundary_set(conn, slug)
    if row is None:
        raise NotFound(f"No boundary set with slug '{slug}'.")
    return dict(row)


def _bounds(row: dict | None) -> list[list[float]] | None:
    if not row or row.get("south") is None:
        return None
    return [[row["south"], row["west"]], [row["north"], row["east"]]]


def _findings(conn, scenario: str, boundary_set: str, area: str | None):
    """(network findings, practice findings, labels)."""
    nets, pracs = findings_service.findings_for(conn, scenario, boundary_set, area)
    return nets, pracs, findings_service.labels()


def _common(conn) -> tuple[int, list[dict]]:
    version, _ = meta.data_version(conn)
    return version, sources.data_dates(conn)


def _practice_colour(row: dict, colours: dict[str, str]) -> str:
    return colours.get(row["networks"][0], palette.NO_NETWORK) if row["networks"] else palette.NO_NETWORK


def _network_and_practice_layers(conn, scen: dict, net_rows, prac_rows, nf, pf, labels, links: Links):
    colours = palette.network_colours([r["code"] for r in net_rows])
    net_features = [L.network_feature(r, colours[r["code"]], nf.get(r["code"], [])) for r in net_rows if r["geometry"]]
    prac_features = [L.practice_feature(r, _practice_colour(r, colours), pf.get(r["code"], [])) for r in prac_rows]
    layers = [L.networks_layer(net_features, labels, links.network)]
    for key in L.NETWORK_FINDING_LAYERS:
        matching = [f for f in net_features if L.network_finding_key_matches(key, f["properties"]["f"])]
        layers.append(L.network_finding_layer(key, matching, labels))
    layers.append(L.practices_layer(prac_features, labels))
    orphans = [f for f in prac_features if "orphaned" in f["properties"]["f"]]
    layers.append(L.orphans_layer(orphans, labels))
    return layers


def area_view(conn, scenario: str, area_code: str, boundary_set: str | None, links: Links) -> MapView:
    scen = _scenario(conn, scenario)
    bs = _boundary_set(conn, boundary_set, area_code)
    area = repo.area(conn, bs["slug"], area_code)
    if area is None:
        raise NotFound(f"No area with code '{area_code}' in boundary set '{bs['slug']}'.")
    nf, pf, labels = _findings(conn, scen["slug"], bs["slug"], area["code"])
    areas = repo.area_and_neighbours(conn, area["id"], AREA_TOLERANCE, NEIGHBOUR_TOLERANCE)
    neighbours = [L.area_feature(r) for r in areas if not r["is_focus"]]
    focus = [L.area_feature(r) for r in areas if r["is_focus"]]
    net_rows = repo.network_features(
        conn, scen["id"], NETWORK_TOLERANCE, area_id=area["id"], area_ods=area["ods_code"] or area["code"]
    )
    prac_rows = repo.practice_features(conn, scen["id"], area_id=area["id"], area_ods=area["ods_code"] or area["code"])
    layers = [L.neighbours_layer(neighbours, links.area), L.focus_area_layer(focus, f"{area['name']} boundary")]
    layers += _network_and_practice_layers(conn, scen, net_rows, prac_rows, nf, pf, labels, links)
    version, dates = _common(conn)
    return MapView(
        title=f"{area['name']} ({area['code']})",
        bounds=_bounds(area),
        layers=layers,
        scenario=scen,
        boundary_set=bs,
        data_version=version,
        data_dates=dates,
        extra={"area": dict(area)},
    )


def network_view(conn, scenario: str, code: str, boundary_set: str | None, links: Links) -> MapView:
    scen = _scenario(conn, scenario)
    net = repo.network(conn, scen["id"], code)
    if net is None:
        raise NotFound(f"No network with code '{code}' in scenario '{scenario}'.")
    bs = _boundary_set(conn, boundary_set, net["lead"]) if (boundary_set or net["lead"]) else _boundary_set(conn, None)
    lead_area = net["lead"] if net["lead"] and repo.area(conn, bs["slug"], net["lead"]) else None
    nf, pf, labels = _findings(conn, scen["slug"], bs["slug"], lead_area)
    area_rows = repo.member_areas(conn, scen["id"], net["id"], bs["slug"], NEIGHBOUR_TOLERANCE / 2)
    net_rows = repo.network_features(conn, scen["id"], NETWORK_TOLERANCE, network_codes=[code])
    prac_rows = repo.practice_features(conn, scen["id"], network_codes=[code])
    layers = [
        L.neighbours_layer([L.area_feature(r) for r in area_rows], links.area),
    ]
    layers[0].title = "Areas of its members"
    layers += _network_and_practice_layers(conn, scen, net_rows, prac_rows, nf, pf, labels, links)
    layers[1].title = "This network"
    layers[1].link = None
    version, dates = _common(conn)
    detail = findings_service.network_detail(conn, scen["slug"], code, bs["slug"])
    members = [
        {k: m.get(k) for k in ("code", "name", "postcode", "list_size", "list_size_date", "area_name")}
        | {"findings": [findings_service.label(k, labels) for k in m.get("findings", [])]}
        for m in detail.get("members", [])
    ]
    explained = [
        {"key": k, "label": findings_service.label(k, labels)} for k in detail.get("network", {}).get("findings", [])
    ]
    explanations = findings_service.check_explanations()
    evidence = [
        {"check": check, "explanation": explanations.get(check, ""), "rows": rows}
        for check, rows in (detail.get("items") or {}).items()
    ]
    summary = net_rows[0] if net_rows else {}
    return MapView(
        title=f"{net['name']} ({net['code']})",
        bounds=_bounds(net),
        layers=layers,
        scenario=scen,
        boundary_set=bs,
        data_version=version,
        data_dates=dates,
        extra={
            "network": dict(net),
            "members": members,
            "population": summary.get("population"),
            "member_count": summary.get("members"),
            "unlocated_members": (summary.get("members") or 0) - len(prac_rows),
            "unknown_list_sizes": summary.get("unknown_sizes"),
            "findings": explained,
            "evidence": evidence,
        },
    )


def overview_view(conn, scenario: str, boundary_set: str | None, links: Links) -> MapView:
    scen = _scenario(conn, scenario)
    bs = _boundary_set(conn, boundary_set)
    version, dates = _common(conn)
    layer = L.overview_layer(links.overview_data, links.area)
    return MapView(
        title=f"{bs['name']}: findings by area",
        bounds=_bounds(repo.boundary_set_extent(conn, bs["slug"])),
        layers=[layer],
        scenario=scen,
        boundary_set=bs,
        data_version=version,
        data_dates=dates,
    )


def check_overview_tolerance(value: str | None) -> int:
    if value is None:
        return OVERVIEW_TOLERANCE
    try:
        tol = int(value)
    except ValueError:
        tol = -1
    if tol not in OVERVIEW_TOLERANCES:
        raise InvalidParameter(
            "simplify", "simplify must be one of the listed tolerances (metres).", allowed=list(OVERVIEW_TOLERANCES)
        )
    return tol


def overview_features(conn, scenario: str, boundary_set: str | None, tolerance: int) -> dict:
    """Every area of a boundary set with its number of findings (network findings counted in the
    area that leads the network, practice findings in the practice's commissioner area)."""
    scen = _scenario(conn, scenario)
    bs = _boundary_set(conn, boundary_set)
    nf, pf, _labels = _findings(conn, scen["slug"], bs["slug"], None)
    per_area: dict[str, int] = {}
    for code, lead in repo.network_areas(conn, scen["id"]).items():
        per_area[lead] = per_area.get(lead, 0) + len(nf.get(code, []))
    commissioners = repo.practice_commissioners(conn)
    for code, keys in pf.items():
        area = commissioners.get(code)
        if area:
            per_area[area] = per_area.get(area, 0) + len(keys)
    features = [
        L.area_feature(r, n=per_area.get(r["code"], 0))
        for r in repo.area_features(conn, bs["slug"], tolerance, overview_digits(tolerance))
    ]
    classes = palette.finding_classes([f["properties"]["n"] for f in features])
    return {
        "type": "FeatureCollection",
        "features": features,
        "classes": [{"high": c.high, "colour": c.colour, "label": c.label} for c in classes],
        "scenario": scen["slug"],
        "boundary_set": bs["slug"],
        "findings_available": True,  # the rule engine always runs; kept for clients of this layer
    }


def compare_views(
    conn, scenario_a: str, scenario_b: str, area_code: str, boundary_set: str | None, links: Links
) -> tuple[MapView, MapView, list[dict]]:
    """Two area views of the same area, each with a layer of the practices whose network differs."""
    if scenario_a == scenario_b:
        raise InvalidParameter("b", "Choose two different scenarios to compare.")
    view_a = area_view(conn, scenario_a, area_code, boundary_set, links)
    view_b = area_view(conn, scenario_b, area_code, view_a.boundary_set["slug"], links)
    feats_a = {f["properties"]["code"]: f for f in _layer(view_a, "practices").features}
    feats_b = {f["properties"]["code"]: f for f in _layer(view_b, "practices").features}
    codes = sorted(set(feats_a) | set(feats_b))
    nets_a = repo.practice_networks(conn, view_a.scenario["id"], codes)
    nets_b = repo.practice_networks(conn, view_b.scenario["id"], codes)
    moved = []
    for code in codes:
        if sorted(nets_a.get(code, [])) != sorted(nets_b.get(code, [])):
            props = (feats_a.get(code) or feats_b[code])["properties"]
            moved.append(
                {"code": code, "name": props["name"], "from": nets_a.get(code, []), "to": nets_b.get(code, [])}
            )
    labels = _layer(view_a, "practices").finding_labels or {}
    for view, feats, other in ((view_a, feats_a, nets_b), (view_b, feats_b, nets_a)):
        moved_feats = []
        for m in moved:
            f = feats.get(m["code"]) or (feats_a.get(m["code"]) or feats_b.get(m["code"]))
            props = dict(f["properties"], other=", ".join(other.get(m["code"], [])) or "none")
            moved_feats.append({"type": "Feature", "geometry": f["geometry"], "properties": props})
        view.layers.append(L.moved_layer(moved_feats, labels))
    return view_a, view_b, moved


def _layer(view: MapView, key: str) -> L.Layer:
    return next(layer for layer in view.layers if layer.key == key)


def search_practices(conn, scenario: str, boundary_set: str | None, query: str) -> dict:
    """Practices by name, ODS code or postcode, each with the area whose map shows it (overview search)."""
    _scenario(conn, scenario)
    bs = _boundary_set(conn, boundary_set)
    query = (query or "").strip()
    if len(query) < 2 or len(query) > 100:
        raise InvalidParameter("q", "Search text must be 2 to 100 characters long.")
    rows = repo.search_practices(conn, bs["slug"], query)
    return {"boundary_set": bs["slug"], "results": [dict(r) for r in rows]}

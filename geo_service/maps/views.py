"""Map views (service layer, no Flask): which layers each page shows, built from SQL and findings.

A page resolves one :class:`~geo_service.scope.Scope` (:func:`~geo_service.scope.resolve_scope`) and hands it to
a view here; every query of the view reads practices through that scope (its date, dataset, extracts and
boundary set). A
:class:`MapView` is what a page or an embed renders: title, bounds, layers and the scope's data line. Links
to other pages come in as URL templates (``{code}`` is filled in the browser, URL-encoded), so this module
never imports Flask.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from geo_service.analysis import rules, service
from geo_service.analysis.area_summary import area_summary
from geo_service.analysis.profiles import area_profile, network_profiles
from geo_service.analysis.rules.cross_boundary import CROSS_BOUNDARY_LAYER
from geo_service.approval import service as approval_service
from geo_service.db.repositories import commissioners, meta
from geo_service.db.repositories import map_layers as repo
from geo_service.db.repositories import search as search_repo
from geo_service.errors import InvalidParameter
from geo_service.maps import colour_by, palette
from geo_service.maps import findings as findings_service
from geo_service.maps import layers as L
from geo_service.scope import Scope, resolve_scope

# Simplification tolerances in metres (EPSG:27700), per view.
AREA_TOLERANCE = 15.0
NEIGHBOUR_TOLERANCE = 120.0
NETWORK_TOLERANCE = 15.0
OVERVIEW_TOLERANCES = (50, 100, 250, 500, 1000)
OVERVIEW_TOLERANCE = 500  # England on one screen: 1 px is ~1.2 km at zoom 7; an area page has 15 m detail
# Network findings whose outline layers an area map shows when it opens (the planner's first questions).
AREA_SHOWN_FINDINGS = frozenset({"cross_boundary", "undersized", "oversized", "dominated"})


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
    data_line: str  # which date, extracts and boundaries the map shows (Scope.data_line())
    scope: Scope | None = None
    extra: dict = field(default_factory=dict)

    def layer_counts(self) -> dict[str, int | None]:
        return {layer.key: layer.count for layer in self.layers}


# ---- the one scope of a page ------------------------------------------------------------------------


def boundary_set_is_explicit(scope: Scope) -> bool:
    """True when the page's boundary set is not the scenario's default (asked for, or an area's fallback):
    links from the page then carry it."""
    return scope.boundary_set_origin in ("request", "area")


def _bounds(row: dict | None) -> list[list[float]] | None:
    if not row or row.get("south") is None:
        return None
    return [[row["south"], row["west"]], [row["north"], row["east"]]]


def _view(scope: Scope, conn, **kwargs) -> MapView:
    return MapView(
        scenario=scope.scenario,
        boundary_set=scope.boundary_set,
        data_version=meta.scenario_version(conn, int(scope.scenario["id"])),  # its own (issue 19)
        data_line=scope.data_line(),
        scope=scope,
        **kwargs,
    )


def _practice_colour(row: dict, colours: dict[str, str]) -> str:
    return colours.get(row["networks"][0], palette.NO_NETWORK) if row["networks"] else palette.NO_NETWORK


def finding_layers() -> tuple[rules.MapLayer, ...]:
    """The network-finding outline layers: cross-boundary (the headline), then the rules' map layers. The
    cross-boundary outline keeps the NHS red of the printed maps (palette.CROSS_BOUNDARY)."""
    return (replace(CROSS_BOUNDARY_LAYER, colour=palette.CROSS_BOUNDARY), *rules.map_layers())


def _network_and_practice_layers(net_rows, prac_rows, nf, pf, labels, links: Links) -> list[L.Layer]:
    colours = palette.network_colours([r["code"] for r in net_rows])
    net_features = [L.network_feature(r, colours[r["code"]], nf.get(r["code"], [])) for r in net_rows if r["geometry"]]
    prac_features = [L.practice_feature(r, _practice_colour(r, colours), pf.get(r["code"], [])) for r in prac_rows]
    layers = [L.networks_layer(net_features, labels, links.network)]
    for spec in finding_layers():
        matching = [f for f in net_features if L.network_finding_matches(spec, f["properties"]["f"])]
        layers.append(L.network_finding_layer(spec, matching, labels))
    layers.append(L.practices_layer(prac_features, labels))
    orphans = [f for f in prac_features if "orphaned" in f["properties"]["f"]]
    layers.append(L.orphans_layer(orphans, labels))
    return layers


# ---- views ------------------------------------------------------------------------------------------


POPUP_SENTENCES = 3  # at most this many written findings in one map popup (the last may say how many more)


def written_findings(conn, summary, limit: int | None = None) -> dict[str, dict[str, list[str]]]:
    """{"network" | "practice" | "area": {code: [sentences]}} of the area summary's engine run, names beside codes
    (commissioner names looked up once): the popups' and the print's text."""
    from geo_service.analysis import described, wording

    result = summary.result or {}
    if not result.get("items"):
        return {"network": {}, "practice": {}, "area": {}}
    names = described.names_for(conn, result["items"], summary.scope.boundary_set["id"], summary.scope)
    said = wording.sentences_by_subject(result, names)
    # A popup is read on the map: the first few sentences, then where the rest are (keeps the page light).
    limit = limit or POPUP_SENTENCES
    for subject in ("network", "practice"):
        for code, sentences in said.get(subject, {}).items():
            if len(sentences) > limit:
                more = len(sentences) - limit + 1
                where = "on the network page" if subject == "network" else "in the area checks"
                said[subject][code] = [*sentences[: limit - 1], f"{more} more findings {where}."]
    return said


def area_view(conn, scope: Scope, links: Links) -> MapView:
    """An area's map: its boundary (neighbours faint), its networks and practices, finding layers, and the
    side panel's rows. Which networks and practices, and every count, come from the rule engine's one run
    in the scope (:func:`geo_service.analysis.area_summary.area_summary`), so the map, its panel, the
    checks API, the CSV and the print agree. Colours: graph colouring, touching networks never share one."""
    if scope.area is None:
        raise InvalidParameter("area", "An area map needs an area code.")
    area = scope.area
    values = scope.values()
    summary = area_summary(conn, scope)
    nf, pf = summary.network_findings, summary.practice_findings
    labels = findings_service.labels()
    areas = repo.area_and_neighbours(conn, area["id"], AREA_TOLERANCE, NEIGHBOUR_TOLERANCE)
    neighbours = [L.area_feature(r) for r in areas if not r["is_focus"]]
    focus = [L.area_feature(r) for r in areas if r["is_focus"]]
    judged = {r.code: r for r in summary.networks}
    # Popups say what the panel, network page and print say: each finding as a sentence (analysis.wording).
    said = written_findings(conn, summary)
    shapes = {r["code"]: r for r in repo.network_features(conn, values, NETWORK_TOLERANCE) if r["code"] in judged}
    codes = sorted(judged)
    colours = palette.graph_colours(codes, repo.network_adjacency(conn, values, codes))
    net_features = []
    for code in codes:
        row = shapes.get(code)
        if row is None or not row["geometry"]:
            continue
        net = judged[code]
        f = L.network_feature(
            {**row, "members": net.member_count, "population": net.population},
            colours[code],
            nf.get(code, []),
            said["network"].get(code),
        )
        if row.get("label_point"):
            f["properties"]["lp"] = json.loads(row["label_point"])["coordinates"]
        net_features.append(f)
    prac_rows = repo.practice_features(conn, values)
    inside = [
        L.practice_feature(r, _practice_colour(r, colours), pf.get(r["code"], []), said["practice"].get(r["code"]))
        for r in prac_rows
        if r["in_area"]
    ]
    outside = [
        L.practice_feature(r, _practice_colour(r, colours), pf.get(r["code"], []), said["practice"].get(r["code"]))
        for r in prac_rows
        if not r["in_area"]
    ]
    # Issue 25: the figures the map can be coloured by (maps/colour_by.py) and the area's profile.
    net_profiles = network_profiles(conn, scope)
    colour_choice = colour_by.decorate(conn, scope, net_features, inside + outside, net_profiles)
    layers = [L.neighbours_layer(neighbours, links.area), L.focus_area_layer(focus, f"{area['name']} boundary")]
    layers.append(L.networks_layer(net_features, labels, links.network, labelled=True))
    for spec in finding_layers():
        matching = [f for f in net_features if L.network_finding_matches(spec, f["properties"]["f"])]
        if spec.finding in AREA_SHOWN_FINDINGS:
            spec = replace(spec, shown=True)
        layers.append(L.network_finding_layer(spec, matching, labels))
    layers.append(L.practices_layer(inside, labels, title="Practices in the area"))
    if outside:
        layers.append(L.outside_members_layer(outside, labels))
    layers.append(L.orphans_layer([f for f in inside if "orphaned" in f["properties"]["f"]], labels))
    pending = approval_service.pending_sentences(conn, scope.scenario["slug"])
    pending_features = [
        {**f, "properties": {**f["properties"], "pending": pending[f["properties"]["code"]]}}
        for f in inside + outside
        if f["properties"]["code"] in pending
    ]
    if pending_features:
        layers.append(L.pending_changes_layer(pending_features, labels))
    drawn = {f["properties"]["code"] for f in net_features}
    return _view(
        scope,
        conn,
        title=f"{area['name']} ({area['code']})",
        bounds=_bounds(repo.area_bounds(conn, area["id"])),
        layers=layers,
        extra={
            "area": dict(area),
            "summary": summary,
            "colours": colours,
            "not_drawn": [c for c in codes if c not in drawn],
            "practices_on_map": len(inside),
            "members_outside": len(outside),
            "colour_by": colour_choice,
            "profile": area_profile(conn, scope, set(codes), net_profiles),
        },
    )


def network_view(conn, scope: Scope, links: Links) -> MapView:
    """A network's map: its polygon or hull, its members, the areas they are in, its findings explained."""
    if scope.network is None:
        raise InvalidParameter("code", "A network map needs a network code.")
    values = scope.values()
    net_id = scope.network["id"]
    net = repo.network_bounds(conn, values, net_id)
    code = net["code"]
    detail = findings_service.network_detail(conn, scope, code)
    labels = findings_service.labels()
    # One engine run for the page: the network's findings and its members' come with its detail.
    nf = {code: detail.get("network", {}).get("findings", [])}
    pf = {m["code"]: m.get("findings", []) for m in detail.get("members", [])}
    area_rows = repo.member_areas(conn, values, net_id, NEIGHBOUR_TOLERANCE / 2)
    net_rows = repo.network_features(conn, values, NETWORK_TOLERANCE, network_id=net_id)
    prac_rows = repo.practice_features(conn, values, network_id=net_id)
    layers = [L.neighbours_layer([L.area_feature(r) for r in area_rows], links.area)]
    layers[0].title = "Areas of its members"
    layers += _network_and_practice_layers(net_rows, prac_rows, nf, pf, labels, links)
    layers[1].title = "This network"
    layers[1].link = None
    from geo_service.analysis.profiles import network_profile  # issue 25: the network's profile with sources
    from geo_service.maps.network_page import network_findings  # findings written for people (wording)

    written = network_findings(conn, detail)
    members = written["members"]
    # Popups say what the page says: the network's findings as sentences (maps.js shows ``d`` when present).
    for f in layers[1].features or []:
        if f["properties"].get("code") == code and written["texts"]:
            f["properties"]["d"] = [t["sentence"] for t in written["texts"]]
    explained = [{"key": k, "label": findings_service.label(k, labels)} for k in nf[code]]
    explanations = findings_service.check_explanations()
    evidence = [
        {"check": check, "explanation": explanations.get(check, ""), "rows": rows}
        for check, rows in (detail.get("items") or {}).items()
    ]
    summary = net_rows[0] if net_rows else {}
    return _view(
        scope,
        conn,
        title=f"{net['name']} ({code})",
        bounds=_bounds(net),
        layers=layers,
        extra={
            "network": dict(net),
            "members": members,
            "population": summary.get("population"),
            "member_count": summary.get("members"),
            "unlocated_members": (summary.get("members") or 0) - len(prac_rows),
            "unknown_list_sizes": summary.get("unknown_sizes"),
            "findings": explained,
            "evidence": evidence,
            "written": written,
            "profile": network_profile(conn, scope),
        },
    )


def overview_view(conn, scope: Scope, links: Links) -> MapView:
    """Every area of the scope's boundary set, coloured by findings (the layer is fetched: overview_features)."""
    bs = scope.boundary_set
    return _view(
        scope,
        conn,
        title=f"{bs['name']}: findings by area",
        bounds=_bounds(repo.boundary_set_extent(conn, bs["id"])),
        layers=[L.overview_layer(links.overview_data, links.area)],
        extra={
            "areas": sorted(  # the map's areas as a text list (issue 11), named as on the map
                _named_in_force(conn, scope, search_repo.areas_of_set(conn, bs["id"])), key=lambda a: a["name"]
            ),
            "colour_by": colour_by.choice(scope, colour_by.AREA_MEASURES, default="Number of findings"),  # issue 25
        },
    )


def _named_in_force(conn, scope: Scope, rows: list[dict]) -> list[dict]:
    """``rows`` (each with ``code`` and ``name``) with the name each code had on the scope's date, where known."""
    level = scope.boundary_set.get("level")
    named = commissioners.names_in_force(conn, [r["code"] for r in rows], scope.as_of, scope.dataset, level)
    return [{**r, "name": named.get(r["code"]) or r["name"] or r["code"]} for r in rows]


def check_overview_tolerance(value: str | None) -> int:
    if value is None:
        return OVERVIEW_TOLERANCE
    # ASCII digits only: int() would also read "１００" or " 100 ".
    tol = int(value) if value.isascii() and value.isdigit() and len(value) <= 6 else -1
    if tol not in OVERVIEW_TOLERANCES:
        raise InvalidParameter(
            "simplify", "simplify must be one of the listed tolerances (metres).", allowed=list(OVERVIEW_TOLERANCES)
        )
    return tol


def findings_per_area(conn, scope: Scope) -> dict[str, int]:
    """Area code → number of headline findings in the scope: a network's findings count in its lead
    commissioner's area (else the area holding most of its members), a practice's in the area it is located in
    (else its commissioner's area), all in the scope's boundary set. Detail (geometry, data gaps) is not counted."""
    whole = replace(scope, area=None)
    nf, pf = findings_service.headline_findings_for(conn, whole)
    values = whole.values()
    per_area: dict[str, int] = {}
    homes = repo.network_home_areas(conn, values)
    for code, keys in nf.items():
        home = homes.get(code)
        if home:
            per_area[home] = per_area.get(home, 0) + len(keys)
    practice_homes = repo.practice_home_areas(conn, values, sorted(pf))
    for code, keys in pf.items():
        home = practice_homes.get(code)
        if home:
            per_area[home] = per_area.get(home, 0) + len(keys)
    return per_area


def overview_features(conn, scope: Scope, tolerance: int) -> dict:
    """Every area of the scope's boundary set with its number of findings (see :func:`findings_per_area`)."""
    bs = scope.boundary_set
    per_area = findings_per_area(conn, scope)
    figures = colour_by.area_values(conn, replace(scope, area=None))  # issue 25: what the map can colour by
    # Each area by the name its code had on the scope's date (beside its code in tooltips and the shape's name).
    rows = _named_in_force(conn, scope, repo.area_features(conn, bs["id"], tolerance, overview_digits(tolerance)))
    features = [L.area_feature(r, n=per_area.get(r["code"], 0), pr=figures.get(r["code"])) for r in rows]
    classes = palette.finding_classes([f["properties"]["n"] for f in features])
    return {
        "type": "FeatureCollection",
        "features": features,
        "classes": [{"high": c.high, "colour": c.colour, "label": c.label} for c in classes],
        "scenario": scope.scenario["slug"],
        "boundary_set": bs["slug"],
        "scope": scope.describe(),
        "findings_available": True,  # the rule engine always runs; kept for clients of this layer
    }


def compare_scopes(conn, a: str, b: str, area: str | None, boundary_set: str | None = None) -> tuple[Scope, Scope]:
    """The two sides of a compare page: each scenario in its own scope (its own date and extracts), both in
    one boundary set (``a``'s, or the one asked for) and the same area (None: all of England)."""
    scope_a = resolve_scope(conn, a, boundary_set, area=area)
    try:
        scope_b = resolve_scope(
            conn, b, scope_a.boundary_set["slug"], area=scope_a.area["code"] if scope_a.area else None
        )
    except InvalidParameter as err:
        if err.parameter != "boundary_set":
            raise
        raise InvalidParameter(
            "b",
            f"Scenarios '{scope_a.scenario['slug']}' ({scope_a.dataset} data) and '{b}' belong to different datasets "
            f"and cannot be compared: {err.detail}",
        ) from None
    if scope_a.scenario["id"] == scope_b.scenario["id"]:
        raise InvalidParameter("b", "Choose two different scenarios to compare.")
    return scope_a, scope_b


def _moved_networks(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def compare_views(
    conn, scope_a: Scope, scope_b: Scope, links_a: Links, links_b: Links
) -> tuple[MapView, MapView, list[dict], dict, dict]:
    """Two area views of the same area, each in its own scope, each with a layer of the practices (shown
    on either map) whose network differs; the moves, check counts and the rest of the story (networks added,
    removed, renamed, merged, split, populations, boundary change) come from the engine's comparison, which is
    returned last."""
    result = service.compare_scenarios(
        conn,
        scope_a.scenario["slug"],
        scope_b.scenario["slug"],
        scope_a.boundary_set["slug"],
        None,
        scope_a.area["code"],
    )
    view_a = area_view(conn, scope_a, links_a)
    view_b = area_view(conn, scope_b, links_b)
    feats_a = {f["properties"]["code"]: f for f in _layer(view_a, "practices").features}
    feats_b = {f["properties"]["code"]: f for f in _layer(view_b, "practices").features}
    moved = [
        {
            "code": m["code"],
            "name": m["name"],
            "from": _moved_networks(m["from"]),
            "to": _moved_networks(m["to"]),
            "from_named": [_named_network(n) for n in m["from_networks"]],
            "to_named": [_named_network(n) for n in m["to_networks"]],
            "change": m.get("change"),
            "from_status": m.get("from_status"),
            "to_status": m.get("to_status"),
        }
        for m in result["practices_moved"]
        if m["code"] in feats_a or m["code"] in feats_b
    ]
    labels = _layer(view_a, "practices").finding_labels or {}
    for view, feats, side in ((view_a, feats_a, "to"), (view_b, feats_b, "from")):
        moved_feats = []
        for m in moved:
            f = feats.get(m["code"]) or feats_a.get(m["code"]) or feats_b[m["code"]]
            props = dict(f["properties"], other=", ".join(m[side + "_named"]) or "none")
            moved_feats.append({"type": "Feature", "geometry": f["geometry"], "properties": props})
        view.layers.append(L.moved_layer(moved_feats, labels))
    return view_a, view_b, moved, result["checks"], result


def _named_network(net: dict) -> str:
    """ "SOUTH MAIDSTONE PCN (U92034)": a network's name beside its code."""
    return f"{net['name']} ({net['code']})" if net.get("name") else net["code"]


def _layer(view: MapView, key: str) -> L.Layer:
    return next(layer for layer in view.layers if layer.key == key)


def search_practices(conn, scope: Scope, query: str) -> dict:
    """Practices of the scope by name, ODS code or postcode, each with the area whose map shows it."""
    query = (query or "").strip()
    if len(query) < 2 or len(query) > 100:
        raise InvalidParameter("q", "Search text must be 2 to 100 characters long.")
    rows = repo.search_practices(conn, scope.values(), query)
    return {
        "scenario": scope.scenario["slug"],
        "boundary_set": scope.boundary_set["slug"],
        "results": [dict(r) for r in rows],
    }

"""Maps of one practice (issue 20): the practice page's map (the practice and each network it belonged to, one
outline per scenario) and the highlight a network page draws for ``?practice=<ODS>`` (a ring with a popup, and
the map centred on it). No Flask here."""

from __future__ import annotations

from shapely.geometry import shape

from geo_service.db.repositories import map_layers as repo
from geo_service.maps import layers as L
from geo_service.maps import palette
from geo_service.maps.views import NETWORK_TOLERANCE, MapView, _view
from geo_service.navigation.practice_timeline import Timeline
from geo_service.scope import resolve_scope

HIGHLIGHT_POPUP = [["ODS code", "code"], ["Postcode", "postcode"], ["Network", "network"], ["Here", "note"]]
HIGHLIGHT_STYLE = {"color": "#000000", "weight": 4, "fillColor": "#FFEB3B", "fillOpacity": 0.9, "radius": 13}
# How far around a highlighted practice the network map opens (degrees; about 3 km): it is in view and centred.
HIGHLIGHT_MARGIN = 0.03


def _point(lon: float, lat: float, props: dict) -> dict:
    return L.feature({"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}, props)


def highlight_layer(feature: dict, title: str) -> L.Layer:
    return L.Layer(
        "practice_highlight",
        title,
        "point",
        [feature],
        style=dict(HIGHLIGHT_STYLE),
        popup=HIGHLIGHT_POPUP,
        note="The practice you searched for or came from, ringed in black on yellow.",
    )


def practice_view(conn, tl: Timeline) -> MapView | None:
    """The practice (where the newest located scenario puts it) and the network it is in per scenario, newest
    first, one outline layer each (same network code in several scenarios: one outline, the newest)."""
    located = tl.located
    if located is None:
        return None
    newest = resolve_scope(conn, located.scenario["slug"])
    layers: list[L.Layer] = []
    seen: set[str] = set()
    colours = iter(palette.NETWORK_COLOURS * 4)
    for entry in reversed(tl.entries):
        for net in entry.networks:
            key = f"{net['code']}|{net['name']}"
            if key in seen:
                continue
            seen.add(key)
            scope = resolve_scope(conn, entry.scenario["slug"], network=net["code"])
            rows = repo.network_features(conn, scope.values(), NETWORK_TOLERANCE, network_id=scope.network["id"])
            colour = next(colours)
            feats = [L.network_feature(r, colour, []) for r in rows if r["geometry"]]
            if not feats:
                continue
            layer = L.networks_layer(feats, {}, None, title=f"{net['name']} ({net['code']}), {entry.scenario['name']}")
            layer.key = f"network_{len(layers)}"
            layer.search = False
            layer.show = len(layers) == 0  # the newest shown; the others one tick away in the layer list
            layers.append(layer)
    where = located.networks[0]["name"] if located.networks else "no network"
    point = _point(
        located.lon,
        located.lat,
        {
            "code": tl.code,
            "name": tl.name or tl.code,
            "postcode": located.postcode or "",
            "network": where,
            "note": f"as located in {located.scenario['name']}",
        },  # fmt: skip
    )
    layers.append(highlight_layer(point, f"{tl.name or tl.code} ({tl.code})"))
    m = HIGHLIGHT_MARGIN
    (s, w), (n, e) = [[located.lat - m, located.lon - 2 * m], [located.lat + m, located.lon + 2 * m]]
    shown = next((x for x in layers if x.show and x.kind != "point"), None)
    if shown is not None:  # the practice within its network (the newest one shown), not a purple screen around it
        for f in shown.features or []:
            bw, bs, be, bn = shape(f["geometry"]).bounds
            s, w, n, e = min(s, bs), min(w, bw), max(n, bn), max(e, be)
    return _view(
        newest,
        conn,
        title=f"{tl.name or tl.code} ({tl.code})",
        bounds=[[s, w], [n, e]],
        layers=layers,
        extra={"practice": tl.code},
    )


def highlight(view: MapView, code: str | None) -> MapView:
    """Ring the practice ``code`` on a network map (a current member, as the map's practice layers show it) and
    centre the map on it; ``view.extra['highlight']`` names it for the page (None when it is not on the map)."""
    view.extra["highlight"] = None
    if not code:
        return view
    for layer in list(view.layers):
        if layer.kind != "point" or layer.key == "practice_highlight":
            continue
        for f in layer.features or []:
            props = f["properties"]
            if str(props.get("code", "")).upper() != code.upper():
                continue
            lon, lat = f["geometry"]["coordinates"]
            ring = _point(lon, lat, {**props, "note": "the practice you asked for"})
            view.layers.append(highlight_layer(ring, f"{props.get('name')} ({props.get('code')})"))
            view.extra["highlight"] = {"code": props.get("code"), "name": props.get("name")}
            if view.bounds:
                (s, w), (n, e) = view.bounds
                half_lat, half_lon = max(lat - s, n - lat), max(lon - w, e - lon)
                view.bounds = [[lat - half_lat, lon - half_lon], [lat + half_lat, lon + half_lon]]
            return view
    view.extra["highlight"] = {"code": code.upper(), "name": None, "missing": True}
    return view

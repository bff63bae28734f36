"""Map layers as data: GeoJSON features with only the properties a map shows, plus how to draw them.

A :class:`Layer` is independent of Folium: the builder turns it into a Leaflet layer, the
GeoJSON API serves its ``feature_collection()``, the legend reads its style. Geometry arrives
from the repository already simplified and rounded (``ST_AsGeoJSON(..., 5)``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from geo_service.analysis.rules.cross_boundary import HEADLINE_FINDINGS
from geo_service.maps import palette

PRACTICE_POPUP = [
    ["ODS code", "code"],
    ["Postcode", "postcode"],
    ["List size", "list_size", "dated", "list_size_date"],
    ["Network", "network"],
    ["Findings", "f", "findings"],
]
NETWORK_POPUP = [
    ["Code", "code"],
    ["Members", "members", "number"],
    ["Population", "population", "number"],
    ["Lead commissioner", "lead"],
    ["Shape", "shape"],
    ["Findings", "f", "findings"],
]
AREA_POPUP = [["Code", "code"]]


@dataclass
class Layer:
    key: str
    title: str
    kind: str  # "polygon" | "point"
    features: list[dict] | None = None  # inline features, or None when loaded from ``url``
    url: str | None = None
    style: dict = field(default_factory=dict)
    show: bool = True
    search: bool = False
    popup: list | None = None
    tooltip_extra: list | None = None
    link: str | None = None  # URL template, {prop} filled from feature properties (URL-encoded)
    link_text: str | None = None
    click_opens_link: bool = False
    colour_by: str | None = None
    outline_by_colour: bool = False
    radius: dict | None = None
    classes: dict | None = None
    finding_labels: dict | None = None
    fit: bool = False
    in_legend: bool = True
    legend_fill: str | None = None
    note: str | None = None
    labels: dict | None = None  # permanent name labels: {"minZoom": n} (maps.js places them without overlap)

    @property
    def swatch_shape(self) -> str:
        if self.kind == "point":
            return "point"
        return "polygon" if self.style.get("fill", True) and self.style.get("fillOpacity", 0.2) > 0 else "outline"

    @property
    def count(self) -> int | None:
        return None if self.features is None else len(self.features)

    def feature_collection(self) -> dict:
        return {"type": "FeatureCollection", "features": self.features or []}

    def spec(self) -> dict:
        """What the browser needs to draw the layer (geo_service/static/js/maps.js)."""
        spec: dict[str, Any] = {"key": self.key, "title": self.title, "kind": self.kind, "style": self.style}
        optional = {
            "url": self.url,
            "search": self.search or None,
            "popup": self.popup,
            "tooltipExtra": self.tooltip_extra,
            "link": self.link,
            "linkText": self.link_text,
            "clickOpensLink": self.click_opens_link or None,
            "colourBy": self.colour_by,
            "outlineByColour": self.outline_by_colour or None,
            "radius": self.radius,
            "classes": self.classes,
            "findingLabels": self.finding_labels,
            "fit": self.fit or None,
            "labels": self.labels,
        }
        spec.update({k: v for k, v in optional.items() if v is not None})
        return spec


def feature(geometry: str | dict, properties: dict) -> dict:
    geom = json.loads(geometry) if isinstance(geometry, str) else geometry
    return {"type": "Feature", "geometry": geom, "properties": properties}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def area_feature(row: dict, **extra) -> dict:
    return feature(row["geometry"], {"code": row["code"], "name": row["name"], **extra})


def network_feature(row: dict, colour: str, findings: list[str], sentences: list[str] | None = None) -> dict:
    """A network's feature; ``sentences`` (its findings written for people) go in ``d``, which the popup shows."""
    return feature(
        row["geometry"],
        {
            "code": row["code"],
            "name": row["name"],
            "members": row["members"],
            "population": row["population"],
            "lead": row["lead"],
            "shape": "network polygon" if row["has_polygon"] else "hull of its members (no polygon)",
            "c": colour,
            "f": findings,
            **({"d": list(sentences)} if sentences else {}),
        },
    )


def practice_feature(row: dict, colour: str, findings: list[str], sentences: list[str] | None = None) -> dict:
    """A practice's feature; ``sentences`` (its findings written for people) go in ``d`` for the popup."""
    return feature(
        {"type": "Point", "coordinates": [round(row["lon"], 5), round(row["lat"], 5)]},
        {
            "code": row["code"],
            "name": row["name"],
            "postcode": row["postcode"],
            "list_size": row["list_size"],
            "list_size_date": _iso(row["list_size_date"]),
            "network": ", ".join(f"{n} ({c})" for n, c in zip(row["network_names"], row["networks"], strict=True))
            or "none",
            "c": colour,
            "f": findings,
            **({"d": list(sentences)} if sentences else {}),
        },
    )


# ---- layer factories: one place that decides how each kind of layer looks ----------------------


def neighbours_layer(features: list[dict], link: str | None) -> Layer:
    return Layer(
        "neighbours",
        "Neighbouring areas",
        "polygon",
        features,
        style={"color": palette.NEIGHBOUR_OUTLINE, "weight": 1, "fill": True, "fillOpacity": 0.03, "dashArray": "4 4"},
        popup=AREA_POPUP,
        link=link,
        link_text="Open this area's map",
        search=True,
    )


def focus_area_layer(features: list[dict], title: str = "Area boundary") -> Layer:
    return Layer(
        "area",
        title,
        "polygon",
        features,
        style={"color": palette.FOCUS_OUTLINE, "weight": 3, "fill": False},
    )


# Network names show from this zoom (an area fills the screen at about 10-11); below it they would crowd.
LABEL_MIN_ZOOM = 9
PRACTICE_OUTLINE = "#212B32"  # a dark ring: a practice reads apart from its network's fill of the same colour


def networks_layer(
    features: list[dict], labels: dict, link: str | None, title: str = "Networks", labelled: bool = False
) -> Layer:
    return Layer(
        "networks",
        title,
        "polygon",
        features,
        style={"weight": 2, "fillOpacity": 0.28, "opacity": 0.9},
        colour_by="c",
        outline_by_colour=True,
        popup=NETWORK_POPUP,
        link=link,
        link_text="Open this network's map",
        finding_labels=labels,
        search=True,
        legend_fill=palette.NETWORK_COLOURS[0],
        note="One colour per network (touching networks never share one): its polygon, or a hull of its members.",
        labels={"minZoom": LABEL_MIN_ZOOM} if labelled else None,
    )


def practices_layer(features: list[dict], labels: dict, title: str = "Practices") -> Layer:
    return Layer(
        "practices",
        title,
        "point",
        features,
        style={"color": PRACTICE_OUTLINE, "weight": 1.5, "fillOpacity": 0.95},
        colour_by="c",
        radius={"by": "list_size", "min": 3, "max": 16, "scale": 14, "unknown": 4},
        popup=PRACTICE_POPUP,
        finding_labels=labels,
        search=True,
        legend_fill=palette.NETWORK_COLOURS[1],
        note="Circle area grows with list size; fill is the practice's network colour, ringed dark.",
    )


def outside_members_layer(features: list[dict], labels: dict) -> Layer:
    """Current members of the area's networks located outside the area: drawn (the network is shown whole)
    but not counted among the area's practices."""
    return Layer(
        "members_outside",
        "Members located outside the area",
        "point",
        features,
        style={"color": PRACTICE_OUTLINE, "weight": 1.5, "fillOpacity": 0.45, "dashArray": "2 2"},
        colour_by="c",
        radius={"by": "list_size", "min": 3, "max": 16, "scale": 14, "unknown": 4},
        popup=PRACTICE_POPUP,
        finding_labels=labels,
        search=True,
        legend_fill=palette.NETWORK_COLOURS[1],
        note="Members of this area's networks that lie in another area (not counted as the area's practices).",
    )


def network_finding_matches(spec, finding_keys: list[str]) -> bool:
    """Does a network with these finding keys belong on the outline layer ``spec`` (a rules.MapLayer)?
    The cross-boundary layer follows the headline findings only (never catchment spill)."""
    if spec.finding == "cross_boundary":
        return any(k in HEADLINE_FINDINGS for k in finding_keys)
    return spec.finding in finding_keys


def network_finding_layer(spec, features: list[dict], labels: dict) -> Layer:
    """An outline layer of the networks with one finding; title, colour, dash and visibility from the rule."""
    style = {"color": spec.colour, "weight": 4, "fill": False, "opacity": 1}
    if spec.dash:
        style["dashArray"] = spec.dash
    return Layer(
        spec.finding,
        spec.title,
        "polygon",
        features,
        style=style,
        show=spec.shown,
        popup=NETWORK_POPUP,
        finding_labels=labels,
    )


def orphans_layer(features: list[dict], labels: dict) -> Layer:
    return Layer(
        "orphaned",
        "Orphaned practices (in no network)",
        "point",
        features,
        style={"color": "#000000", "weight": 3, "fillColor": palette.ORPHAN, "fillOpacity": 1, "radius": 10},
        popup=PRACTICE_POPUP,
        finding_labels=labels,
        search=False,
    )


def pending_changes_layer(features: list[dict], labels: dict) -> Layer:
    """Practices with a change request awaiting approval (issue 12: pending changes show on the map)."""
    return Layer(
        "pending_changes",
        "Change requests awaiting approval",
        "point",
        features,
        style={
            "color": "#000000",
            "weight": 3,
            "fillColor": palette.MOVED,
            "fillOpacity": 0.9,
            "radius": 11,
            "dashArray": "3 3",
        },  # fmt: skip
        popup=PRACTICE_POPUP + [["Pending change", "pending"]],
        finding_labels=labels,
        note="A proposed join, leave or move not yet approved: the map shows memberships as they stand.",
    )


def moved_layer(features: list[dict], labels: dict) -> Layer:
    return Layer(
        "moved",
        "Practices that moved network",
        "point",
        features,
        style={"color": "#000000", "weight": 2, "fillColor": palette.MOVED, "fillOpacity": 1, "radius": 9},
        popup=PRACTICE_POPUP + [["In the other scenario", "other"]],
        finding_labels=labels,
    )


def overview_layer(url: str, link: str) -> Layer:
    return Layer(
        "areas",
        "Areas by number of findings",
        "polygon",
        None,
        url=url,
        style={"color": "#425563", "weight": 1, "fillOpacity": 0.75},
        classes={
            "by": "n",
            "items": [{"high": c.high, "colour": c.colour, "label": c.label} for c in palette.FINDING_CLASSES],
        },
        tooltip_extra=["Findings", "n"],
        link=link,
        click_opens_link=True,
        search=True,
        fit=False,
        note="Headline findings only (geometry and data gaps are one click away, in the area's checks). "
        "Click an area to open its map.",
    )

"""What a print shows, fetched once: the layers, the checks' counts and thresholds, the key's colours, the areas
around the map and the findings written out. Everything the cartography and typesetting modules draw comes from
one :class:`PrintData`, read in the caller's transaction; nothing travels in ``DataFrame.attrs``.

Colours: the networks on the page are coloured over their adjacency graph (``map_layers.network_adjacency``, the
web map's graph: touching, overlapping or a few metres apart) with the web map's DSATUR colouring
(:func:`geo_service.maps.palette.graph_colours`) in its ``distinct`` form: each network its own colour while the
18 colours last, and neighbours never alike, so the key can be read on paper.

Place names: the names of the boundary set's areas around and under the map (the ``areas`` of the scope's boundary
set, as imported from the boundary files), drawn at each area's representative point inside the map frame.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import geopandas as gpd

from geo_service.analysis import profiles
from geo_service.analysis.area_summary import Thresholds, area_summary
from geo_service.crs import AREA_SRID, STORAGE_SRID, transformer
from geo_service.db.repositories import export_layers as repo
from geo_service.db.repositories import map_layers
from geo_service.exports.layers import build_layer, layer_values, to_frame
from geo_service.maps import palette
from geo_service.scope import Scope

Box = tuple[float, float, float, float]


@dataclass
class PrintData:
    """A print's data, in EPSG:27700. ``counts`` and ``thresholds`` are the area checks' (None for a network);
    ``findings`` are the written findings' paragraphs ``(style, text)`` (empty unless asked for)."""

    scope: Scope
    practices: gpd.GeoDataFrame
    networks: gpd.GeoDataFrame
    focus: gpd.GeoDataFrame | None
    context: gpd.GeoDataFrame
    colours: dict[str, str]
    counts: dict | None = None
    thresholds: Thresholds | None = None
    findings: list[tuple[str, str]] = field(default_factory=list)
    profile: list[str] = field(default_factory=list)  # issue 25: the area's or network's profile, then its sources

    @property
    def codes(self) -> list[str]:
        return list(self.networks["code"]) if len(self.networks) else []


def gather(conn, scope: Scope, written_findings: bool = False) -> PrintData:
    """Fetch everything a print of ``scope`` shows. ``written_findings`` (a PDF) adds every finding written out
    in sentences, network by network, then the practices' (issue 20: no "N more findings on the network page")."""
    practices = build_layer(conn, scope, "practices", AREA_SRID)
    networks = build_layer(conn, scope, "networks", AREA_SRID)
    # Issue 11: the sheet's counts are the checks' counts for the same scope (one source).
    summary = area_summary(conn, scope) if scope.area is not None else None
    codes = list(networks["code"]) if len(networks) else []
    colours = palette.graph_colours(codes, map_layers.network_adjacency(conn, scope.values(), codes), distinct=True)
    focus = build_layer(conn, scope, "areas", AREA_SRID) if scope.area is not None else None
    frames = [f for f in (focus if focus is not None else networks, practices) if f is not None and len(f)]
    context = _context_areas(conn, scope, _around(frames))
    findings: list[tuple[str, str]] = []
    if written_findings and summary is not None:
        findings = _written_out(conn, summary, networks)
    return PrintData(
        scope=scope,
        practices=practices,
        networks=networks,
        focus=focus,
        context=context,
        colours=colours,
        counts=summary.counts() if summary else None,
        thresholds=summary.thresholds if summary else None,
        findings=findings,
        profile=profile_lines(conn, scope, {r.code for r in summary.networks} if summary else None),
    )


def profile_lines(conn, scope: Scope, network_codes: set[str] | None) -> list[str]:
    """The profile of the print's area (or network) in a few lines a person reads, the last naming the sources
    (file and date); empty when the scope is neither an area nor a network."""
    if scope.area is not None:
        prof = profiles.area_profile(conn, scope, network_codes)
    elif scope.network is not None:
        prof = profiles.network_profile(conn, scope)
    else:
        prof = None
    if not prof:
        return []
    by = {f["key"]: f["value"] for f in prof["figures"]}
    lines = [
        f"Profile: registered {by['registered_patients']}, weighted {by['weighted_patients']} "
        f"(ratio {by['weighted_ratio']})",
        f"Deprivation {by['deprivation']} (decile {by['deprivation_decile']}) · aged 65+ {by['share_aged_65_plus']}",
        f"Extended hours {by['extended_hours_paid_share']} · network payments per patient "
        f"{by['payments_per_registered']}",
    ]
    src = [s["line"] for s in prof["sources"].values() if s]
    lines.append("Sources: " + ("; ".join(src) if src else "no profile files loaded"))
    return lines


def _around(frames: list[gpd.GeoDataFrame]) -> Box | None:
    """A square twice the size of the frames' bounds, about their centre: any map frame drawn around them (its
    margin and aspect ratio) lies inside it."""
    boxes = [f.geometry.dropna().total_bounds for f in frames if f.geometry.notna().any()]
    if not boxes:
        return None
    xmin, ymin = min(b[0] for b in boxes), min(b[1] for b in boxes)
    xmax, ymax = max(b[2] for b in boxes), max(b[3] for b in boxes)
    half = max(xmax - xmin, ymax - ymin, 1_000.0)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    return (cx - half, cy - half, cx + half, cy + half)


def _context_areas(conn, scope: Scope, bounds: Box | None) -> gpd.GeoDataFrame:
    """The areas of the scope's boundary set that meet ``bounds`` (outlines and names), in EPSG:27700."""
    if bounds is None:
        return gpd.GeoDataFrame({"ods_code": [], "name": []}, geometry=[], crs=f"EPSG:{AREA_SRID}")
    box = transformer(AREA_SRID, STORAGE_SRID).transform_bounds(*bounds)
    cols, rows = repo.areas(conn, layer_values(scope, AREA_SRID), box, whole_set=True)
    return to_frame(cols, rows, AREA_SRID)


def _written_out(conn, summary, networks) -> list[tuple[str, str]]:
    """Every finding as the sentence the popups and network pages use, with the thresholds the checks used."""
    from geo_service.analysis import wording
    from geo_service.maps.views import written_findings

    said = written_findings(conn, summary, limit=sys.maxsize)  # all of them: paper has no "see the web page"
    order = list(zip(networks["code"], networks["name"], strict=True)) if len(networks) else []
    return findings_paragraphs(order, said, wording.thresholds((summary.result or {}).get("parameters")))


def findings_paragraphs(order, said, threshold_rows) -> list[tuple[str, str]]:
    """(style, text) paragraphs of the findings pages: thresholds first, then each network with findings (in
    the list's order) and its sentences, then practices' findings."""
    out: list[tuple[str, str]] = [("heading", "Thresholds the checks used")]
    out += [("item", f"{label}: {value}") for label, value in threshold_rows]
    out.append(("heading", "Findings, network by network"))
    any_network = False
    for code, name in order:
        sentences = said.get("network", {}).get(code)
        if sentences:
            any_network = True
            out.append(("subject", f"{name} ({code})"))
            out += [("item", t) for t in sentences]
    if not any_network:
        out.append(("item", "No network of the area has a finding."))
    practices = said.get("practice", {})
    if practices:
        out.append(("heading", "Findings about practices"))
        for code in sorted(practices):
            out += [("item", t) for t in practices[code]]
    return out

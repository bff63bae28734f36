"""Network territories derived from membership: polygons that do not overlap and cover every member.

A planner drawing a proposal needs each network as a shape before anyone has drawn one. The usual answer in
districting tools is to paint units into districts; here the units are the member practices' Voronoi cells:

1. each counted member (an active GP practice of the scenario's nation, current on its date) is placed by
   its location as of the scope, in the area of the scope's boundary set that holds it;
2. per area, the Voronoi cells of the distinct member locations (shapely/GEOS, EPSG:27700 metres) are clipped
   to the area, so a territory never leaves the areas its members are in;
3. a location shared by practices of k different networks (one building, or a practice listed twice) gets
   its cell cut into k wedges around the location, so each of those networks covers it on its boundary and
   none overlaps another (the split of such a cell is arbitrary, and is reported);
4. cells are dissolved per network and written as the networks' polygons (EPSG:4326, ``geom_origin =
   'derived'``). Networks with no located member lose their polygon (reported), rather than keep a drawing
   that would now overlap the derived ones.

Registered-patient catchments, where loaded, would be a better unit than Voronoi cells; the NHS catchment
files are not among the loaded extracts, so this module uses the locations only.

Use: ``derive_territories(conn, scope)`` computes (nothing written); ``save_territories(conn, scope, result)``
writes inside the caller's transaction; ``derive_and_save(db, slug, boundary_set=None)`` does both in one
transaction and is what the CLI (``geo-service scenario territories``) and the plan editor call.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

import shapely
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry

from geo_service.db.repositories import territories as repo
from geo_service.scope import Scope, resolve_scope

log = logging.getLogger(__name__)

LOCATION_GRID_M = 0.1  # member locations closer than this are one location (postcode centroids repeat exactly)
# Edges are cut to at most this length before the polygons go to EPSG:4326: a straight edge in British National
# Grid is not straight in longitude/latitude, so where a neighbour's edge has a vertex the other lacks (a wedge's
# apex, an area boundary) two long edges would bow apart into slivers of overlap or gap. At 200 m the bow is
# well under a millimetre.
MAX_EDGE_M = 200.0


@dataclass
class Territories:
    """Derived territories of one scope's networks (EPSG:27700 shapes) and what could not be placed."""

    shapes: dict[int, BaseGeometry]  # network id → MultiPolygon
    networks_cleared: list[int] = field(default_factory=list)  # networks with no located member
    unlocated: list[str] = field(default_factory=list)  # members' ODS codes without a location
    outside_areas: list[str] = field(default_factory=list)  # members located in no area of the boundary set
    shared_locations: int = 0  # locations whose cell was cut into wedges between networks
    areas: int = 0
    seconds: float = 0.0

    def summary(self) -> dict:
        return {
            "networks_with_territory": len(self.shapes),
            "networks_cleared": len(self.networks_cleared),
            "members_unlocated": len(self.unlocated),
            "members_outside_areas": len(self.outside_areas),
            "shared_locations_split": self.shared_locations,
            "areas": self.areas,
            "seconds": round(self.seconds, 3),
        }


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    return [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and not g.is_empty]


def _wedges(centre: Point, cell: BaseGeometry, k: int) -> list[BaseGeometry]:
    """``cell`` cut into ``k`` wedges meeting at ``centre`` (each wedge's boundary holds the centre)."""
    minx, miny, maxx, maxy = cell.bounds
    radius = 4 * max(math.hypot(maxx - minx, maxy - miny), 1.0)
    out = []
    for i in range(k):
        start, end = 2 * math.pi * i / k, 2 * math.pi * (i + 1) / k
        steps = max(2, math.ceil((end - start) / (math.pi / 8)))
        ring = [(centre.x, centre.y)]
        for s in range(steps + 1):
            a = start + (end - start) * s / steps
            ring.append((centre.x + radius * math.cos(a), centre.y + radius * math.sin(a)))
        out.append(cell.intersection(Polygon(ring)))
    return out


def _area_cells(area: BaseGeometry, locations: list[tuple[float, float]]) -> list[BaseGeometry]:
    """The Voronoi cell of each location (in order) clipped to ``area``."""
    if len(locations) == 1:
        return [area]
    cells = shapely.voronoi_polygons(MultiPoint(locations), extend_to=area.envelope.buffer(1000), ordered=True)
    return [shapely.intersection(cell, area) for cell in cells.geoms]


def derive_territories(conn, scope: Scope) -> Territories:
    """Compute the territories of the scope's networks (nothing is written)."""
    started = time.perf_counter()
    rows = repo.member_locations(conn, scope.values())
    result = Territories(shapes={})
    # area id → location (snapped) → set of network ids; and the exact point of each snapped location
    by_area: dict[int, dict[tuple[int, int], set[int]]] = defaultdict(lambda: defaultdict(set))
    points: dict[tuple[int, int], tuple[float, float]] = {}
    for r in rows:
        if r["x"] is None:
            result.unlocated.append(r["ods_code"])
            continue
        if r["area_id"] is None:
            result.outside_areas.append(r["ods_code"])
            continue
        key = (round(r["x"] / LOCATION_GRID_M), round(r["y"] / LOCATION_GRID_M))
        points.setdefault(key, (r["x"], r["y"]))
        by_area[r["area_id"]][key].add(r["network_id"])

    areas = {
        a["id"]: shapely.from_wkb(bytes(a["wkb"]))
        for a in repo.area_shapes(conn, scope.values()["bs_id"], list(by_area))
    }
    pieces: dict[int, list[BaseGeometry]] = defaultdict(list)
    for area_id in sorted(by_area):
        area = areas[area_id]
        located = by_area[area_id]
        keys = sorted(located)
        cells = _area_cells(area, [points[k] for k in keys])
        for key, cell in zip(keys, cells, strict=True):
            if cell.is_empty:
                continue
            networks = sorted(located[key])
            if len(networks) == 1:
                pieces[networks[0]].append(cell)
                continue
            result.shared_locations += 1
            for network_id, wedge in zip(networks, _wedges(Point(points[key]), cell, len(networks)), strict=True):
                pieces[network_id].append(wedge)
    result.areas = len(by_area)

    for network_id, parts in pieces.items():
        polygons = _polygons(shapely.union_all(parts))
        if polygons:
            result.shapes[network_id] = shapely.MultiPolygon(polygons)
    result.networks_cleared = [
        n for n in repo.scenario_network_ids(conn, scope.scenario["id"]) if n not in result.shapes
    ]
    result.seconds = time.perf_counter() - started
    return result


def save_territories(conn, scope: Scope, result: Territories) -> int:
    """Write ``result`` as the polygons of the scope's networks (inside the caller's transaction)."""
    shapes: dict[int, bytes | None] = {
        n: shapely.to_wkb(shapely.segmentize(g, MAX_EDGE_M)) for n, g in result.shapes.items()
    }
    shapes.update({n: None for n in result.networks_cleared})
    return repo.save_network_shapes(conn, scope.scenario["id"], shapes)


def derive_and_save(db, scenario: str, boundary_set: str | None = None) -> tuple[Scope, Territories]:
    """Derive and write the territories of a scenario's networks in one transaction."""
    with db.connection(statement_timeout_ms=0) as conn:
        scope = resolve_scope(conn, scenario, boundary_set=boundary_set)
        result = derive_territories(conn, scope)
        written = save_territories(conn, scope, result)
    log.info(
        "territories of %s on %s: %d networks written, %s",
        scope.scenario["slug"],
        scope.boundary_set["slug"],
        written,
        result.summary(),
    )
    return scope, result

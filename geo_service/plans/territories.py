"""Network territories derived from membership: polygons that do not overlap and cover every member.

A planner drawing a proposal needs each network as a shape before anyone has drawn one. The usual answer in
districting tools is to paint units into districts; here the units are the member practices' Voronoi cells:

1. each counted member (an active GP practice of the scenario's nation, current on its date) is placed by
   its location as of the scope, in the area of the scope's boundary set that holds it;
2. per area, the Voronoi cells of the distinct member locations (shapely/GEOS, EPSG:27700 metres) are clipped
   to the area, so a territory never leaves the areas its members are in (save, for a member located just
   off the generalised coastline, the sliver of sea that reaches it: see ``_area_cells``);
3. a location shared by practices of k different networks (one building, or a practice listed twice) gets
   its cell cut into k wedges around the location, so each of those networks covers it on its boundary and
   none overlaps another (the split of such a cell is arbitrary, and is reported);
4. cells are dissolved per network and the whole set is made one clean polygonal coverage
   (``shapely.coverage_clean``: neighbours share identical vertices along every shared edge), then edges are
   cut to at most ``MAX_EDGE_M`` with points computed the same way on both sides of a shared edge. Only then
   are they written as the networks' polygons (EPSG:4326, ``geom_origin = 'derived'``): a transform moves
   each vertex on its own, so shared vertices stay shared and the stored polygons still do not overlap when
   a user transforms them back to EPSG:27700. (Without the cleaning, neighbours' edges carried different
   vertices, e.g. a wedge apex on one side only, and the reprojected edges crossed: up to 603 m² of overlap,
   and one self-intersecting network that ST_MakeValid turned into a 3.2 km² overlap.) Networks with no
   located member lose their polygon (reported), rather than keep a drawing that would now overlap the
   derived ones.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry

from geo_service.db.repositories import territories as repo
from geo_service.scope import Scope, resolve_scope

log = logging.getLogger(__name__)

LOCATION_GRID_M = 0.1  # member locations closer than this are one location (postcode centroids repeat exactly)
# Edges are cut to at most this length before the polygons go to EPSG:4326: a straight edge in British National
# Grid is not straight in longitude/latitude, so a long Voronoi edge would bow away from where it was computed.
# Uncut, the longest England 2019/20 edges bow up to 19 m (median 0.3 m); at 200 m the bow is well under a
# millimetre. The cut points are shared by both neighbours (``_densify_ring``), so the cut keeps the coverage.
MAX_EDGE_M = 200.0


@dataclass
class Territories:
    """Derived territories of one scope's networks (EPSG:27700 shapes) and what could not be placed."""

    shapes: dict[int, BaseGeometry]  # network id → MultiPolygon
    networks_cleared: list[int] = field(default_factory=list)  # networks with no located member
    unlocated: list[str] = field(default_factory=list)  # members' ODS codes without a location
    outside_areas: list[str] = field(default_factory=list)  # members located in no area of the boundary set
    shared_locations: int = 0  # locations whose cell was cut into wedges between networks
    extended_offshore: int = 0  # locations outside their area (coast) whose cell was extended to reach them
    areas: int = 0
    coverage_valid: bool = True  # shapely.coverage_is_valid of the cleaned shapes (no overlaps, shared edges match)
    seconds: float = 0.0

    def summary(self) -> dict:
        return {
            "networks_with_territory": len(self.shapes),
            "networks_cleared": len(self.networks_cleared),
            "members_unlocated": len(self.unlocated),
            "members_outside_areas": len(self.outside_areas),
            "shared_locations_split": self.shared_locations,
            "locations_outside_their_area": self.extended_offshore,
            "areas": self.areas,
            "coverage_valid": self.coverage_valid,
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


def _area_cells(
    area: BaseGeometry, locations: list[tuple[float, float]], land: shapely.STRtree, land_shapes: list[BaseGeometry]
) -> tuple[list[BaseGeometry], int]:
    """The Voronoi cell of each location (in order) clipped to ``area``, and how many cells were extended.

    A location outside the area (a coastal practice that ``point_areas`` gives to the nearest area, up to
    10 km off the generalised coastline) would lie outside its own clipped cell: its cell also gets the part of
    a disc reaching from the location to the area (plus 1 m) that lies in its unclipped Voronoi cell and in no
    area of the boundary set (``land``), so the territory covers it without taking land from anyone."""
    pts = [Point(xy) for xy in locations]
    reach = [area.distance(p) for p in pts]
    margin = max(reach) + 1000.0
    if len(locations) == 1:
        raw = [area.envelope.union(pts[0]).envelope.buffer(margin)]
    else:
        frame = MultiPoint(locations).union(area.envelope).envelope.buffer(margin)
        raw = list(shapely.voronoi_polygons(MultiPoint(locations), extend_to=frame, ordered=True).geoms)
    cells, extended = [], 0
    for p, d, cell in zip(pts, reach, raw, strict=True):
        clipped = area if len(locations) == 1 else shapely.intersection(cell, area)
        if d > 0:
            disc = shapely.intersection(p.buffer(d + 1.0), cell)
            nearby = [land_shapes[i] for i in land.query(disc)]
            sea = shapely.difference(disc, shapely.union_all(nearby)) if nearby else disc
            clipped = shapely.union(clipped, sea)
            extended += 1
        cells.append(clipped)
    return cells, extended


def _densify_ring(coords: np.ndarray) -> np.ndarray:
    """``coords`` (a closed ring) with points added so no segment is longer than ``MAX_EDGE_M``. Each segment's
    points are computed from its lexicographically smaller end, so two neighbours that traverse a shared edge
    in opposite directions get bit-identical points (``shapely.segmentize`` interpolates from the first end,
    which differs in the last bits and would break the coverage again)."""
    start, end = coords[:-1], coords[1:]
    flip = (start[:, 0] > end[:, 0]) | ((start[:, 0] == end[:, 0]) & (start[:, 1] > end[:, 1]))
    lo = np.where(flip[:, None], end, start)
    hi = np.where(flip[:, None], start, end)
    steps = np.maximum(1, np.ceil(np.hypot(*(hi - lo).T) / MAX_EDGE_M).astype(int))
    segment = np.repeat(np.arange(len(steps)), steps)
    n = steps[segment]
    j = np.arange(len(segment)) - np.repeat(np.cumsum(steps) - steps, steps)  # 0 .. n-1 along the ring's direction
    k = np.where(flip[segment], n - j, j)  # the point's step counted from the smaller end
    t = (k / n)[:, None]
    points = lo[segment] + t * (hi[segment] - lo[segment])
    first = j == 0
    points[first] = start[segment[first]]  # every segment starts exactly at its own vertex
    return np.vstack([points, coords[-1:]])


def _densify(geom: BaseGeometry) -> BaseGeometry:
    polygons = [
        Polygon(
            _densify_ring(np.asarray(p.exterior.coords)), [_densify_ring(np.asarray(r.coords)) for r in p.interiors]
        )
        for p in _polygons(geom)
    ]
    return shapely.MultiPolygon(polygons)


def _clean_coverage(shapes: dict[int, BaseGeometry]) -> tuple[dict[int, BaseGeometry], bool]:
    """``shapes`` made one clean coverage, then edges cut to ``MAX_EDGE_M``. Cleaning
    (``shapely.coverage_clean``) merges the slivers of overlap that floating-point clipping leaves into one
    neighbour and makes vertices within GEOS's snapping distance (derived from the extent; it moves no shape by
    more than a fraction of a square metre in England) one, so every shared edge has the same vertices on both
    sides. Densifying afterwards keeps that (see ``_densify_ring``); densifying before cleaning made GEOS move
    3.2 km² between two networks sharing a location. Returns the shapes (MultiPolygons; a network whose shape
    vanished is left out) and whether the result is a valid coverage."""
    if not shapes:
        return {}, True
    ids = list(shapes)
    cleaned = shapely.coverage_clean([shapes[n] for n in ids])
    out: dict[int, BaseGeometry] = {}
    for network_id, geom in zip(ids, cleaned, strict=True):
        if _polygons(geom):
            out[network_id] = _densify(geom)
    return out, bool(shapely.coverage_is_valid(list(out.values())))


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

    areas = {a["id"]: shapely.from_wkb(bytes(a["wkb"])) for a in repo.area_shapes(conn, scope.values()["bs_id"])}
    land_shapes = list(areas.values())
    land = shapely.STRtree(land_shapes)
    pieces: dict[int, list[BaseGeometry]] = defaultdict(list)
    for area_id in sorted(by_area):
        area = areas[area_id]
        located = by_area[area_id]
        keys = sorted(located)
        cells, extended = _area_cells(area, [points[k] for k in keys], land, land_shapes)
        result.extended_offshore += extended
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

    dissolved: dict[int, BaseGeometry] = {}
    for network_id, parts in pieces.items():
        polygons = _polygons(shapely.union_all(parts))
        if polygons:
            dissolved[network_id] = shapely.MultiPolygon(polygons)
    result.shapes, result.coverage_valid = _clean_coverage(dissolved)
    result.networks_cleared = [
        n for n in repo.scenario_network_ids(conn, scope.scenario["id"]) if n not in result.shapes
    ]
    result.seconds = time.perf_counter() - started
    return result


def save_territories(conn, scope: Scope, result: Territories) -> int:
    """Write ``result`` as the polygons of the scope's networks (inside the caller's transaction)."""
    shapes: dict[int, bytes | None] = {n: shapely.to_wkb(g) for n, g in result.shapes.items()}
    shapes.update({n: None for n in result.networks_cleared})
    return repo.save_network_shapes(conn, scope.scenario["id"], shapes)


def derive_and_save(
    db, scenario: str, boundary_set: str | None = None, then: Callable[[Any, Territories], Any] | None = None
) -> tuple[Scope, Territories]:
    """Derive and write the territories of a scenario's networks in one transaction (its own connection from
    ``db``). ``scenario`` is the slug; ``boundary_set`` (slug) picks the areas that clip them, default the
    scenario's. Replaces EVERY network's polygon of the scenario (``geom_origin = 'derived'``; networks with no
    located member get none). Returns the scope and the ``Territories`` (``.summary()`` for reporting:
    unlocated members, shared locations split, coastal locations reached over the sea, ``coverage_valid``).
    An unknown slug raises ``NotFound`` before anything is written. ``then(conn, territories)``, when given, runs in the
    same transaction after the write (a plan's version bump and audit row): if it raises, nothing is kept."""
    with db.connection(statement_timeout_ms=0) as conn:
        scope = resolve_scope(conn, scenario, boundary_set=boundary_set)
        result = derive_territories(conn, scope)
        written = save_territories(conn, scope, result)
        if then is not None:
            then(conn, result)
    log.info(
        "territories of %s on %s: %d networks written, %s",
        scope.scenario["slug"],
        scope.boundary_set["slug"],
        written,
        result.summary(),
    )
    return scope, result

"""The neighbour graph of one commissioner area's practices.

Two practices are neighbours when their Voronoi cells, clipped to the area, share an edge (shapely's GEOS
Voronoi, an STRtree for the cell pairs). Practices at the same point are neighbours of each other and share
their point's neighbours. Parts of the area that no shared edge joins (islands, a practice located outside its
commissioner's area) are joined to the rest through their nearest practices (STRtree nearest), so every area
is one connected graph. Coordinates are metres (EPSG:27700).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import networkx as nx
import shapely
from shapely import STRtree
from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry


def neighbour_graph(
    points: Mapping[str, tuple[float, float]],
    area: BaseGeometry | None = None,
    extra_edges: Iterable[tuple[str, str]] = (),
) -> nx.Graph:
    """Graph over the codes of ``points`` (x, y in metres), edges carrying their ``length`` in metres.

    ``area`` clips the Voronoi cells (None: the cells are clipped to the points' hull widened by 5 km).
    ``extra_edges`` joins units without a location to the members of their network."""
    g = nx.Graph()
    codes = sorted(points)
    g.add_nodes_from(codes)
    by_xy: dict[tuple[float, float], list[str]] = {}
    for c in codes:
        by_xy.setdefault((round(points[c][0], 1), round(points[c][1], 1)), []).append(c)
    sites = sorted(by_xy)
    for group in by_xy.values():  # practices sharing a point
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                g.add_edge(a, b, length=0.0)
    pairs: set[tuple[int, int]] = set()
    if len(sites) == 2:
        pairs.add((0, 1))
    elif len(sites) > 2:
        multipoint = MultiPoint(sites)
        frame = area if area is not None and not area.is_empty else multipoint.convex_hull.buffer(5000)
        envelope = frame.envelope.buffer(10000)
        cells = list(shapely.voronoi_polygons(multipoint, extend_to=envelope, ordered=True).geoms)
        if len(cells) == len(sites):
            clipped = shapely.intersection(cells, frame)
            tree = STRtree(clipped)
            left, right = tree.query(clipped, predicate="intersects")
            keep = left < right
            left, right = left[keep], right[keep]
            if len(left):
                shared = shapely.intersection(clipped[left], clipped[right])
                lengths = shapely.length(shared)
                pairs.update((int(a), int(b)) for a, b, n in zip(left, right, lengths, strict=True) if n > 1.0)
        else:  # pragma: no cover - GEOS returns one cell per distinct site
            pairs.update((i, i + 1) for i in range(len(sites) - 1))
    for a, b in sorted(pairs):
        length = math.dist(sites[a], sites[b])
        for ca in by_xy[sites[a]]:
            for cb in by_xy[sites[b]]:
                g.add_edge(ca, cb, length=length)
    for a, b in extra_edges:
        if a != b:
            g.add_edge(a, b, length=0.0)
    _join_parts(g, points)
    return g


def _join_parts(g: nx.Graph, points: Mapping[str, tuple[float, float]]) -> None:
    """Join every connected part to the rest through its nearest pair of located practices."""
    while True:
        parts = sorted((sorted(p) for p in nx.connected_components(g)), key=lambda p: (len(p), p[0]))
        located_parts = [p for p in parts if any(c in points for c in p)]
        if len(located_parts) <= 1:
            return
        small = located_parts[0]
        inside = set(small)
        others = [c for c in sorted(points) if c not in inside]
        mine = [c for c in small if c in points]
        tree = STRtree([Point(points[c]) for c in others])
        idx, dist = tree.query_nearest([Point(points[c]) for c in mine], return_distance=True, all_matches=False)
        best = min(range(idx.shape[1]), key=lambda k: (dist[k], mine[idx[0, k]], others[idx[1, k]]))
        a, b = mine[idx[0, best]], others[idx[1, best]]
        g.add_edge(a, b, length=float(dist[best]), bridge=True)

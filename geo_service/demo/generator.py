"""Generate the synthetic demo dataset: deterministic (fixed seed), labelled synthetic everywhere.

The dataset exercises every rule the service checks. What was planted is returned in
``DemoDataset.planted`` so tests can assert the rule engine finds exactly that and nothing
else. Geometry is built in EPSG:27700 (metres) and handed over in EPSG:4326.

Layout: four commissioner areas tiling a ~40 km region; each area has three networks
whose members cluster in the network's part of the area. Two scenarios:

* ``demo-as-registered``: as an ePCN extract would show it (no network polygons);
* ``demo-commissioner-proposal``: a re-drawn proposal with network polygons.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.ops import unary_union

from geo_service.crs import AREA_SRID, STORAGE_SRID, transformer

SEED = 20191201
LIST_SIZE_DATE = date(2024, 10, 1)
STALE_LIST_SIZE_DATE = date(2021, 4, 1)
BOUNDARY_SET = {"slug": "demo-ccg", "name": "Synthetic demo CCGs (not real)", "level": "ccg", "vintage": "demo"}
REGISTERED = "demo-as-registered"
PROPOSAL = "demo-commissioner-proposal"
SCENARIOS = {
    REGISTERED: "Synthetic demo: as registered (not real)",
    PROPOSAL: "Synthetic demo: commissioner proposal (not real)",
}
AREA_NAMES = ["Northmere", "Eastwold", "Southbrook", "Westhaven"]
PLACES = [
    "Riverside",
    "Oakfield",
    "Millbank",
    "Hillcrest",
    "Ashgrove",
    "Elmstead",
    "Fernhill",
    "Kingsway",
    "Larkrise",
    "Meadowbank",
    "Northgate",
    "Orchard",
    "Parkside",
    "Queensway",
    "Redwood",
    "Stonebridge",
    "Thornbury",
    "Underhill",
    "Valley",
    "Willowbrook",
    "Yewtree",
    "Brookside",
    "Castlefield",
    "Dovecote",
    "Eastgate",
    "Fairview",
    "Greenlane",
    "Harbour",
    "Ivybridge",
    "Juniper",
    "Kestrel",
    "Linden",
]
KINDS = ["Surgery", "Medical Centre", "Health Centre", "Family Practice", "Group Practice"]
NETWORK_WORDS = [
    "Central",
    "Rural",
    "Coastal",
    "Valley",
    "Market Towns",
    "Riverside",
    "Uplands",
    "Gateway",
    "Heath",
    "Forest",
    "Vale",
    "Downs",
]


@dataclass
class DemoArea:
    ods_code: str
    gss_code: str
    name: str
    geom: MultiPolygon  # EPSG:4326


@dataclass
class DemoPractice:
    ods_code: str
    name: str
    postcode: str
    commissioner_code: str
    status: str
    list_size: int | None
    list_size_date: date | None
    extended_hours: bool | None
    location: Point | None  # EPSG:4326


@dataclass
class DemoNetwork:
    code: str
    name: str
    lead_commissioner_code: str
    members: list[str]  # practice ODS codes
    geom: MultiPolygon | None = None  # EPSG:4326
    geom_made_valid: bool = False


@dataclass
class DemoDataset:
    boundary_set: dict
    areas: list[DemoArea]
    practices: list[DemoPractice]
    scenarios: dict[str, dict]  # slug -> {"name":..., "networks": [DemoNetwork]}
    planted: dict[str, dict[str, set[str]]] = field(default_factory=dict)


def _to_4326(geom):
    """Reproject BNG → lon/lat. Edges are densified first (50 m) so that shared edges and
    clip lines stay shared after the (non-linear) projection."""
    t = transformer(AREA_SRID, STORAGE_SRID)
    dense = shapely.segmentize(geom, 50.0) if geom.geom_type != "Point" else geom
    return shapely.transform(dense, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def _multi(geom) -> MultiPolygon:
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    polys = [g for g in getattr(geom, "geoms", []) if isinstance(g, (Polygon, MultiPolygon))]
    return _multi(unary_union(polys))


def _region(rng: random.Random) -> Polygon:
    """A wobbly ~40 km wide outline in the English Midlands (BNG metres)."""
    cx, cy, r = 460_000.0, 280_000.0, 21_000.0
    pts = []
    for i in range(48):
        a = 2 * math.pi * i / 48
        rr = r * (1 + 0.12 * math.sin(3 * a + 0.7) + 0.05 * (rng.random() - 0.5))
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return Polygon(pts)


def _voronoi_cells(points: list[tuple[float, float]], clip: Polygon) -> list[Polygon]:
    """Voronoi cells of ``points`` clipped to ``clip``, in the order of ``points``."""
    mp = shapely.MultiPoint(points)
    cells = shapely.voronoi_polygons(mp, extend_to=clip.buffer(5_000))
    out = []
    for p in points:
        pt = Point(p)
        cell = next(c for c in cells.geoms if c.contains(pt) or c.touches(pt))
        out.append(cell.intersection(clip))
    return out


def _random_point_in(poly, rng: random.Random) -> Point:
    minx, miny, maxx, maxy = poly.bounds
    for _ in range(10_000):
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if poly.contains(p):
            return p
    raise RuntimeError("could not place a point")  # pragma: no cover - geometry is generous


def _postcode(area_idx: int, serial: int) -> str:
    """A synthetic postcode (the ZZ area does not exist)."""
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"ZZ{area_idx + 1} {serial % 9 + 1}{letters[serial % 20]}{letters[(serial * 7) % 20]}"


def _split_total(rng: random.Random, total: int, n: int, max_share: float) -> list[int]:
    """Split ``total`` patients into ``n`` realistic list sizes, none above ``max_share``."""
    for _ in range(1000):
        w = [rng.lognormvariate(0, 0.45) for _ in range(n)]
        sizes = [int(round(total * x / sum(w), -1)) for x in w]
        sizes[-1] += total - sum(sizes)
        if max(sizes) / total < max_share and min(sizes) >= 1_500:
            return sizes
    raise RuntimeError("could not split list sizes")  # pragma: no cover


def generate(seed: int = SEED) -> DemoDataset:
    rng = random.Random(seed)
    region = _region(rng)
    c = region.centroid
    area_seeds = [
        (c.x + dx * 9_000 + rng.uniform(-1500, 1500), c.y + dy * 9_000 + rng.uniform(-1500, 1500))
        for dx, dy in [(0, 1), (1, 0), (0, -1), (-1, 0)]
    ]
    area_polys = _voronoi_cells(area_seeds, region)
    areas_bng = []
    for i, poly in enumerate(area_polys):
        areas_bng.append(
            {
                "ods": f"ZA{i + 1}",
                "gss": f"E3899990{i + 1}",
                "name": f"NHS {AREA_NAMES[i]} CCG (synthetic demo)",
                "geom": poly,
            }
        )

    # ---- networks and their practices (as registered) ---------------------------------
    # Per network: (total patients, members, max share). Planted cases are named.
    plan = {
        # area 0
        "UZ0001": dict(area=0, total=22_000, n=3, max_share=0.45, case="undersized"),
        "UZ0002": dict(area=0, total=41_000, n=5, max_share=0.45),
        "UZ0003": dict(area=0, total=44_000, n=5, max_share=0.45, case="extended_hours_gap"),
        # area 1
        "UZ0004": dict(area=1, total=40_000, n=5, max_share=0.45),
        "UZ0005": dict(area=1, total=58_000, n=6, max_share=0.45, case="oversized"),
        "UZ0006": dict(area=1, total=43_000, n=5, max_share=0.40, case="member_without_list_size"),
        # area 2
        "UZ0007": dict(area=2, total=36_000, n=4, max_share=0.45, case="stale_list_size"),
        "UZ0008": dict(area=2, total=46_000, n=5, max_share=None, case="dominated"),
        "UZ0009": dict(area=2, total=42_000, n=5, max_share=0.45, case="member_without_location"),
        # area 3
        "UZ0010": dict(area=3, total=40_000, n=5, max_share=0.45, case="cross_boundary"),
        "UZ0011": dict(area=3, total=45_000, n=5, max_share=0.45),
        "UZ0012": dict(area=3, total=38_000, n=5, max_share=0.45),
    }
    by_area: dict[int, list[str]] = {}
    for code, p in plan.items():
        by_area.setdefault(p["area"], []).append(code)

    practices_bng: list[dict] = []
    networks_reg: dict[str, dict] = {}
    place_iter = iter(rng.sample([(pl, k) for pl in PLACES for k in KINDS], len(PLACES) * len(KINDS)))
    serial = 0

    def new_practice(area_idx: int, where, size: int | None, **extra) -> dict:
        nonlocal serial
        serial += 1
        place, kind = next(place_iter)
        p = {
            "ods": f"Z{serial:05d}",
            "name": f"{place} {kind} (synthetic)",
            "postcode": _postcode(area_idx, serial),
            "commissioner": areas_bng[area_idx]["ods"],
            "status": "active",
            "list_size": size,
            "list_size_date": LIST_SIZE_DATE if size is not None else None,
            "extended_hours": True,
            "pt": where,
        }
        p.update(extra)
        practices_bng.append(p)
        return p

    for a_idx, codes in by_area.items():
        area_poly = areas_bng[a_idx]["geom"]
        inner = area_poly.buffer(-1_200)
        seeds = [_random_point_in(inner, rng) for _ in codes]
        regions = _voronoi_cells([(s.x, s.y) for s in seeds], area_poly)
        for code, region_poly in zip(codes, regions, strict=False):
            p = plan[code]
            if p.get("case") == "dominated":
                sizes = [26_000] + _split_total(rng, p["total"] - 26_000, p["n"] - 1, 0.45)
            else:
                sizes = _split_total(rng, p["total"], p["n"], p["max_share"])
            where = region_poly.buffer(-500)
            members = [new_practice(a_idx, _random_point_in(where, rng), s) for s in sizes]
            networks_reg[code] = {"area": a_idx, "members": members, "region": region_poly}

    # Planted details on members.
    networks_reg["UZ0003"]["members"][1]["extended_hours"] = False
    gap = min(networks_reg["UZ0006"]["members"], key=lambda m: m["list_size"])
    gap["list_size"], gap["list_size_date"] = None, None
    networks_reg["UZ0007"]["members"][0]["list_size_date"] = STALE_LIST_SIZE_DATE
    networks_reg["UZ0009"]["members"][3]["pt"] = None
    networks_reg["UZ0009"]["members"][3]["postcode"] = "ZZ9 9ZZ"  # not a real postcode: never geocoded

    # Cross-boundary: a practice of area 2 (commissioner ZA3), sitting in area 2 near area 3,
    # registered in UZ0010 whose members and lead commissioner are area 3 (ZA4).
    border = areas_bng[2]["geom"].intersection(areas_bng[3]["geom"].buffer(3_000)).buffer(-400)
    crosser = new_practice(2, _random_point_in(border, rng), 6_200)
    networks_reg["UZ0010"]["members"].append(crosser)

    # Orphans: active practices in no network; one closed practice in no network (not an orphan).
    orphans = []
    for a_idx, code in [(0, "UZ0002"), (1, "UZ0004"), (3, "UZ0012")]:
        where = networks_reg[code]["region"].buffer(-500)
        orphans.append(new_practice(a_idx, _random_point_in(where, rng), rng.choice([4_100, 5_300, 6_800])))
    closed = new_practice(
        1, _random_point_in(networks_reg["UZ0004"]["region"].buffer(-500), rng), None, status="closed"
    )
    closed["list_size_date"] = None

    # ---- proposal: orphans placed, cross-boundary practice moved home, UZ0001+UZ0002 merged ------
    proposal_members = {code: [m["ods"] for m in n["members"]] for code, n in networks_reg.items()}
    proposal_members["UZ0010"].remove(crosser["ods"])
    proposal_members["UZ0007"].append(crosser["ods"])
    proposal_members["UZ0002"].append(orphans[0]["ods"])
    proposal_members["UZ0004"].append(orphans[1]["ods"])
    proposal_members["UZ0012"].append(orphans[2]["ods"])
    proposal_members["UZ0001"] += proposal_members.pop("UZ0002")  # the "60,000-patient network"

    # Polygons: practice Voronoi cells clipped to each area, unioned per network.
    located = {p["ods"]: p for p in practices_bng if p["pt"] is not None and p["status"] == "active"}
    cells: dict[str, Polygon] = {}
    for area in areas_bng:
        in_area = [p for p in located.values() if area["geom"].contains(p["pt"])]
        area_cells = _voronoi_cells([(q["pt"].x, q["pt"].y) for q in in_area], area["geom"])
        for p, cell in zip(in_area, area_cells, strict=True):
            cells[p["ods"]] = cell
    prop_polys: dict[str, object] = {}
    for code, members in proposal_members.items():
        area_geom = areas_bng[plan[code]["area"]]["geom"]
        prop_polys[code] = _multi(unary_union([cells[m] for m in members if m in cells]).intersection(area_geom))
    # Planted overlap: UZ0011 also claims a 5 km disc of UZ0012 (same area, away from practices): about 19 % of
    # UZ0012, a material overlap (over the 10 % of the smaller polygon the geometry rule counts from).
    p11, p12 = prop_polys["UZ0011"], prop_polys["UZ0012"]
    shared = p11.boundary.intersection(p12.boundary)
    anchor = (
        shapely.line_interpolate_point(shapely.line_merge(shared), 0.5, normalized=True)
        if not shared.is_empty
        else p12.centroid
    )
    overlap = Point(anchor.x, anchor.y).buffer(5_000).intersection(p12)
    prop_polys["UZ0011"] = _multi(unary_union([p11, overlap]))
    # Planted gap: a 900 m hole in UZ0004 that holds no practice.
    p4 = prop_polys["UZ0004"]
    hole_centre = None
    for _ in range(2000):
        cand = _random_point_in(p4.buffer(-1_000), rng)
        if all(cand.distance(q["pt"]) > 1_200 for q in practices_bng if q["pt"] is not None):
            hole_centre = cand
            break
    prop_polys["UZ0004"] = _multi(p4.difference(hole_centre.buffer(900)))

    # ---- assemble (to EPSG:4326) ---------------------------------------------------------
    areas = [DemoArea(a["ods"], a["gss"], a["name"], _multi(_to_4326(a["geom"]))) for a in areas_bng]
    practices = [
        DemoPractice(
            ods_code=p["ods"],
            name=p["name"],
            postcode=p["postcode"],
            commissioner_code=p["commissioner"],
            status=p["status"],
            list_size=p["list_size"],
            list_size_date=p["list_size_date"],
            extended_hours=p["extended_hours"],
            location=_to_4326(p["pt"]) if p["pt"] is not None else None,
        )
        for p in practices_bng
    ]
    net_names = {
        code: f"Synthetic {AREA_NAMES[plan[code]['area']]} {NETWORK_WORDS[i]} PCN (demo)" for i, code in enumerate(plan)
    }
    registered = [
        DemoNetwork(code, net_names[code], areas_bng[n["area"]]["ods"], [m["ods"] for m in n["members"]])
        for code, n in networks_reg.items()
    ]
    proposal = [
        DemoNetwork(
            code,
            net_names[code] if code != "UZ0001" else f"Synthetic {AREA_NAMES[0]} Combined PCN (demo)",
            areas_bng[plan[code]["area"]]["ods"],
            members,
            _multi(_to_4326(prop_polys[code])),
        )
        for code, members in proposal_members.items()
    ]
    planted = {
        REGISTERED: {
            "orphaned_practices": {o["ods"] for o in orphans},
            "multiply_assigned_practices": set(),
            "cross_boundary_administrative": {"UZ0010"},
            "cross_boundary_member_location": {"UZ0010"},
            "empty_networks": set(),
            "catchment_spill_networks": set(),
            "members_not_in_register": set(),
            "undersized_networks": {"UZ0001"},
            "oversized_networks": {"UZ0005"},
            "dominated_networks": {"UZ0008"},
            "extended_hours_gaps": {"UZ0003"},
            "networks_with_unknown_list_sizes": {"UZ0006"},
            "practices_without_location": {networks_reg["UZ0009"]["members"][3]["ods"]},
            "practices_without_list_size": {gap["ods"]},
            "practices_with_stale_list_size": {networks_reg["UZ0007"]["members"][0]["ods"]},
            "overlapping_networks": set(),
            "members_outside_network_polygon": set(),
            "invalid_network_polygons": set(),
            "areas_with_gaps": set(),
        },
        PROPOSAL: {
            "orphaned_practices": set(),
            "multiply_assigned_practices": set(),
            "cross_boundary_administrative": set(),
            "cross_boundary_member_location": set(),
            "empty_networks": set(),
            "catchment_spill_networks": set(),
            "members_not_in_register": set(),
            "undersized_networks": set(),
            "oversized_networks": {"UZ0001", "UZ0005"},
            "dominated_networks": {"UZ0008"},
            "extended_hours_gaps": {"UZ0003"},
            "networks_with_unknown_list_sizes": {"UZ0006"},
            "practices_without_location": {networks_reg["UZ0009"]["members"][3]["ods"]},
            "practices_without_list_size": {gap["ods"]},
            "practices_with_stale_list_size": {networks_reg["UZ0007"]["members"][0]["ods"]},
            "overlapping_networks": {"UZ0011", "UZ0012"},
            "members_outside_network_polygon": set(),
            "invalid_network_polygons": set(),
            "areas_with_gaps": {areas_bng[1]["ods"]},
        },
    }
    return DemoDataset(
        boundary_set=dict(BOUNDARY_SET),
        areas=areas,
        practices=practices,
        scenarios={
            REGISTERED: {"name": SCENARIOS[REGISTERED], "networks": registered},
            PROPOSAL: {"name": SCENARIOS[PROPOSAL], "networks": proposal},
        },
        planted=planted,
    )

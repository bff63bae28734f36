"""The scorecard of a suggestion against its baseline, and one sentence per moved practice."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx


@dataclass(frozen=True)
class Practice:
    code: str
    weight: int
    area: str | None  # the area (code) it belongs to in the boundary set
    xy: tuple[float, float] | None
    start: str | None


def populations(practices: Mapping[str, Practice], labels: Mapping[str, str | None]) -> dict[str, int]:
    pops: dict[str, int] = defaultdict(int)
    for code, p in practices.items():
        lab = labels.get(code)
        if lab is not None:
            pops[lab] += p.weight
    return dict(pops)


def _members(labels: Mapping[str, str | None]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for code in sorted(labels):
        if labels[code] is not None:
            out[labels[code]].append(code)  # type: ignore[index]
    return out


def _nearest_other(practices: Mapping[str, Practice], members: list[str], code: str) -> float | None:
    me = practices[code].xy
    if me is None:
        return None
    ds = [math.dist(me, practices[o].xy) for o in members if o != code and practices[o].xy is not None]  # type: ignore[arg-type]
    return min(ds) if ds else None


def _measures(
    practices: Mapping[str, Practice],
    labels: Mapping[str, str | None],
    graphs: Mapping[str, nx.Graph],
    nets: set[str],
    lo: int,
    hi: int,
    dominance: float,
) -> dict:
    members = _members(labels)
    in_band = under = over = dominated = split = crossing = 0
    farthest = 0.0
    farthest_at: str | None = None
    for net in sorted(nets):
        ms = members.get(net, [])
        if not ms:
            continue
        pop = sum(practices[m].weight for m in ms)
        in_band += lo <= pop <= hi
        under += pop < lo
        over += pop > hi
        if pop and max(practices[m].weight for m in ms) / pop >= dominance:  # as the dominance rule counts
            dominated += 1
        areas = {practices[m].area for m in ms}
        crossing += len(areas) > 1
        for area in areas:
            g = graphs.get(area) if area else None
            here = [m for m in ms if practices[m].area == area and (g is not None and m in g)]
            if g is not None and len(here) > 1 and not nx.is_connected(g.subgraph(here)):
                split += 1
                break
        for m in ms:
            d = _nearest_other(practices, ms, m)
            if d is not None and d > farthest:
                farthest, farthest_at = d, m
    return {
        "networks": sum(1 for n in nets if members.get(n)),
        "in_band": in_band,
        "under": under,
        "over": over,
        "dominated": dominated,
        "crossing_areas": crossing,
        "not_contiguous": split,
        "farthest_member_km": round(farthest / 1000, 1),
        "farthest_member": farthest_at,
    }


def scorecard(
    practices: Mapping[str, Practice],
    before: Mapping[str, str | None],
    after: Mapping[str, str | None],
    graphs: Mapping[str, nx.Graph],
    lo: int,
    hi: int,
    dominance: float = 0.5,
) -> dict:
    """Networks in band before → after, patients and practices moved, networks touched, dominance flags,
    the largest distance of a member from its network's nearest other member, contiguity and area crossings,
    over the networks that have a practice of the suggested areas."""
    moved = [c for c in sorted(practices) if before.get(c) != after.get(c)]
    touched = sorted({x for c in moved for x in (before.get(c), after.get(c)) if x is not None})
    b = _measures(practices, before, graphs, {v for v in before.values() if v is not None}, lo, hi, dominance)
    a = _measures(practices, after, graphs, {v for v in after.values() if v is not None}, lo, hi, dominance)
    total = sum(p.weight for p in practices.values())
    patients_moved = sum(practices[c].weight for c in moved)
    return {
        "band": {"min": lo, "max": hi},
        "before": b,
        "after": a,
        "share_in_band": {
            "before": round(b["in_band"] / b["networks"], 4) if b["networks"] else None,
            "after": round(a["in_band"] / a["networks"], 4) if a["networks"] else None,
        },
        "patients": total,
        "patients_moved": patients_moved,
        "patients_moved_share": round(patients_moved / total, 4) if total else 0.0,
        "practices": len(practices),
        "practices_moved": len(moved),
        "networks_touched": len(touched),
    }


def sentences(
    practices: Mapping[str, Practice],
    before: Mapping[str, str | None],
    after: Mapping[str, str | None],
    lo: int,
    hi: int,
    home_area: Mapping[str, str | None],
    new_codes: set[str],
) -> list[dict]:
    """One sentence per moved practice: from where (population), to where (population), why, how far."""
    pop_b, pop_a = populations(practices, before), populations(practices, after)
    members_after = _members(after)
    out = []
    for code in sorted(practices):
        f, t = before.get(code), after.get(code)
        if f == t or t is None:
            continue
        p = practices[code]
        cause = ""
        if f is None:
            cause = " as it had no network"
        elif home_area.get(f) not in (None, p.area):
            cause = f" as {f} belongs to commissioner area {home_area[f]}, not {p.area}"
        why: list[str] = []
        if f is not None and f in pop_a and (pop_b[f] < lo or pop_b[f] > hi) and lo <= pop_a[f] <= hi:
            why.append(f"{f} comes into band ({pop_a[f]:,})")
        if t not in new_codes and t in pop_b and pop_b[t] < lo and lo <= pop_a[t] <= hi:
            why.append(f"{t} reaches the band ({pop_a[t]:,})")
        if not why:
            in_band = [x for x in (f, t) if x is not None and x in pop_a and lo <= pop_a[x] <= hi]
            if f is not None and f not in pop_a and lo <= pop_a.get(t, 0) <= hi:
                why.append(f"{f} is merged into a network in band")
            elif len(in_band) == 2:
                why.append("both are in band")
            elif in_band and t in in_band:
                why.append(f"{t} is in band ({pop_a[t]:,})")
            else:
                why.append("the networks come closer to the band")
        src = f"{f} ({pop_b[f]:,} patients)" if f is not None else "no network"
        dst = f"a new network {t}" if t in new_codes else f"{t} ({pop_b.get(t, 0):,})"
        near = _nearest_other(practices, members_after.get(t, []), code)
        where = f"; {near / 1000:.1f} km from its new neighbours" if near is not None else ""
        joint = f"{cause}, and" if cause else " so"
        text = f"{code} moves from {src} to {dst}{joint} {' and '.join(why)}{where}."
        out.append(
            {
                "practice": code,
                "from": f,
                "to": t,
                "list_size": p.weight,
                "distance_km": round(near / 1000, 1) if near is not None else None,
                "sentence": text,
            }
        )
    return out

"""Compare two scenarios so that the comparison tells the story: practices that moved (names beside codes),
networks added / removed / renamed / merged / split, population before → after per network and per area, each
check's count in both, and, when the two scenarios sit on different boundary sets, what changed in the
boundaries (which areas merged or split) with the cross-boundary counts read on one common boundary set.

Rules (written out in :data:`RULES` so the API and the page can show them):

* a practice that left every network is *closed* when it is not an open GP practice on the second scenario's
  date (not known to exist then: its register, or list-size file, says so), and *orphaned* when it is still
  open but in no network; one that joined a network from none is *opened* when it did not exist on the first
  scenario's date. A practice whose network merged into another is *moved by a merger*, not moved;

* *added* / *removed*: a network code found only in the second / first scenario;
* *renamed*: the same network code with another name;
* *merged*: two or more networks of the first scenario each sent more than half of their continuing members
  (practices that are members in both scenarios) to the same network of the second;
* *split*: more than half of the continuing members of each of two or more networks of the second scenario came
  from the same network of the first;
* boundary areas *merged* / *split*: the same rules over practice locations (postcode points) that lie in an area
  of each boundary set.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from geo_service.analysis import wording
from geo_service.analysis.evidence import plain
from geo_service.db.repositories import analysis_compare

CROSS_BOUNDARY_KEYS = ("cross_boundary_administrative", "cross_boundary_member_location")

RULES = {
    "added": "A network code found only in the second scenario.",
    "removed": "A network code found only in the first scenario.",
    "renamed": "The same network code with a different name.",
    "merged": (
        "Two or more networks of the first scenario each sent more than half of their continuing members "
        "(practices that are members in both scenarios) to the same network of the second."
    ),
    "split": (
        "More than half of the continuing members of each of two or more networks of the second scenario came "
        "from the same network of the first."
    ),
    "closed": "The practice is in no network because it is no longer an open GP practice on the second date.",
    "orphaned": "The practice is still an open GP practice on the second date but in no network.",
    "opened": "The practice joined a network because it opened after the first date.",
    "boundaries": (
        "Areas are matched by the practice locations (postcode points) that lie in an area of each boundary set: "
        "two or more areas whose locations lie mostly in one new area merged; an area that holds most of the "
        "locations of two or more new areas split."
    ),
}


def compare(
    conn, scope_a, scope_b, counts_a: dict, counts_b: dict, boundary_change: dict | None = None
) -> dict[str, Any]:
    """``scope_a``/``scope_b`` are the two scenarios' scopes (one common boundary set, the same area or none);
    ``counts_*`` their flat check counts. Each side is read as of its own date and extracts. With an area, only
    practices located in it and networks in it (on either side) are listed."""
    a, b, boundary_set = scope_a.scenario, scope_b.scenario, scope_a.boundary_set
    va, vb = scope_a.values(), scope_b.values()
    rows_a = analysis_compare.current_memberships(conn, va)
    rows_b = analysis_compare.current_memberships(conn, vb)
    mem_a, mem_b = _by_practice(rows_a), _by_practice(rows_b)
    pop_a = {r["code"]: r for r in analysis_compare.network_populations(conn, va)}
    pop_b = {r["code"]: r for r in analysis_compare.network_populations(conn, vb)}
    names_a = {c: r["name"] for c, r in pop_a.items()}
    names_b = {c: r["name"] for c, r in pop_b.items()}
    in_area_practices = {c for c, m in mem_a.items() if m["in_area"]} | {c for c, m in mem_b.items() if m["in_area"]}
    in_area_networks = {c for c, r in pop_a.items() if r["in_area"]} | {c for c, r in pop_b.items() if r["in_area"]}

    moved = []
    for code in sorted(in_area_practices):
        before, after = mem_a.get(code), mem_b.get(code)
        nets_a = before["networks"] if before else []
        nets_b = after["networks"] if after else []
        if nets_a != nets_b:
            moved.append(
                {
                    "code": code,
                    "name": (before or after)["name"],
                    "from": nets_a[0] if len(nets_a) == 1 else (nets_a or None),
                    "to": nets_b[0] if len(nets_b) == 1 else (nets_b or None),
                    "from_networks": [{"code": n, "name": names_a.get(n)} for n in nets_a],
                    "to_networks": [{"code": n, "name": names_b.get(n)} for n in nets_b],
                }
            )
    codes_a = set(pop_a) & in_area_networks
    codes_b = set(pop_b) & in_area_networks
    added = [_net(c, pop_b[c]) for c in sorted(codes_b - codes_a)]
    removed = [_net(c, pop_a[c]) for c in sorted(codes_a - codes_b)]
    renamed = [
        {"code": c, "from": pop_a[c]["name"], "to": pop_b[c]["name"]}
        for c in sorted(codes_a & codes_b)
        if pop_a[c]["name"] != pop_b[c]["name"]
    ]
    overlap = _overlap(mem_a, mem_b, in_area_practices)
    merged, split = _merges_and_splits(overlap, names_a, names_b)
    _classify_moves(conn, moved, scope_a, scope_b, merged)
    networks = []
    for code in sorted(codes_a | codes_b):
        pa, pb = pop_a.get(code), pop_b.get(code)
        row = {
            "code": code,
            "name": (pb or pa)["name"],
            "name_a": pa["name"] if pa else None,
            "population_a": pa["population"] if pa else None,
            "population_b": pb["population"] if pb else None,
            "members_a": pa["member_count"] if pa else None,
            "members_b": pb["member_count"] if pb else None,
        }
        row["change"] = (row["population_b"] or 0) - (row["population_a"] or 0)
        row["text"] = f"{_population(row['population_a'])} → {_population(row['population_b'])}"
        networks.append(row)
    areas_a = {_area_key(r): r for r in analysis_compare.area_populations(conn, va)}
    areas_b = {_area_key(r): r for r in analysis_compare.area_populations(conn, vb)}
    area_code = scope_a.area["code"] if scope_a.area else None
    areas = [
        {
            "code": key,
            "name": areas_a[key]["name"],
            "population_a": areas_a[key]["population"],
            "population_b": areas_b[key]["population"],
            "change": areas_b[key]["population"] - areas_a[key]["population"],
            "member_practices_a": areas_a[key]["member_practices"],
            "member_practices_b": areas_b[key]["member_practices"],
            "text": f"{wording.patients(areas_a[key]['population'])} → {wording.patients(areas_b[key]['population'])}",
        }
        for key in sorted(areas_a)
        if area_code is None or key == area_code
    ]
    checks = {k: {"a": counts_a[k], "b": counts_b[k], "change": counts_b[k] - counts_a[k]} for k in counts_a}
    common = {k: boundary_set[k] for k in ("slug", "name", "level")}
    cross = {
        "boundary_set": common,
        "a": sum(counts_a.get(k, 0) for k in CROSS_BOUNDARY_KEYS),
        "b": sum(counts_b.get(k, 0) for k in CROSS_BOUNDARY_KEYS),
        "note": f"Both scenarios' cross-boundary counts are read on {boundary_set['name']}.",
    }
    if boundary_change:
        cross["own_boundary_sets"] = boundary_change.pop("own_counts", None)
        codes = boundary_change.pop("_codes", [])
        if area_code:
            # The changes that concern this area (or the area its practices sit in on the other set).
            here = {area_code} | {o["area"]["code"] for o in (cross["own_boundary_sets"] or {}).values() if o["area"]}
            boundary_change["area_sentences"] = [text for c, text in codes if here & set(c)]
        else:
            boundary_change["area_sentences"] = boundary_change["sentences"]
        own = cross["own_boundary_sets"] or {}
        if own:
            cross["note"] += (
                f" On its own boundary set, {a['name']} has {own['a']['count']:,} and {b['name']} "
                f"{own['b']['count']:,} ({own['a']['boundary_set']['name']} against {own['b']['boundary_set']['name']}"
                "): a difference there can come from the boundaries, not the networks."
            )
    return plain(
        {
            "a": {"slug": a["slug"], "name": a["name"], "scope": scope_a.describe()},
            "b": {"slug": b["slug"], "name": b["name"], "scope": scope_b.describe()},
            "boundary_set": common,
            "area": ({"code": area_code, "name": scope_a.area["name"]} if scope_a.area else None),
            "rules": RULES,
            "practices_moved": moved,
            "practices_closed": [m for m in moved if m["change"] == "closed"],
            "practices_orphaned": [m for m in moved if m["change"] == "orphaned"],
            "networks_added": added,
            "networks_removed": removed,
            "networks_renamed": renamed,
            "networks_merged": merged,
            "networks_split": split,
            "network_population": networks,
            "area_population": areas,
            "checks": checks,
            "cross_boundary": cross,
            "boundary_change": boundary_change,
        }
    )


def _classify_moves(conn, moved: list[dict], scope_a, scope_b, merged: list[dict]) -> None:
    """Give each moved practice its ``change``: 'closed', 'orphaned', 'opened', 'joined', 'merged' (its network
    merged into another) or 'moved', and ``from_status`` / ``to_status`` to show where it has no network."""
    from geo_service.scope import day_label

    codes = [m["code"] for m in moved]
    present_a = analysis_compare.practice_presence(conn, scope_a.values(), codes)
    present_b = analysis_compare.practice_presence(conn, scope_b.values(), codes)
    merged_pairs = {(f["code"], m["into"]["code"]) for m in merged for f in m["from"]}
    day_a, day_b = day_label(scope_a.as_of), day_label(scope_b.as_of)
    for m in moved:
        m["from_status"] = m["to_status"] = None
        if not m["to_networks"]:
            row = present_b.get(m["code"])
            if row and row["exists"]:
                m["change"], m["to_status"] = "orphaned", "in no network (orphaned)"
            else:
                m["change"], m["to_status"] = "closed", f"closed: not an open GP practice on {day_b}"
        elif not m["from_networks"]:
            row = present_a.get(m["code"])
            if row and row["exists"]:
                m["change"], m["from_status"] = "joined", "in no network (orphaned)"
            else:
                m["change"], m["from_status"] = "opened", f"not an open GP practice on {day_a}"
        elif all((a["code"], b["code"]) in merged_pairs for a in m["from_networks"] for b in m["to_networks"]):
            m["change"] = "merged"
        else:
            m["change"] = "moved"


def boundary_change(conn, set_a: dict, set_b: dict) -> dict[str, Any]:
    """What changed between two boundary sets, by practice location: areas merged, split, renamed or recoded,
    as plain sentences ("8 CCGs merged into NHS Kent and Medway CCG (91Q)")."""
    pairs = analysis_compare.area_overlaps(conn, set_a["id"], set_b["id"])
    overlap: dict[str, dict[str, int]] = defaultdict(dict)
    names_a: dict[str, str] = {}
    names_b: dict[str, str] = {}
    for p in pairs:
        overlap[p["from_code"]][p["to_code"]] = p["points"]
        names_a[p["from_code"]], names_b[p["to_code"]] = p["from_name"], p["to_name"]
    merged, split = _merges_and_splits(overlap, names_a, names_b)
    level_a = _level_word(set_a["level"], plural=True)
    sentences = []
    for m in merged:
        m["sentence"] = (
            f"{len(m['from'])} {level_a} merged into {wording.named(m['into']['code'], m['into']['name'])}: "
            + wording.listing([wording.named(f["code"], f["name"]) for f in m["from"]], limit=10)
            + "."
        )
        m["codes"] = [m["into"]["code"], *(f["code"] for f in m["from"])]
        sentences.append(m["sentence"])
    for s in split:
        s["sentence"] = (
            f"{wording.named(s['network']['code'], s['network']['name'])} split into {len(s['into'])} areas: "
            + wording.listing([wording.named(f["code"], f["name"]) for f in s["into"]], limit=10)
            + "."
        )
        s["codes"] = [s["network"]["code"], *(f["code"] for f in s["into"])]
        sentences.append(s["sentence"])
    renamed = []
    successors = {code: max(dest, key=dest.get) for code, dest in overlap.items() if dest}
    for code, to in sorted(successors.items()):
        one_to_one = sum(1 for c, t in successors.items() if t == to) == 1
        if one_to_one and (code != to or names_a[code] != names_b[to]):
            renamed.append({"from": {"code": code, "name": names_a[code]}, "to": {"code": to, "name": names_b[to]}})
    if renamed:
        sentences.append(
            f"{len(renamed)} {level_a if len(renamed) != 1 else _level_word(set_a['level'])} kept their area "
            "under another code or name."
        )
    return {
        "from": {k: set_a[k] for k in ("slug", "name", "level")},
        "to": {k: set_b[k] for k in ("slug", "name", "level")},
        "areas_merged": [{"into": m["into"], "from": m["from"], "sentence": m["sentence"]} for m in merged],
        "areas_split": [{"area": s["network"], "into": s["into"], "sentence": s["sentence"]} for s in split],
        "_codes": [(m["codes"], m["sentence"]) for m in merged] + [(s["codes"], s["sentence"]) for s in split],
        "areas_renamed": renamed,
        "sentences": sentences or [f"{set_a['name']} and {set_b['name']} hold the same areas (by practice location)."],
        "rule": RULES["boundaries"],
    }


def successor_area(conn, set_a: dict, set_b: dict, code: str) -> str | None:
    """The area of ``set_b`` holding most of the practice locations of area ``code`` of ``set_a``."""
    best = None
    for p in analysis_compare.area_overlaps(conn, set_a["id"], set_b["id"]):
        if p["from_code"] == code and (best is None or p["points"] > best["points"]):
            best = p
    return best["to_code"] if best else None


def _level_word(level: str, plural: bool = False) -> str:
    word = {"ccg": "CCG", "sub_icb": "sub-ICB location", "icb": "ICB", "region": "region"}.get(level, "area")
    return word + "s" if plural else word


def _population(n) -> str:
    return "none" if n is None else wording.patients(n)


def _net(code: str, row: dict) -> dict:
    return {
        "code": code,
        "name": row["name"],
        "population": row["population"],
        "members": row["member_count"],
        "text": wording.patients(row["population"]),
    }


def _by_practice(rows: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for r in rows:
        entry = out.setdefault(r["practice_code"], {"name": r["practice_name"], "networks": [], "in_area": False})
        entry["networks"].append(r["network_code"])
        entry["in_area"] = entry["in_area"] or bool(r.get("in_area", True))
    return out


def _overlap(mem_a: dict, mem_b: dict, practices: set[str]) -> dict[str, dict[str, int]]:
    """network of a → network of b → continuing members shared (practices member of one network on each side)."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for code in practices:
        if code in mem_a and code in mem_b:
            for na in mem_a[code]["networks"]:
                for nb in mem_b[code]["networks"]:
                    out[na][nb] = out[na].get(nb, 0) + 1
    return out


def _merges_and_splits(
    overlap: dict[str, dict[str, int]], names_a: dict[str, str], names_b: dict[str, str]
) -> tuple[list[dict], list[dict]]:
    """Merged: ≥ 2 sources each sending more than half of their continuing items to one target. Split: one
    source supplying more than half of the continuing items of each of ≥ 2 targets."""
    into: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for src, dest in overlap.items():
        total = sum(dest.values())
        for tgt, n in dest.items():
            if n * 2 > total:
                into[tgt].append((src, n))
    incoming: dict[str, dict[str, int]] = defaultdict(dict)
    for src, dest in overlap.items():
        for tgt, n in dest.items():
            incoming[tgt][src] = n
    from_src: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for tgt, srcs in incoming.items():
        total = sum(srcs.values())
        for src, n in srcs.items():
            if n * 2 > total:
                from_src[src].append((tgt, n))
    merged = [
        {
            "into": {"code": tgt, "name": names_b.get(tgt)},
            "from": [{"code": s, "name": names_a.get(s), "shared": n} for s, n in sorted(srcs)],
        }
        for tgt, srcs in sorted(into.items())
        if len(srcs) >= 2
    ]
    split = [
        {
            "network": {"code": src, "name": names_a.get(src)},
            "into": [{"code": t, "name": names_b.get(t), "shared": n} for t, n in sorted(tgts)],
        }
        for src, tgts in sorted(from_src.items())
        if len(tgts) >= 2
    ]
    return merged, split


def _area_key(row: dict) -> str:
    return row["ods_code"] or row["gss_code"]

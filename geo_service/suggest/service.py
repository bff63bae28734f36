"""Suggest networks for a scenario: read the scope's practices, solve each commissioner area on its own, and
write the answer as a draft plan owned by the person who asked (through :mod:`geo_service.plans.service`), with
its scorecard against the baseline and one sentence per moved practice. No Flask here: the API, the editor, the
CLI, the background jobs and the benchmark call these functions.
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from shapely import wkb

from geo_service.analysis import parameters, wording
from geo_service.db.repositories import plans as plans_repo
from geo_service.db.repositories import suggest as repo
from geo_service.db.repositories.plan_edits import insert_edit
from geo_service.errors import InvalidParameter
from geo_service.plans import service as plans
from geo_service.scope import Scope, resolve_scope
from geo_service.suggest.explain import Practice, scorecard, sentences
from geo_service.suggest.graph import neighbour_graph
from geo_service.suggest.partition import AreaResult, Note, Problem, Unit, solve
from geo_service.suggest.request import Request, parse_request

log = logging.getLogger(__name__)

__all__ = ["Request", "parse_request", "compute", "report", "write_plan", "suggest", "stored"]

Progress = Callable[[int, int, str], None]


@dataclass
class Computation:
    """The answer before it is written: per-area results, and what the scorecard and sentences need."""

    scope: Scope
    band: tuple[int, int]
    dominance: float
    practices: dict[str, Practice]
    practice_ids: dict[str, int]
    before: dict[str, str | None]
    after: dict[str, str | None]
    results: list[AreaResult]
    graphs: dict[str, nx.Graph]
    home_area: dict[str, str | None]
    notes: list[Note] = field(default_factory=list)
    area_names: dict[str, str] = field(default_factory=dict)
    area_ods: dict[str, str | None] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()
    seconds: float = 0.0

    @property
    def new_labels(self) -> list[str]:
        return [lab for r in self.results for lab in r.new_labels]

    def infeasible_areas(self) -> set[str]:
        return {n.area for n in self.notes if n.blocking} | {r.area for r in self.results if not r.feasible}


def compute(conn, req: Request, optimise: bool = True, progress: Progress | None = None) -> Computation:
    """Solve every commissioner area of the request's scope (or its one area). Nothing is written."""
    started = time.perf_counter()
    scope = resolve_scope(conn, req.scenario, req.boundary_set, req.area)
    checked, _ = parameters.resolve({"min": req.min, "max": req.max}, scope.scenario)
    lo, hi = checked.min, checked.max
    if hi <= 0:
        raise InvalidParameter("max", "'max' must be above 0.")
    nets = {n["code"]: n for n in repo.networks(conn, scope.scenario["id"])}
    unknown = [c for c in req.locks if c not in nets]
    if unknown:
        raise InvalidParameter("locks", f"Not networks of '{scope.scenario['slug']}': {', '.join(unknown[:10])}.")
    locked = frozenset(req.locks) | {c for c, n in nets.items() if n["locked"]}
    # Every practice of the boundary set is read, so that populations and crossings before and after count the
    # members a network has outside the area asked for; only the asked area is solved.
    values = {**scope.values(), "area_id": None, "area_ods": None}
    rows = repo.units(conn, values)
    area_rows = {a["id"]: a for a in repo.areas(conn, scope.boundary_set["id"], sorted({r["area_id"] for r in rows
                                                                                       if r["area_id"]}),
                                                        [scope.area["id"]] if scope.area else None)}  # fmt: skip
    area_shape = {
        a["code"]: wkb.loads(a["wkb"])
        for a in area_rows.values()
        if a["wkb"] is not None and (scope.area is None or a["id"] == scope.area["id"])
    }
    by_code = {r["code"]: r for r in rows}
    missing_apart = sorted({c for pair in req.apart for c in pair if c not in by_code})
    if missing_apart:
        raise InvalidParameter(
            "apart", f"Not practices of '{scope.scenario['slug']}' in scope: {', '.join(missing_apart[:10])}."
        )
    area_code = {aid: a["code"] for aid, a in area_rows.items()}
    ods_to_area = {a["ods_code"]: a["code"] for a in area_rows.values() if a["ods_code"]}
    practices: dict[str, Practice] = {}
    before: dict[str, str | None] = {}
    notes: list[Note] = []
    for r in rows:
        xy = (float(r["x"]), float(r["y"])) if r["x"] is not None else None
        start = r["networks"][0] if r["networks"] else None
        practices[r["code"]] = Practice(r["code"], int(r["list_size"] or 0), area_code.get(r["area_id"]), xy, start)
        before[r["code"]] = start
    # Each network's home area: its lead commissioner's area when a member is there, else where most of its
    # patients are. Its members elsewhere must leave it (no network crosses its commissioner area).
    weight_in: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for p in practices.values():
        if p.start is not None and p.area is not None:
            weight_in[p.start][p.area] += p.weight
    home_area: dict[str, str | None] = {}
    for net, per_area in weight_in.items():
        lead_area = ods_to_area.get(nets.get(net, {}).get("lead") or "")
        home_area[net] = lead_area if lead_area in per_area else min(per_area, key=lambda a: (-per_area[a], a))
    for r in rows:  # a practice in two networks starts from the one of its own area
        if len(r["networks"]) > 1:
            p = practices[r["code"]]
            own = [n for n in r["networks"] if home_area.get(n) == p.area] or list(r["networks"])
            practices[r["code"]] = Practice(p.code, p.weight, p.area, p.xy, own[0])
            before[r["code"]] = own[0]
    asked = scope.area["code"] if scope.area else None
    targets = sorted({p.area for p in practices.values() if p.area is not None and (asked is None or p.area == asked)})
    if asked is not None and asked not in targets:
        targets = []
    after = dict(before)
    results: list[AreaResult] = []
    graphs: dict[str, nx.Graph] = {}
    by_area: dict[str, list[Practice]] = defaultdict(list)
    for p in practices.values():
        if p.area is not None:
            by_area[p.area].append(p)
    for p in sorted(practices.values(), key=lambda x: x.code):
        if p.area is None and (asked is None):
            notes.append(Note("—", "unplaced", f"{p.code} is in no area of {scope.boundary_set['name']}.", False))
    no_list_size = {r["code"] for r in rows if r["list_size"] is None}
    for i, code in enumerate(targets):
        if progress:
            progress(i, len(targets), code)
        members = sorted(by_area[code], key=lambda x: x.code)
        unknown = [p.code for p in members if p.code in no_list_size]
        if unknown:
            more = " …" if len(unknown) > 5 else ""
            counted = wording.plural(len(unknown), "practice")
            message = f"{counted} without a list size, counted as 0: {', '.join(unknown[:5])}{more}."
            notes.append(Note(code, "data_gaps", message, False))
        located = {p.code: p.xy for p in members if p.xy is not None}
        units: list[Unit] = []
        extra: list[tuple[str, str]] = []
        for p in members:
            if p.xy is None:
                if p.start is None:
                    notes.append(Note(code, "unplaced", f"{p.code} has no location and no network: left as it is.",
                                      False))  # fmt: skip
                    continue
                mates = [m.code for m in members if m.start == p.start and m.code != p.code]
                extra.extend((p.code, m) for m in mates)
                if not mates:
                    continue  # nothing to join it to: it stays where it is
            units.append(Unit(p.code, p.weight, p.start))
        graph = neighbour_graph(located, area_shape.get(code), extra)
        graph.add_nodes_from(u.code for u in units)
        graph = nx.Graph(graph.subgraph([u.code for u in units]))
        graphs[code] = graph
        home = frozenset(n for n, a in home_area.items() if a == code)
        unit_codes = {u.code for u in units}
        problem = Problem(
            area=code,
            units=tuple(units),
            graph=graph,
            min=lo,
            max=hi,
            locked=locked,
            apart=tuple(p for p in req.apart if p[0] in unit_codes and p[1] in unit_codes),
            seed=req.seed,
            home=home,
            dominance=checked.dominance,
        )
        result = solve(problem, optimise=optimise)
        results.append(result)
        after.update(result.labels)
    if progress:
        progress(len(targets), len(targets), "done")
    comp = Computation(
        scope=scope,
        band=(lo, hi),
        dominance=checked.dominance,
        practices=practices,
        practice_ids={r["code"]: r["practice_id"] for r in rows},
        before=before,
        after=after,
        results=results,
        graphs=graphs,
        home_area=home_area,
        notes=notes + [n for r in results for n in r.notes],
        area_names={a["code"]: a["name"] for a in area_rows.values()},
        area_ods={a["code"]: a["ods_code"] for a in area_rows.values()},
        locked=locked,
    )
    comp.seconds = time.perf_counter() - started
    return comp


def _covered(comp: Computation) -> tuple[dict[str, Practice], dict[str, str | None], dict[str, str | None]]:
    """The practices of the networks that have a practice in the solved areas (before or after)."""
    solved = {r.area for r in comp.results}
    nets = {x for c, p in comp.practices.items() if p.area in solved for x in (comp.before[c], comp.after[c])}
    keep = {c: p for c, p in comp.practices.items() if p.area in solved or comp.before[c] in nets - {None}}
    return keep, {c: comp.before[c] for c in keep}, {c: comp.after[c] for c in keep}


def report(comp: Computation) -> dict[str, Any]:
    """Scorecard, sentences and notes of a computation (what the API, CLI and benchmark show)."""
    lo, hi = comp.band
    keep, before, after = _covered(comp)
    card = scorecard(keep, before, after, comp.graphs, lo, hi, comp.dominance)
    new = set(comp.new_labels)
    card["areas"] = len(comp.results)
    card["areas_infeasible"] = sorted(comp.infeasible_areas() & {r.area for r in comp.results})
    card["seconds"] = round(comp.seconds, 2)
    return {
        "scorecard": card,
        "moves": sentences(keep, before, after, lo, hi, comp.home_area, new),
        "notes": [{"area": n.area, "kind": n.kind, "message": n.message, "blocking": n.blocking} for n in comp.notes],
    }


# ---- writing the draft plan ---------------------------------------------------------------------------


def _plan_name(conn, comp: Computation) -> tuple[str, str]:
    scen = comp.scope.scenario
    where = comp.scope.area["name"] if comp.scope.area else comp.scope.boundary_set["name"]
    base = f"Suggested networks: {where}, from {scen['name']}"[:180]
    base_slug = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")[:72].strip("-")
    for n in range(1, 1000):
        name = base if n == 1 else f"{base} ({n})"
        slug = base_slug if n == 1 else f"{base_slug}-{n}"
        slug_used, name_used = plans_repo.slug_taken(conn, slug, name)
        if not slug_used and not name_used:
            return name, slug
    raise InvalidParameter("name", "Too many suggestions with this name; give one with 'name'.")  # pragma: no cover


def write_plan(conn, comp: Computation, req: Request, owner_id: int | None, actor=None) -> dict[str, Any]:
    """The draft plan of a computation, owned by ``owner_id``: a copy of the scenario (its area only when one
    was asked) with the suggested memberships applied as one undoable edit ('suggest'), locks kept, the band
    asked for, and the scorecard and sentences stored beside it. Runs in the caller's transaction."""
    from geo_service.access import audit

    started = time.perf_counter()
    src = comp.scope.scenario
    name, slug = _plan_name(conn, comp)
    if req.name:
        name = req.name
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80].strip("-") or slug
    out = plans.create_plan(
        conn,
        {
            "name": name,
            "slug": slug,
            "copy_from": src["slug"],
            "area": comp.scope.area["code"] if comp.scope.area else None,
            "visibility": "private",
            "description": (
                f"Suggested by geo_service (seed {req.seed}, band {comp.band[0]:,}–{comp.band[1]:,}) from "
                f"{src['name']}: a starting point for planners, not a decision."
            ),
        },
        owner_id,
        polygons=False,  # most are cleared below: only the kept ones are written (and analysed), once
    )
    plan = plans.get_plan(conn, out["slug"])
    present = repo.codes_in_use(conn, plan["id"])
    src_nets = {n["code"]: n for n in repo.networks(conn, src["id"])}
    # New networks get codes of their own, unique in the plan.
    code_of: dict[str, str] = {}
    taken = set(present) | set(src_nets)
    for lab in comp.new_labels:
        base = lab.replace("NEW-", "S-")[:28]
        code, k = base, 1
        while code in taken:
            k += 1
            code = f"{base}.{k}"
        taken.add(code)
        code_of[lab] = code
    solved = {r.area for r in comp.results}
    fwd: list[dict] = []
    inv: list[dict] = []
    created: list[dict] = []
    area_of_label = {lab: r.area for r in comp.results for lab in r.new_labels}
    for lab, code in code_of.items():
        area = area_of_label.get(lab)
        attrs = {"code": code, "name": f"Suggested network {code}", "lead": comp.area_ods.get(area or "") or None,
                 "geom": None, "made_valid": False, "origin": None, "locked_at": None, "lock_reason": None}  # fmt: skip
        created.append(attrs)
    targets: dict[str, list[str]] = {}
    old: dict[str, list[str]] = {}
    pids = [comp.practice_ids[c] for c, p in comp.practices.items() if p.area in solved]
    current = plans_repo.current_networks(conn, plan["id"], plan["as_of"], pids)
    for c, p in comp.practices.items():
        if p.area not in solved:
            continue
        lab = comp.after[c]
        if lab is None:
            continue
        want = [code_of.get(lab, lab)]
        pid = comp.practice_ids[c]
        if sorted(current.get(pid, [])) != want:
            targets[str(pid)] = want
            old[str(pid)] = sorted(current.get(pid, []))
    for code in sorted({x for cs in targets.values() for x in cs} - present - set(code_of.values())):
        n = src_nets.get(code, {})
        created.append({"code": code, "name": n.get("name") or code, "lead": n.get("lead"), "geom": None,
                        "made_valid": False, "origin": None, "locked_at": None, "lock_reason": None})  # fmt: skip
    fwd.extend({"op": "create_network", "attrs": a} for a in created)
    fwd.append({"op": "set_members", "targets": targets})
    inv.append({"op": "set_members", "targets": old})
    touched = sorted(({x for cs in targets.values() for x in cs} | {x for cs in old.values() for x in cs}) & present)
    # A polygon drawn for the old members no longer fits: the map draws the members' hull until polygons are
    # derived again. The copy was made without polygons; the source's are given back, in one statement, to the
    # networks that keep theirs, so each polygon is written and analysed once (copying all and clearing most
    # took most of England's time). The plan's rows end as if copied whole and cleared; the same operations are
    # logged as one undoable edit, whose inverse gives the cleared polygons back.
    kept = repo.polygons(conn, src["id"], [c for c in touched if c not in comp.locked])
    cleared = [{"op": "geometry", "code": c, **kept[c]} for c in sorted(kept)]
    repo.insert_networks(conn, plan["id"], created)
    plans_repo.set_practice_networks(conn, plan["id"], plan["as_of"], {int(p): cs for p, cs in targets.items()})
    fwd.extend(
        {"op": "geometry", "code": g["code"], "geom": None, "made_valid": False, "origin": None} for g in cleared
    )
    emptied = [c for c in repo.empty_networks(conn, plan["id"], plan["as_of"], touched) if c not in comp.locked]
    deleted = [
        {
            "op": "delete_network",
            "attrs": {**n, "geom": None, "made_valid": False, "origin": None, "locked_at": None, "lock_reason": None},
        }  # fmt: skip
        for n in repo.network_rows(conn, plan["id"], emptied)
    ]
    repo.delete_networks(conn, plan["id"], emptied)
    plans_repo.copy_polygons(conn, src["id"], plan["id"], sorted(present - set(kept) - set(emptied)))
    fwd.extend(deleted)
    inv = (
        [{"op": "create_network", "attrs": d["attrs"]} for d in deleted]
        + inv
        + cleared
        + [{"op": "delete_network", "attrs": a} for a in reversed(created)]
    )
    repo.lock_networks(
        conn, plan["id"], sorted(comp.locked & repo.codes_in_use(conn, plan["id"])), owner_id,
        "kept whole by the suggestion",
    )  # fmt: skip
    lo, hi = comp.band
    if (plan["min_population"], plan["max_population"]) != (lo, hi) and (lo, hi) != (30_000, 50_000):
        repo.set_band(conn, plan["id"], lo, hi)
    summary = (
        f"Suggested networks: {wording.plural(len(targets), 'practice')} moved, "
        f"{wording.plural(len(created), 'network')} created"
    )
    insert_edit(conn, plan["id"], "default", owner_id, "suggest", summary, fwd, inv)
    rep = report(comp)
    rep["notes"] = [n for n in rep["notes"] if n["area"] in solved or n["area"] == "—"]
    # New labels become their codes in one pass, longest first ('NEW-99J-1' is a prefix of 'NEW-99J-10').
    label = re.compile("|".join(re.escape(lab) for lab in sorted(code_of, key=len, reverse=True))) if code_of else None
    for m in rep["moves"]:
        m["to"] = code_of.get(m["to"], m["to"])
        if label is not None:
            m["sentence"] = label.sub(lambda found: code_of[found.group(0)], m["sentence"])
    rep["scorecard"]["seconds_writing"] = round(time.perf_counter() - started, 2)
    repo.insert_suggestion(
        conn,
        {
            "plan_id": plan["id"],
            "source_id": src["id"],
            "owner_id": owner_id,
            "boundary_set_id": comp.scope.boundary_set["id"],
            "area_code": comp.scope.area["code"] if comp.scope.area else None,
            "parameters": {**req.as_dict(), "min": lo, "max": hi, "locks": sorted(comp.locked)},
            "scorecard": rep["scorecard"],
            "moves": rep["moves"],
            "notes": rep["notes"],
            "seconds": comp.seconds,
        },
    )
    fresh = plans_repo.plan_by_id(conn, plan["id"])
    answer = {
        "plan": plans.describe(fresh),
        "source": src["slug"],
        "boundary_set": comp.scope.boundary_set["slug"],
        "area": comp.scope.area["code"] if comp.scope.area else None,
        **rep,
    }
    audit.record(
        conn,
        actor,
        "plan.suggest",
        "scenario",
        plan["id"],
        None,
        {
            "plan": fresh["slug"],
            "source": src["slug"],
            "parameters": req.as_dict(),
            "scorecard": rep["scorecard"],
        },  # fmt: skip
        scenario_id=plan["id"],
    )
    return answer


def suggest(conn, req: Request, owner_id: int | None, actor=None, progress: Progress | None = None) -> dict:
    """Compute and write: the use case behind the API, the CLI and the jobs."""
    comp = compute(conn, req, progress=progress)
    return write_plan(conn, comp, req, owner_id, actor)


def stored(conn, plan: dict) -> dict | None:
    """The suggestion a plan was made from (scorecard, sentences, notes), or None."""
    row = repo.suggestion_of_plan(conn, plan["id"])
    if row is None:
        return None
    return {
        "plan": row["plan_slug"],
        "source": row["source_slug"],
        "boundary_set": row["boundary_set_slug"],
        "area": row["area_code"],
        "parameters": row["parameters"],
        "scorecard": row["scorecard"],
        "moves": row["moves"],
        "notes": row["notes"],
        "created_at": row["created_at"].isoformat(),
    }

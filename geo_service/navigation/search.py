"""One search over every scenario and boundary set: areas (name or code), networks (name or code) and
practices (name, ODS code or postcode), in any case, ranked.

Each hit names the page that shows it as a ``target`` (``page`` plus route values) and the scenario and
boundary set it belongs to, so that the web layer builds the URL and says where the hit comes from. A hit in
the scenario (or boundary set) the planner is looking at ranks first. One confident hit (a single hit, or an
exact code/name clearly ahead of the rest) lets the page go straight to its map.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field

from geo_service.db.repositories import map_layers
from geo_service.db.repositories import search as repo
from geo_service.errors import InvalidParameter, NotFound
from geo_service.scope import resolve_scope

KINDS = ("finding", "area", "network", "practice")
KIND_LABELS = {"finding": "Findings", "area": "Areas", "network": "Networks", "practice": "Practices"}
MIN_LENGTH = 2
MAX_LENGTH = 100
PER_KIND = 15
CONFIDENT_SCORE = 90  # an exact code, postcode or name
CONFIDENT_LEAD = 15  # ... this far ahead of the next hit
CONTEXT_BOOST = 5


@dataclass
class Hit:
    kind: str
    code: str
    name: str
    score: int
    scenario: str
    scenario_name: str
    boundary_set: str | None
    boundary_set_name: str | None
    target: dict  # {"page": "area"|"network"|"practice"|"findings", "scenario": slug, "code": code, "boundary_set": …}
    context: str  # "NHS West Kent CCG in CCG April 2019" style note of where the hit belongs
    detail: str = ""
    in_context: bool = False  # in the scenario / boundary set the search came from (ranked up by CONTEXT_BOOST)
    also: list[dict] = field(default_factory=list)  # a practice: the other scenarios where it is a member

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]
    confident: Hit | None
    suggestions: list[dict] = field(default_factory=list)
    reason: str = ""

    def grouped(self) -> list[tuple[str, str, list[Hit]]]:
        groups = [(k, KIND_LABELS[k], [h for h in self.hits if h.kind == k]) for k in KINDS]
        return [g for g in groups if g[2]]

    def as_dict(self) -> dict:
        return {
            "query": self.query,
            "hits": [h.as_dict() for h in self.hits],
            "confident": self.confident.as_dict() if self.confident else None,
            "suggestions": self.suggestions,
            "reason": self.reason,
        }


def check_query(text: str | None) -> str:
    text = " ".join((text or "").split())
    if not MIN_LENGTH <= len(text) <= MAX_LENGTH:
        raise InvalidParameter("q", f"Search text must be {MIN_LENGTH} to {MAX_LENGTH} characters long.")
    return text


def _scenario_for_set(scenarios: list[dict], bs: dict, context: dict | None) -> dict | None:
    """The scenario to show an area of ``bs`` in: the one looked at when the set is its default, else the
    scenario of the set's dataset whose date is nearest the set's (ties: the one looked at)."""
    same = [s for s in scenarios if s["dataset"] == bs["dataset"]]
    if not same:
        return None
    if context and context["dataset"] == bs["dataset"] and context.get("default_set") == bs["boundary_set"]:
        return context
    for s in same:
        if s.get("default_set") == bs["boundary_set"]:
            return s
    return min(
        same,
        key=lambda s: (abs((s["as_of"] - bs["valid_from"]).days), not (context and s["slug"] == context["slug"])),
    )


def _scenarios(conn) -> list[dict]:
    out = []
    for s in repo.scenario_slugs(conn):
        try:
            default = resolve_scope(conn, s["slug"]).boundary_set["slug"]
        except NotFound:  # a scenario whose dataset has no boundary set yet
            default = None
        out.append({**s, "default_set": default})
    return out


def _area_hits(conn, text: str, scenarios: list[dict], context: dict | None, context_set: str | None) -> list[Hit]:
    hits = []
    for a in repo.areas_matching(conn, text):
        scen = _scenario_for_set(scenarios, a, context)
        if scen is None:
            continue
        explicit = scen.get("default_set") != a["boundary_set"]
        in_context = a["boundary_set"] == context_set
        score = a["score"] + (CONTEXT_BOOST if in_context else 0)
        codes = " / ".join(c for c in (a["ods_code"], a["gss_code"]) if c)
        hits.append(
            Hit(
                kind="area",
                code=a["code"],
                name=a["name"],
                score=score,
                scenario=scen["slug"],
                scenario_name=scen["name"],
                boundary_set=a["boundary_set"],
                boundary_set_name=a["boundary_set_name"],
                target={
                    "page": "area",
                    "scenario": scen["slug"],
                    "code": a["code"],
                    "boundary_set": a["boundary_set"] if explicit else None,
                },
                context=f"{a['boundary_set_name']} ({a['level'].replace('_', '-').upper()}), shown in {scen['name']}",
                detail=codes,
                in_context=in_context,
            )
        )
    return hits


def _network_hits(conn, text: str, context: dict | None, keep_set: str | None) -> list[Hit]:
    hits = []
    for n in repo.networks_matching(conn, text):
        in_context = bool(context) and n["scenario"] == context["slug"]
        score = n["score"] + (CONTEXT_BOOST if in_context else 0)
        hits.append(
            Hit(
                kind="network",
                code=n["code"],
                name=n["name"],
                score=score,
                scenario=n["scenario"],
                scenario_name=n["scenario_name"],
                boundary_set=keep_set if in_context else None,
                boundary_set_name=None,
                target={
                    "page": "network",
                    "scenario": n["scenario"],
                    "code": n["code"],
                    "boundary_set": keep_set if in_context else None,
                },
                context=f"network in {n['scenario_name']}",
                detail=f"lead commissioner {n['lead_commissioner_code']}" if n["lead_commissioner_code"] else "",
                in_context=in_context,
            )
        )
    return hits


def _practice_target(conn, p: dict, scen: dict) -> tuple[dict, str, dict | None]:
    """Where a practice hit lands in ``scen``: its network's map with the practice shown, else (in no network
    there: orphaned, closed or not in its files) the practice page scoped to that scenario."""
    net = repo.practice_network(conn, scen["id"], scen["as_of"], p["practice_id"])
    if net:
        target = {"page": "network", "scenario": scen["slug"], "code": net["code"], "boundary_set": None}
        return {**target, "practice": p["code"]}, f"member of {net['name']} ({net['code']}) in {scen['name']}", net
    target = {"page": "practice", "scenario": scen["slug"], "code": p["code"], "boundary_set": None}
    return target, f"in no network in {scen['name']}: its page for {scen['name']}", None


def _located_in_an_area(conn, scen: dict, code: str) -> bool:
    scope = resolve_scope(conn, scen["slug"])
    found = [r for r in map_layers.search_practices(conn, scope.values(), code) if r["code"] == code]
    return bool(found and found[0]["area"])


def _practice_hits(conn, text: str, scenarios: list[dict], context: dict | None) -> list[Hit]:
    """Practice hits stay in the scenario the search came from (issue 20): its map of the practice's network, or
    the practice page scoped to it (never another year's map); the other scenarios where the practice is a
    member are offered as ``also`` ("also in ..."). Without a scenario: the newest where it is a member."""
    hits = []
    for p in repo.practices_matching(conn, text):
        same = [s for s in scenarios if s["dataset"] == p["dataset"]]
        if not same:
            continue
        found = [(s, *_practice_target(conn, p, s)) for s in same]
        if not any(f[3] for f in found) and not _located_in_an_area(conn, same[0], p["code"]):
            continue  # in no network anywhere and on no area's map (not a GP practice the maps show)
        if context and context["dataset"] == p["dataset"]:
            scen, target, where, _ = next(f for f in found if f[0]["slug"] == context["slug"])
        else:
            scen, target, where, _ = next((f for f in found if f[3]), found[0])
        also = [
            {
                "scenario": s["slug"],
                "scenario_name": s["name"],
                "network": net["code"],
                "network_name": net["name"],
                "target": t,
            }  # fmt: skip
            for s, t, _, net in sorted(found, key=lambda f: f[0]["as_of"])
            if net and s["slug"] != scen["slug"]
        ]
        hits.append(
            Hit(
                kind="practice",
                code=p["code"],
                name=p["name"],
                score=p["score"] + (CONTEXT_BOOST if context and scen["slug"] == context["slug"] else 0),
                scenario=scen["slug"],
                scenario_name=scen["name"],
                boundary_set=None,
                boundary_set_name=None,
                target=target,
                context=where,
                detail=p["postcode"] or "",
                in_context=bool(context) and scen["slug"] == context["slug"],
                also=also,
            )
        )
    return hits


def _finding_hits(text: str, scenarios: list[dict], context: dict | None) -> list[Hit]:
    """Rule words ("orphaned", "cross-boundary", "undersized"...): the findings list of each scenario, filtered
    by that rule (or finding), from the rule registry's keys and labels."""
    from geo_service.analysis.findings_browser import rule_words

    words = " ".join(text.lower().replace("-", " ").replace("_", " ").split())
    if len(words) < 4:
        return []
    hits = []
    for key, label, score in rule_words(words):
        for scen in scenarios:
            in_context = bool(context) and scen["slug"] == context["slug"]
            hits.append(
                Hit(
                    kind="finding",
                    code=key,
                    name=label,
                    score=score + (CONTEXT_BOOST if in_context else 0),
                    scenario=scen["slug"],
                    scenario_name=scen["name"],
                    boundary_set=None,
                    boundary_set_name=None,
                    target={"page": "findings", "scenario": scen["slug"], "code": key, "boundary_set": None},
                    context=f"findings list of {scen['name']}",
                    in_context=in_context,
                )
            )
    return hits


def suggest(conn, text: str, dataset: str | None = None, limit: int = 5, visible: set[str] | None = None) -> list[dict]:
    """Did-you-mean: area and network names or codes close to the text (difflib, case-insensitive); networks
    only of the ``visible`` scenarios (None: all)."""
    words = repo.suggestion_words(conn, dataset, sorted(visible) if visible is not None else None)
    by_key: dict[str, dict] = {}
    for w in words:
        for key in (w["code"], w["name"]):
            if key:
                by_key.setdefault(key.lower(), w)
    close = difflib.get_close_matches(text.lower(), list(by_key), n=limit * 2, cutoff=0.6)
    out, seen = [], set()
    for key in close:
        w = by_key[key]
        if (w["kind"], w["code"]) in seen:
            continue
        seen.add((w["kind"], w["code"]))
        out.append({"kind": w["kind"], "code": w["code"], "name": w["name"], "query": w["name"]})
        if len(out) == limit:
            break
    return out


def search(
    conn,
    text: str | None,
    scenario: str | None = None,
    boundary_set: str | None = None,
    visible: set[str] | None = None,
) -> SearchResult:
    """Every area, network and practice matching the text, the ones of the scenario/boundary set looked at
    first; a confident hit when one clearly stands out; did-you-mean when nothing matches. ``visible``: the
    scenario slugs the caller may see (None: all); hits never name another."""
    query = check_query(text)
    scenarios = [s for s in _scenarios(conn) if visible is None or s["slug"] in visible]
    context = next((s for s in scenarios if scenario and s["slug"].lower() == scenario.lower()), None)
    context_set = boundary_set or (context["default_set"] if context else None)
    # A network link keeps the boundary set only when the page looked at was on a set of its own choosing.
    keep_set = boundary_set if context and boundary_set and boundary_set != context["default_set"] else None
    hits = _area_hits(conn, query, scenarios, context, context_set)
    hits += [h for h in _network_hits(conn, query, context, keep_set) if h.scenario in {s["slug"] for s in scenarios}]
    hits += _practice_hits(conn, query, scenarios, context)
    hits += _finding_hits(query, scenarios, context)  # issue 19: rule words lead to the findings browser
    hits.sort(key=lambda h: (-h.score, KINDS.index(h.kind), h.name))
    per_kind: dict[str, int] = {}
    kept = []
    for h in hits:
        per_kind[h.kind] = per_kind.get(h.kind, 0) + 1
        if per_kind[h.kind] <= PER_KIND:
            kept.append(h)
    result = SearchResult(query=query, hits=kept, confident=_confident(kept))
    if not kept:
        result.reason = (
            f"Nothing is called or coded '{query}': no area (of any boundary set), network (of any scenario) "
            "or active practice matches it by name, code or postcode."
        )
        result.suggestions = suggest(conn, query, visible=visible)
    return result


def _confident(hits: list[Hit]) -> Hit | None:
    if len(hits) == 1:
        return hits[0]
    if not hits or hits[0].score < CONFIDENT_SCORE:
        return None
    best, second = hits[0], hits[1]
    if best.score - second.score >= CONFIDENT_LEAD:
        return best
    # An exact code or name in the scenario / boundary set looked at beats the same thing in the others.
    return best if best.in_context and not second.in_context and best.score > second.score else None


def nearest_pages(
    conn, scenario: str | None, code: str | None, parameter: str | None, visible: set[str] | None = None
) -> dict:
    """For a page that does not exist: did-you-mean (scenarios, areas, networks) and the scenario's overview
    when the scenario itself is known. Codes and slugs are compared in any case."""
    out: dict = {"scenario": None, "suggestions": []}
    known = {s["slug"].lower(): s for s in repo.scenario_slugs(conn) if visible is None or s["slug"] in visible}
    scen = known.get((scenario or "").lower())
    if scenario and scen is None:
        close = difflib.get_close_matches(scenario.lower(), list(known), n=3, cutoff=0.5)
        out["suggestions"] = [{"kind": "scenario", "code": known[c]["slug"], "name": known[c]["name"]} for c in close]
        return out
    if scen is not None:
        out["scenario"] = {"slug": scen["slug"], "name": scen["name"]}
    if code:
        kind = {"area": "area", "code": "network"}.get(parameter or "")
        found = [
            s | {"scenario": scen["slug"] if scen else None}
            for s in suggest(conn, code, scen["dataset"] if scen else None, limit=8, visible=visible)
            if kind is None or s["kind"] == kind
        ]
        out["suggestions"] = found[:5]
    return out

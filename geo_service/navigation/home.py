"""What the home page shows (service layer, no Flask): every scenario with its dataset, date, headline
findings (the rule engine's summary in the scenario's own scope) and the pages to go on to; every boundary
set with its areas, each area to be opened in a scenario on that set."""

from __future__ import annotations

from geo_service import catalogue
from geo_service.analysis import rules, service
from geo_service.caching import LRUCache, data_state
from geo_service.errors import NotFound
from geo_service.scope import day_label, resolve_scope

DATASET_BADGES = {"real": "Real NHS data", "synthetic": "Synthetic demo data (not real)"}

_HOME: LRUCache[dict] = LRUCache(8)


def _headlines(summary: dict, params: dict) -> list[dict]:
    """The headline tier's numbers (``Rule.headlines`` of every headline rule, registry order). Each entry names
    its ``rule`` and ``finding`` key, so a page can link the number to the list of those findings (the findings
    browser, whose ``rule`` filter takes the entry's ``key``; home's template links each number there). A rule the
    scenario cannot judge on its date says so (``judged`` false, ``reason``) instead of a number."""
    out = []
    for rule, headline in rules.headlines():
        value = summary
        for key in headline.path:
            value = value.get(key, {}) if isinstance(value, dict) else None
        entry = {
            "key": ".".join(headline.path),
            "rule": rule.key,
            "finding": headline.finding,
            "label": headline.label(params),
        }
        if isinstance(value, int):
            out.append({**entry, "count": value, "judged": True})
        elif isinstance(value, dict) and value.get("judged") is False:
            out.append({**entry, "count": None, "judged": False, "reason": value.get("reason")})
    return out


def _scenario_entry(conn, entry: dict, same_dataset: list[dict]) -> dict:
    try:
        scope = resolve_scope(conn, entry["slug"])
    except NotFound:
        return {**entry, "scope_ok": False, "headlines": [], "compare": None}
    result = service.run_checks_in(conn, scope, detail="summary")
    others = [s for s in same_dataset if s["slug"] != entry["slug"]]
    compare = None
    if others:
        # Compare with the next scenario in time (else the one before): what changed since, across all of England
        # (issue 20: no arbitrary area; the compare page's area picker narrows it).
        later = [s for s in others if s["as_of"] >= entry["as_of"]]
        other = later[0] if later else others[-1]
        compare = {"a": entry["slug"], "b": other["slug"], "b_name": other["name"]}
    summary = result["summary"]
    return {
        **entry,
        "scope_ok": True,
        "as_of_label": day_label(scope.as_of),
        "badge": DATASET_BADGES.get(scope.dataset, scope.dataset),
        "boundary_set": scope.boundary_set,
        "networks": summary.get("networks"),
        "practices": summary.get("practices"),
        "median_population": summary.get("median_population"),
        "headlines": _headlines(summary, result["parameters"]),
        "compare": compare,
    }


def _scenario_for_set(scenarios: list[dict], bs: dict) -> dict | None:
    """The scenario to open a boundary set's areas in: one whose default it is, else the nearest in date."""
    same = [s for s in scenarios if s["dataset"] == bs["dataset"] and s.get("scope_ok")]
    if not same:
        return None
    for s in same:
        if s["boundary_set"]["slug"] == bs["slug"]:
            return s
    return min(same, key=lambda s: abs((s["as_of_date"] - bs["valid_from"]).days))


def home(conn, hidden: frozenset[str] = frozenset()) -> dict:
    """The home page's content, kept per data state and per set of ``hidden`` scenario slugs (lower case: the
    draft / private plans the viewer may not see, issue 12), which are left out of every list and link."""

    def build() -> dict:
        summary = catalogue.overview(conn)
        for ds in summary["datasets"]:
            rows = [
                {**s, "as_of_date": resolve_scope(conn, s["slug"]).as_of if s.get("scope") else None}
                for s in ds["scenarios"]
                if s["slug"].lower() not in hidden
            ]
            rows.sort(key=lambda s: (s["as_of"], s["name"]))
            ds["scenarios"] = [_scenario_entry(conn, s, rows) for s in rows]
            for bs in ds["boundary_sets"]:
                scen = _scenario_for_set(ds["scenarios"], bs)
                bs["open_in"] = (
                    {
                        "scenario": scen["slug"],
                        "scenario_name": scen["name"],
                        "explicit": scen["boundary_set"]["slug"] != bs["slug"],
                    }
                    if scen
                    else None
                )
        return summary

    return _HOME.get_or_build((*data_state(conn), "home", tuple(sorted(hidden))), build)

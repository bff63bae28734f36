"""What an edit changed: population before → after and the flags gained and lost per touched network (and
practice), from the rule engine re-run on the areas the edit touched.

An edit measures a :func:`snapshot` before its write and one after, inside its transaction, then
:func:`delta` compares them.
"""

from __future__ import annotations

from geo_service.analysis.findings import FINDING_LABELS
from geo_service.analysis.service import findings_in, network_findings_from, practice_findings_from, run_checks_in
from geo_service.caching import LRUCache
from geo_service.db.repositories import plan_editor
from geo_service.plans.records import band
from geo_service.scope import Scope, resolve_scope

# Findings of an area as an edit left it, computed inside the edit's transaction: the next edit's "before" (the
# state that transaction committed), so an edit runs the area's checks once, not twice. Keyed by the committed
# state (data version + the id of the transaction that made it, see plan_editor.committed_state) and the scope:
# an entry of a transaction rolled back can never match, and any later write makes a new key. Per process, small.
AFTER_EDIT: LRUCache[tuple[dict, dict]] = LRUCache(64, name="plan_edits")


def snapshot(conn, plan: dict, scope: Scope, codes: list[str], pids: list[int], cached: bool) -> dict:
    """Population and flags of the touched networks (and flags of the touched practices) in the touched areas.

    ``cached`` (before the write): the findings the previous edit left (see :data:`AFTER_EDIT`), else the shared
    findings cache. Not cached (after the write, in its transaction): the checks run, and their answer is kept
    under the state this transaction will commit, for the next edit. Nothing that changes findings may be
    written after this snapshot in the same transaction (the edit log and audit rows do not)."""
    pops = plan_editor.populations(conn, plan["id"], codes)
    areas = sorted(
        set(plan_editor.areas_of_networks(conn, plan["id"], scope.boundary_set["id"], codes))
        | set(plan_editor.area_of_practices(conn, plan["id"], scope.boundary_set["id"], pids))
    )
    net_flags: dict[str, set[str]] = {}
    prac_flags: dict[str, set[str]] = {}
    state = (conn.dsn, *plan_editor.committed_state(conn)) if areas else None
    for area in areas:
        area_scope = resolve_scope(conn, plan["slug"], scope.boundary_set["slug"], area)
        key = (*state, area_scope.key())
        found = AFTER_EDIT.get(key) if cached else None
        if found is not None:
            nf, pf = found
        elif cached:
            nf, pf = findings_in(conn, area_scope)
        else:  # inside the writing transaction: not for the shared cache (keyed by data version only)
            result = run_checks_in(conn, area_scope)
            nf, pf = network_findings_from(result), practice_findings_from(result)
            AFTER_EDIT.put(key, (nf, pf))
        for c in codes:
            net_flags.setdefault(c, set()).update(nf.get(c, []))
        for c, keys in pf.items():
            prac_flags.setdefault(c, set()).update(keys)
    return {"populations": pops, "areas": areas, "network_flags": net_flags, "practice_flags": prac_flags}


def delta(conn, plan: dict, before: dict, after: dict, codes: list[str], pids: list[int]) -> dict:
    """Before → after of the touched networks (``codes``) and practices (ids ``pids``), and the plan's band."""
    lo, hi = band(plan)
    order = list(FINDING_LABELS)

    def flags(keys: set[str]) -> list[dict]:
        return [{"key": k, "label": FINDING_LABELS.get(k, k)} for k in sorted(keys, key=order.index)]

    nets = []
    for code in codes:
        b, a = before["populations"].get(code), after["populations"].get(code)
        fb, fa = before["network_flags"].get(code, set()), after["network_flags"].get(code, set())
        nets.append(
            {
                "code": code,
                "name": (a or b or {}).get("name"),
                "exists": {"before": b is not None, "after": a is not None},
                "population": {"before": b["population"] if b else None, "after": a["population"] if a else None},
                "members": {"before": b["members"] if b else None, "after": a["members"] if a else None},
                "unknown_list_sizes": a["unknown_list_sizes"] if a else None,
                "in_band": {
                    "before": bool(b and lo <= b["population"] <= hi),
                    "after": bool(a and lo <= a["population"] <= hi),
                },
                "flags": {"before": flags(fb), "after": flags(fa), "gained": flags(fa - fb), "lost": flags(fb - fa)},
            }
        )
    pracs = []
    for code in plan_editor.practice_codes_of(conn, plan["id"], pids) if pids else []:
        fb, fa = before["practice_flags"].get(code, set()), after["practice_flags"].get(code, set())
        pracs.append({"code": code, "flags": {"after": flags(fa), "gained": flags(fa - fb), "lost": flags(fb - fa)}})
    return {
        "band": {"min": lo, "max": hi},
        "areas": sorted(set(before["areas"]) | set(after["areas"])),
        "networks": nets,
        "practices": pracs,
    }

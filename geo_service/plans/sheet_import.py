"""Issue 20: a scenario's membership as a spreadsheet, and a new plan made from one.

:func:`membership` gives the rows of ``GET /api/v1/scenarios/<slug>/membership.csv|.xlsx`` (every current
membership of the scenario). :func:`plan_from_sheet` is the use case behind the plans page's upload, the API and
``geo-service plan import``: the plan lifecycle's :func:`~geo_service.plans.lifecycle.create_plan` makes a copy of
the source scenario, then its memberships become exactly the file's, in the caller's transaction, as one undoable
edit ('import') with audit rows ('plan.create' and 'plan.import'). Networks the file names that the plan lacks are
created (led by the commissioner most of their rows name); a network the file names differently is renamed;
networks the file does not name and that are left without members are removed. A practice the plan cannot hold
(not in its register nor a member) refuses the whole file, naming the row; so does anything
:func:`~geo_service.plans.spreadsheet.read_sheet` refuses. Nothing is created then.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from geo_service.access import audit
from geo_service.db.repositories import membership_sheets as repo
from geo_service.db.repositories import plan_edits
from geo_service.plans.concurrency import bump
from geo_service.plans.lifecycle import create_plan
from geo_service.plans.operations import apply_ops, network_attrs, new_network_attrs
from geo_service.plans.records import describe, get_plan
from geo_service.plans.rights import visible_plan
from geo_service.plans.spreadsheet import Sheet, refusal
from geo_service.scope import resolve_scope


def membership(conn, slug: str) -> tuple[dict, list[dict]]:
    """(the scenario, its current memberships as spreadsheet rows). Visibility is the caller's check."""
    scope = resolve_scope(conn, slug)
    return scope.scenario, repo.membership_rows(conn, scope.values())


def _practice_ids(conn, plan: dict, sheet: Sheet) -> dict[str, int]:
    ids = repo.known_practices(conn, plan["id"], plan["as_of"], [r.practice_code for r in sheet.rows])
    for r in sheet.rows:
        if r.practice_code not in ids:
            raise refusal(
                sheet.file_name,
                f"practice {r.practice_code} is not in the register of '{plan['name']}' (as of "
                f"{plan['as_of'].isoformat()}) nor a member of one of its networks.",
                r.row,
                "practice_code",
            )
    return ids


def _leads(sheet: Sheet) -> dict[str, str | None]:
    """Network code → the commissioner most of its rows name (None when none does)."""
    counts: dict[str, Counter] = {}
    for r in sheet.rows:
        if r.commissioner_code:
            counts.setdefault(r.network_code, Counter())[r.commissioner_code] += 1
    return {code: c.most_common(1)[0][0] for code, c in counts.items()}


def _operations(conn, plan: dict, sheet: Sheet, ids: dict[str, int]) -> tuple[list[dict], list[dict], dict]:
    """(forward, inverse) operations making the plan's memberships the file's, and the counts for the summary."""
    networks = repo.network_rows(conn, plan["id"])
    before = repo.current_members(conn, plan["id"], plan["as_of"])
    after: dict[int, list[str]] = {ids[r.practice_code]: [r.network_code] for r in sheet.rows}
    names = sheet.network_names()
    leads = _leads(sheet)
    created = [new_network_attrs(c, names[c] or c, leads.get(c)) for c in sorted(names) if c not in networks]
    renamed = [
        (c, networks[c]["name"], n)
        for c, n in sorted(names.items())
        if c in networks and n and n != networks[c]["name"]
    ]
    targets = {
        p: after.get(p, []) for p in sorted(set(before) | set(after)) if sorted(before.get(p, [])) != after.get(p, [])
    }
    members_left = {c for cs in after.values() for c in cs}
    emptied = [
        networks[c]
        for c in sorted(networks)
        if c not in names and c not in members_left and c in {x for cs in before.values() for x in cs}
    ]
    fwd: list[dict] = [{"op": "create_network", "attrs": a} for a in created]
    fwd += [{"op": "rename", "code": c, "name": new} for c, _, new in renamed]
    fwd.append({"op": "set_members", "targets": {str(p): cs for p, cs in targets.items()}})
    deleted = [network_attrs(n) for n in emptied]
    fwd += [{"op": "delete_network", "attrs": a} for a in deleted]
    inv: list[dict] = [{"op": "create_network", "attrs": a} for a in reversed(deleted)]
    inv.append({"op": "set_members", "targets": {str(p): before.get(p, []) for p in targets}})
    inv += [{"op": "rename", "code": c, "name": old} for c, old, _ in reversed(renamed)]
    inv += [{"op": "delete_network", "attrs": a} for a in reversed(created)]
    counts = {
        "rows": len(sheet.rows),
        "practices_moved": len(targets),
        "networks_created": len(created),
        "networks_renamed": len(renamed),
        "networks_removed": len(deleted),
    }
    return fwd, inv, counts


def plan_from_sheet(conn, actor, body: dict[str, Any], sheet: Sheet) -> dict:
    """Use case: ``actor`` makes a plan named ``body['name']``, a copy of ``body['copy_from']`` (also
    ``description``, ``visibility``, ``slug``), whose current memberships are exactly the file's. Writes in the
    caller's transaction (refused, the caller rolls back and nothing is left)."""
    if not body.get("copy_from"):
        raise refusal(sheet.file_name, "say which scenario the plan is a copy of ('copy_from').", field_="copy_from")
    visible_plan(conn, actor, str(body["copy_from"]))  # 404 for a scenario the actor may not see
    out = create_plan(conn, {k: v for k, v in body.items() if k != "area"}, actor.id)
    plan = get_plan(conn, out["slug"])
    audit.record(conn, actor, "plan.create", "scenario", plan["id"], None, out, scenario_id=plan["id"])
    ids = _practice_ids(conn, plan, sheet)
    fwd, inv, counts = _operations(conn, plan, sheet, ids)
    bump(conn, plan, plan["version"])
    apply_ops(conn, plan, fwd)
    summary = (
        f"Memberships from {sheet.file_name}: {counts['practices_moved']:,} "
        f"{'practice' if counts['practices_moved'] == 1 else 'practices'} moved, "
        f"{counts['networks_created']:,} {'network' if counts['networks_created'] == 1 else 'networks'} created"
    )
    plan_edits.insert_edit(conn, plan["id"], "default", actor.id, "import", summary, fwd, inv)
    imported = {"file": sheet.file_name, "format": sheet.file_format, **counts}
    audit.record(conn, actor, "plan.import", "scenario", plan["id"], None, imported, scenario_id=plan["id"])
    fresh = get_plan(conn, out["slug"])
    return {**describe(fresh), "copied_from": out["copied_from"], "imported": imported}

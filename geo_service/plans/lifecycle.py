"""A plan's life: made (empty or a copy of a scenario), renamed, described, shared publicly or kept private,
archived, and moved draft → submitted → approved (or withdrawn to draft). Only a draft that is not archived can be
edited (:func:`check_editable`).

The use cases (:func:`new_plan`, :func:`update_plan`, :func:`move_status`) take the actor, the expected version
and the parsed input; they check who may do it, move the plan's version and write the audit row in the caller's
transaction, so the API, the pages and the CLI make the same write.
"""

from __future__ import annotations

import re
from typing import Any

from geo_service.access import audit
from geo_service.db.repositories import plans as repo
from geo_service.errors import Conflict, Forbidden, InvalidParameter
from geo_service.plans import visibility
from geo_service.plans.concurrency import Expected, bump, check_version
from geo_service.plans.fields import text
from geo_service.plans.records import describe, get_plan
from geo_service.plans.rights import plan_for_write, visible_plan
from geo_service.scope import parse_date, resolve_scope
from geo_service.slugs import slugify

STATUSES = ("draft", "submitted", "approved", "baseline")
# Status moves a plan may make: (from, to) → who may make it ('editor' or 'approver').
MOVES = {
    ("draft", "submitted"): "editor",
    ("submitted", "draft"): "editor",
    ("submitted", "approved"): "approver",
}
COPIED = (
    "dataset",
    "nation",
    "register_extract_id",
    "list_size_extract_id",
    "location_extract_id",
    "boundary_set_id",
    "min_population",
    "max_population",
)


def check_editable(plan: dict) -> None:
    """409 unless the plan is a draft that is not archived (what every edit requires)."""
    if plan["status"] == "baseline":
        raise Conflict(
            f"'{plan['name']}' is a baseline scenario: it changes only through change requests. Copy it into a plan "
            "to edit it.",
            reason="baseline",
        )
    if plan["status"] != "draft":
        raise Conflict(f"'{plan['name']}' is {plan['status']}: only draft plans can be edited.", reason=plan["status"])
    if plan["archived_at"] is not None:
        raise Conflict(f"'{plan['name']}' is archived: unarchive it to edit it.", reason="archived")


# ---- making a plan --------------------------------------------------------------------------------------


def create_plan(conn, body: dict, owner_id: int | None, polygons: bool = True) -> dict:
    """A new draft plan, empty or a copy of ``copy_from`` (its memberships current on its date, its polygons,
    date, dataset, nation, pinned extracts, boundary set and size band). Not audited: see :func:`new_plan`.
    ``polygons=False``: the copy's networks have no polygons yet (a suggestion gives back those it keeps)."""
    name = text(body, "name", required=True)
    description = text(body, "description", limit=2000)
    visibility_ = body.get("visibility", "private")
    if visibility_ not in ("public", "private"):
        raise InvalidParameter(
            "visibility", "'visibility' must be 'public' or 'private'.", allowed=["public", "private"]
        )
    slug = text(body, "slug", limit=80) or slugify(name)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug or ""):
        raise InvalidParameter("slug", f"'slug' must be lower-case letters, digits and dashes, got '{slug}'.")
    slug_used, name_used = repo.slug_taken(conn, slug, name)
    if slug_used:
        raise Conflict(f"A scenario with slug '{slug}' already exists.", parameter="slug")
    if name_used:
        raise Conflict(f"A scenario named '{name}' already exists.", parameter="name")
    source = None
    if body.get("copy_from"):
        source = get_plan(conn, str(body["copy_from"]))
        values = {k: source[k] for k in COPIED}
        values["as_of"] = source["as_of"]
        if source["boundary_set_id"] is None:  # keep what the source is judged on as this plan's default
            values["boundary_set_id"] = resolve_scope(conn, source["slug"]).boundary_set["id"]
    else:
        dataset = body.get("dataset", "real")
        if dataset not in ("real", "synthetic"):
            raise InvalidParameter("dataset", "'dataset' must be 'real' or 'synthetic'.", allowed=["real", "synthetic"])
        as_of = parse_date("as_of", body.get("as_of"))
        if as_of is None:
            raise InvalidParameter("as_of", "'as_of' (the plan's date, like 2019-12-04) is required for an empty plan.")
        values = {k: None for k in COPIED}
        values.update(dataset=dataset, nation="england", as_of=as_of)
    values.update(
        slug=slug,
        name=name,
        description=description,
        owner_id=owner_id,
        visibility=visibility_,
        copied_from=source["id"] if source else None,
    )
    new_id = repo.insert_plan(conn, values)
    copied = (0, 0)
    area_row = None
    if source is not None:
        area = text(body, "area", limit=12)
        source_scope = resolve_scope(conn, source["slug"], area=area)
        area_row = source_scope.area
        copied = repo.copy_networks_and_memberships(
            conn, source["id"], new_id, source["as_of"], area_row, source_scope.boundary_set["id"], polygons
        )
    plan = repo.plan_by_id(conn, new_id)
    return {
        **describe(plan),
        "copied": {"networks": copied[0], "memberships": copied[1]},
        "copied_from": source["slug"] if source else None,
        "copied_area": area_row["name"] if area_row else None,
    }


def new_plan(conn, actor, body: dict) -> dict:
    """Use case: ``actor`` makes a plan (see :func:`create_plan` for ``body``), owns it, and the audit log says so."""
    out = create_plan(conn, body, actor.id)
    plan = get_plan(conn, out["slug"])
    audit.record(conn, actor, "plan.create", "scenario", plan["id"], None, out, scenario_id=plan["id"])
    return out


# ---- changing a plan ------------------------------------------------------------------------------------


def update_plan(conn, actor, slug: str, body: dict, expected: Expected) -> dict:
    """Use case: rename, describe, change visibility, archive / unarchive (the plan's writers). Answers the plan
    after; the audit row holds before → after."""
    plan = plan_for_write(conn, actor, slug)
    version = check_version(plan, expected)
    allowed = {"name", "description", "visibility", "archived"}
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise InvalidParameter(unknown[0], f"Unknown field '{unknown[0]}'.", allowed=sorted(allowed))
    fields: dict[str, Any] = {}
    if "name" in body:
        fields["name"] = text(body, "name", required=True)
        if fields["name"] != plan["name"] and repo.slug_taken(conn, "-", fields["name"])[1]:
            raise Conflict(f"A scenario named '{fields['name']}' already exists.", parameter="name")
    if "description" in body:
        fields["description"] = text(body, "description", limit=2000)
    if "visibility" in body:
        if body["visibility"] not in ("public", "private"):
            raise InvalidParameter("visibility", "'visibility' must be 'public' or 'private'.")
        fields["visibility"] = body["visibility"]
    archive = None
    if "archived" in body:
        if not isinstance(body["archived"], bool):
            raise InvalidParameter("archived", "'archived' must be true or false.")
        archive = body["archived"]
    if plan["status"] == "baseline":
        raise Conflict(f"'{plan['name']}' is a baseline scenario: it changes only through change requests.")
    bump(conn, plan, version)
    repo.update_plan(conn, plan["id"], fields, archive)
    before, after = describe(plan), describe(repo.plan_by_id(conn, plan["id"]))
    audit.record(conn, actor, "plan.update", "scenario", plan["id"], before, after, scenario_id=plan["id"])
    return after


def move_status(conn, actor, slug: str, to: str, expected: Expected) -> dict:
    """Use case: submit or withdraw (the plan's editors) or approve (an approver for every commissioner it covers
    who does not own it): draft → submitted → approved, or back to draft. A plan the actor may not see is 404
    before anything else. Answers the plan after; the audit row holds before → after."""
    plan = visible_plan(conn, actor, slug)
    rights = visibility.status_rights(conn, plan, actor)
    if MOVES.get((plan["status"], to)) == "approver" and not rights["approver"]:
        if rights["owner"]:
            raise Forbidden("Nobody approves their own plan: ask an approver for its commissioners.")
        codes = ", ".join(rights["commissioners"])
        raise Forbidden(f"Approving this plan needs the approver role for {codes}; {actor.username} lacks it.")
    version = check_version(plan, expected)
    if to not in STATUSES:
        raise InvalidParameter("status", f"Unknown status '{to}'.", allowed=list(STATUSES))
    needed = MOVES.get((plan["status"], to))
    if needed is None:
        raise Conflict(
            f"A plan cannot go from {plan['status']} to {to}.", allowed=[t for (f, t) in MOVES if f == plan["status"]]
        )
    if not rights.get(needed):
        raise Forbidden(f"Moving a plan from {plan['status']} to {to} needs the {needed} role.")
    bump(conn, plan, version)
    repo.update_plan(conn, plan["id"], {"status": to})
    before, after = describe(plan), describe(repo.plan_by_id(conn, plan["id"]))
    audit.record(conn, actor, f"plan.status.{to}", "scenario", plan["id"], before, after, scenario_id=plan["id"])
    return after

"""Who may change a plan: the plan as a writer reaches it (404 to whoever may not see it, 403 to whoever may see
but not change it). The role checks of the request (signed in, editor) come before, at the edge."""

from __future__ import annotations

from geo_service.db.repositories import plans as repo
from geo_service.errors import Forbidden, NotFound
from geo_service.plans import visibility
from geo_service.plans.records import get_plan


def visible_plan(conn, actor, slug: str) -> dict:
    """The plan, for an ``actor`` who may see it; 404 (as for no plan at all) to anyone else."""
    plan = get_plan(conn, slug)
    if not visibility.can_view(conn, plan, visibility.viewer_of(actor)):
        raise NotFound(f"No scenario with slug '{slug}'.", parameter="slug")
    return plan


def plan_for_write(conn, actor, slug: str) -> dict:
    """The plan, for its owner, a user it is shared with, or an admin; 404 / 403 to the others."""
    plan = visible_plan(conn, actor, slug)
    if not actor.is_admin and plan["owner_id"] != actor.id:
        if actor.id not in repo.shared_user_ids(conn, plan["id"]):
            raise Forbidden(
                f"Only the owner of '{plan['name']}', the people it is shared with and admins can change it."
            )
    return plan

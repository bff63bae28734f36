"""Sharing a draft or private plan with named users (issue 12): the use case behind the API and the editor's form.

Only the plan's owner and admins share and unshare; whoever may not see the plan gets 404 before anything else.
The change needs the plan's ETag (``If-Match``, or the form's hidden ``etag``), bumps the plan's version
(:func:`geo_service.plans.visibility.set_shared`) and is recorded in the audit log, usernames before → after.
"""

from __future__ import annotations

from geo_service.access import audit
from geo_service.errors import Forbidden
from geo_service.plans import records, visibility
from geo_service.plans.rights import visible_plan


def change_sharing(conn, actor, slug: str, username: str, shared: bool, if_match: str | None) -> dict:
    """Share ``slug`` with ``username`` (or stop); the plan afterwards. 404 / 403 / 412 / 428 as the rules say."""
    plan = visible_plan(conn, actor, slug)
    if not visibility.may_share(plan, actor.id, actor.is_admin):
        raise Forbidden(f"Only the owner of '{plan['name']}' and admins can share it.")
    before, after = visibility.set_shared(conn, plan, username, shared, if_match)
    audit.record(
        conn,
        actor,
        "plan.share" if shared else "plan.unshare",
        "scenario",
        plan["id"],
        {"shared_with": before},
        {"shared_with": after},
        scenario_id=plan["id"],
    )
    return records.get_plan(conn, slug)

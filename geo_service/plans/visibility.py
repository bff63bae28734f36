"""Who may see a scenario: the one read check for every route that names one, and for scenario lists.

Imported scenarios (status 'baseline') and public plans that left draft are seen by everyone. A draft plan, or a
private one, is seen only by its owner, the users it is shared with, and admins. Anything else answers as if
the scenario did not exist (404), so a private plan's slug gives nothing away.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo_service.db.repositories import plans as repo


@dataclass(frozen=True)
class Viewer:
    """Who is asking: a signed-in user's id (None: anonymous) and whether they are an admin."""

    user_id: int | None = None
    is_admin: bool = False


ANONYMOUS = Viewer()


def restricted(scenario: dict) -> bool:
    """Draft or private plans are not public."""
    return scenario.get("status") == "draft" or scenario.get("visibility") == "private"


def can_view(conn, scenario: dict, viewer: Viewer) -> bool:
    """True when ``viewer`` may see ``scenario`` (a row with id, owner_id, status, visibility)."""
    if not restricted(scenario) or viewer.is_admin:
        return True
    if viewer.user_id is None:
        return False
    if scenario.get("owner_id") == viewer.user_id:
        return True
    return viewer.user_id in repo.shared_user_ids(conn, scenario["id"])


def visible_slugs(conn, viewer: Viewer) -> set[str]:
    """Slugs of every scenario ``viewer`` may see: for filtering scenario lists (API, home page, search, OGC)."""
    return {r["slug"] for r in repo.plans(conn) if can_view(conn, r, viewer)}


def viewer_of(actor) -> Viewer:
    """The viewer an access ``Actor`` (or None: anonymous) stands for."""
    if actor is None:
        return ANONYMOUS
    return Viewer(user_id=actor.id, is_admin=actor.is_admin)


def restricted_rows(conn) -> list[dict]:
    """Every draft or private scenario (few): the only ones a list may have to leave out."""
    return [r for r in repo.plans(conn) if restricted(r)]


def visible_plans(conn, actor) -> list[dict]:
    """Every plan and scenario an access ``actor`` (None: anonymous) may see, archived last, by name."""
    viewer = viewer_of(actor)
    return [r for r in repo.plans(conn) if can_view(conn, r, viewer)]


def hidden_slugs(conn, viewer: Viewer) -> frozenset[str]:
    """Lower-cased slugs of the scenarios ``viewer`` may NOT see: what every scenario list leaves out.

    Lists (home page, /api/v1/scenarios, OGC collections, switchers, compare pickers) are built and cached for
    everyone and filtered with this set afterwards, so no cache ever holds one viewer's list for another."""
    if viewer.is_admin:
        return frozenset()
    return frozenset(r["slug"].lower() for r in restricted_rows(conn) if not can_view(conn, r, viewer))


def hidden_scenario_ids(conn, viewer: Viewer) -> list[int]:
    """Ids of the scenarios ``viewer`` may NOT see (for lists keyed by id, such as the audit log)."""
    if viewer.is_admin:
        return []
    return sorted(r["id"] for r in restricted_rows(conn) if not can_view(conn, r, viewer))


def is_hidden(slug: str | None, hidden: frozenset[str]) -> bool:
    """True when ``slug`` (any case) is one of ``hidden``."""
    return bool(slug) and slug.lower() in hidden


def without_hidden(rows: list[dict], hidden: frozenset[str], key: str = "slug") -> list[dict]:
    """``rows`` (dicts with a scenario slug under ``key``) without the hidden ones; order kept."""
    if not hidden:
        return list(rows)
    return [r for r in rows if not is_hidden(r.get(key), hidden)]


# ---- deciding on a plan (issue 21) ---------------------------------------------------------------------------


def status_rights(conn, plan: dict, actor) -> dict[str, bool]:
    """Who may move ``plan``'s status, for an ``actor`` who may see it: {'editor': bool, 'approver': bool}.

    * editor (submit, withdraw): the owner, or a user the plan is shared with, holding the editor role; admins.
    * approver (approve): an approver for EVERY commissioner the plan covers (its networks' leads and its
      practices' commissioners; a plan covering none needs an approver for everywhere), like change requests,
      and never the plan's owner: nobody approves their own plan, admins included (four eyes)."""
    from geo_service.db.repositories import plan_rights

    is_owner = actor.id is not None and plan.get("owner_id") == actor.id
    shared = actor.id is not None and actor.id in repo.shared_user_ids(conn, plan["id"])
    editor = actor.is_admin or ((is_owner or shared) and actor.has_role("editor"))
    codes = plan_rights.commissioners(conn, plan["id"]) or ["*"]
    approver = not is_owner and all(actor.may_approve(c) for c in codes)
    return {"editor": editor, "approver": approver, "commissioners": codes, "owner": is_owner}


# ---- sharing ------------------------------------------------------------------------------------------------


def shares(conn, plan: dict) -> list[dict]:
    """Who ``plan`` is shared with: username and display name, for the sharing form and the API."""
    from geo_service.db.repositories import plan_shares

    return [
        {"username": r["username"], "display_name": r["display_name"], "shared_at": r["shared_at"].isoformat()}
        for r in plan_shares.shares(conn, plan["id"])
    ]


def may_share(plan: dict, user_id: int | None, is_admin: bool) -> bool:
    """Only the plan's owner and admins decide who else sees it."""
    return is_admin or (user_id is not None and plan.get("owner_id") == user_id)


def set_shared(conn, plan: dict, username: str, shared: bool, if_match: str | None) -> tuple[list[str], list[str]]:
    """Share (``shared``) or unshare ``plan`` with ``username`` after the ``If-Match`` check; bumps the plan's
    version. Returns the usernames shared with before → after. The caller checked :func:`may_share`."""
    from geo_service.db.repositories import plan_shares, users
    from geo_service.errors import InvalidParameter, PreconditionFailed
    from geo_service.plans.concurrency import version_from_if_match

    if not isinstance(username, str) or not username.strip():
        raise InvalidParameter("username", "Give the username of the person to share the plan with.")
    version = version_from_if_match(plan, if_match)
    user = users.find_user(conn, username.strip())
    if user is None:
        raise InvalidParameter("username", f"There is no user '{username.strip()}'.")
    if shared and user["id"] == plan.get("owner_id"):
        raise InvalidParameter("username", f"'{user['username']}' owns this plan: it need not be shared with them.")
    before = [s["username"] for s in shares(conn, plan)]
    changed = (
        plan_shares.add_share(conn, plan["id"], user["id"])
        if shared
        else plan_shares.remove_share(conn, plan["id"], user["id"])
    )
    if not changed and not shared:
        raise InvalidParameter("username", f"'{plan['name']}' is not shared with '{user['username']}'.")
    if repo.bump_version(conn, plan["id"], version) is None:
        raise PreconditionFailed("The plan changed while sharing it; reload it and try again.")
    return before, [s["username"] for s in shares(conn, plan)]

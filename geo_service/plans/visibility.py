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


def can_view_slug(conn, slug: str, viewer: Viewer) -> bool:
    """For a slug from a URL: True when there is no such scenario (the route's own 404 says so) or it may be seen."""
    row = repo.plan(conn, slug)
    return row is None or can_view(conn, row, viewer)


def visible_slugs(conn, viewer: Viewer) -> set[str]:
    """Slugs of every scenario ``viewer`` may see: for filtering scenario lists (API, home page, search, OGC)."""
    return {r["slug"] for r in repo.plans(conn) if can_view(conn, r, viewer)}


def filter_visible(conn, rows: list[dict], viewer: Viewer, key: str = "slug") -> list[dict]:
    """``rows`` (dicts with a scenario slug under ``key``) without those ``viewer`` may not see."""
    allowed = visible_slugs(conn, viewer)
    return [r for r in rows if r.get(key) in allowed]

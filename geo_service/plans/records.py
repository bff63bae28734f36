"""A plan as stored and as clients see it: read by slug, described as JSON with its ETag, its networks' ids, and
its population band. Every other plans module starts from these."""

from __future__ import annotations

from typing import Any

from geo_service.analysis import parameters
from geo_service.db.repositories import plan_networks
from geo_service.db.repositories import plans as repo
from geo_service.errors import NotFound


def get_plan(conn, slug: str) -> dict:
    """The plan (or any scenario) named by ``slug``; 404 when there is none."""
    row = repo.plan(conn, slug)
    if row is None:
        raise NotFound(f"No scenario with slug '{slug}'.", parameter="slug")
    return row


def etag(plan: dict) -> str:
    """The plan's ETag (the access helpers' format: '"v<version>"')."""
    return f'"v{plan["version"]}"'


def describe(plan: dict) -> dict[str, Any]:
    """The plan as the API shows it (status, owner, version and the ETag to send back in If-Match)."""
    return {
        "slug": plan["slug"],
        "name": plan["name"],
        "description": plan["description"],
        "dataset": plan["dataset"],
        "as_of": plan["as_of"].isoformat(),
        "nation": plan["nation"],
        "status": plan["status"],
        "visibility": plan["visibility"],
        "owner_id": plan["owner_id"],
        "archived": plan["archived_at"] is not None,
        "version": plan["version"],
        "etag": etag(plan),
    }


def network_id(conn, plan: dict, code: str) -> int | None:
    """The id of the plan's network ``code`` (what audit rows point at), or None."""
    row = plan_networks.network(conn, plan["id"], code)
    return row["id"] if row else None


def band(plan: dict) -> tuple[int, int]:
    """(minimum, maximum) population of a network of this plan (its own band, else the defaults)."""
    checked, _ = parameters.resolve(None, plan)
    return checked.min, checked.max

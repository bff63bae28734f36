"""A scenario's settings: its date, nation, pinned extracts and default boundary set (what it is judged on).

They are versioned by a digest of their content (:func:`settings_version`: any change by anyone gives a new one),
and changed by :func:`update_settings`, the one use case the API and the CLI share: an admin or the scenario's
owner, with the version they last read, all settings or none, recorded in the audit log.
"""

from __future__ import annotations

import hashlib
import json

from geo_service import scope
from geo_service.access import audit
from geo_service.db.repositories import scenario_versions
from geo_service.db.repositories import scope as scope_repo
from geo_service.errors import Forbidden, InvalidParameter, NotFound
from geo_service.plans.concurrency import Expected, check_state_version

SETTABLE = ("as_of", "nation", "register", "list_sizes", "locations", "boundary_set")
_KEYS = ("as_of", "nation", "register_extract_id", "list_size_extract_id", "location_extract_id", "boundary_set_id")


def settings(row: dict) -> dict:
    """The scenario's settable state (what :func:`update_settings` changes), JSON-ready."""
    return {k: (row[k].isoformat() if k == "as_of" else row[k]) for k in _KEYS}


def settings_version(row: dict) -> str:
    """A content version of the settings: any change by anyone gives a new one (and a new ETag)."""
    return hashlib.sha256(json.dumps(settings(row), sort_keys=True).encode()).hexdigest()[:16]


def current_version(conn, slug: str) -> str:
    """The settings version of scenario ``slug`` now; 404 when there is none."""
    row = scope_repo.scenario(conn, slug)
    if row is None:
        raise NotFound(f"No scenario with slug '{slug}'.", parameter="scenario")
    return settings_version(row)


def check_changes(changes: object) -> dict:
    """``changes`` as settings to apply: a non-empty object of known settings, else 400 naming the first wrong."""
    if not isinstance(changes, dict) or not changes:
        raise InvalidParameter("body", "Send a JSON object with any of: " + ", ".join(SETTABLE) + ".")
    unknown = sorted(set(changes) - set(SETTABLE))
    if unknown:
        raise InvalidParameter(unknown[0], f"Unknown setting '{unknown[0]}'.", allowed=list(SETTABLE))
    return changes


def update_settings(conn, actor, slug: str, changes: dict, expected: Expected) -> tuple[scope.Scope, str]:
    """Use case: change the settings of scenario ``slug`` (see :func:`geo_service.scope.set_scenario` for the
    values) in one transaction: the row locked, the owner and version checked, all settings or none, the audit
    row. Returns the scenario's scope after and its new settings version."""
    changes = check_changes(changes)
    with conn:
        scenario_versions.lock_scenario(conn, slug)
        before = scope_repo.scenario(conn, slug)
        if before is None:
            raise NotFound(f"No scenario with slug '{slug}'.", parameter="scenario")
        owner = scenario_versions.owner_id(conn, slug)
        if not actor.is_admin and owner != actor.id:
            raise Forbidden(
                f"Only an admin or the scenario's owner may change its settings; {actor.username} is neither."
            )
        check_state_version(settings_version(before), settings(before), expected)
        changed = scope.set_scenario(conn, slug, **changes)
        after = scope_repo.scenario(conn, slug)
        audit.record(conn, actor, "scenario.settings", "scenario", before["slug"], settings(before), settings(after),
                     scenario_id=before["id"])  # fmt: skip
    return changed, settings_version(after)

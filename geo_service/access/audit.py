"""Record every write in the append-only audit log, inside the transaction of the write it records.

The web layer sets the request id (:data:`request_id`) for each request; the CLI leaves it unset.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from geo_service.access.service import Actor
from geo_service.db.repositories import audit as audit_repo

request_id: ContextVar[str | None] = ContextVar("geo_request_id", default=None)
PAGE_SIZE = 50


def record(
    conn,
    actor: Actor | None,
    action: str,
    resource_kind: str,
    resource_id: Any,
    before: Any,
    after: Any,
    *,
    scenario_id: int | None = None,
    network_id: int | None = None,
    practice_id: int | None = None,
) -> int:
    """One audit row (who, when, what, before → after, request id). Call it on the write's connection,
    before the transaction commits, so the change and its record stand or fall together."""
    return audit_repo.insert(
        conn,
        {
            "actor_id": actor.id if actor else None,
            "actor_name": actor.username if actor else "system",
            "request_id": request_id.get(),
            "action": action,
            "resource_kind": resource_kind,
            "resource_id": None if resource_id is None else str(resource_id),
            "scenario_id": scenario_id,
            "network_id": network_id,
            "practice_id": practice_id,
            "before": before,
            "after": after,
        },
    )


# Resource kinds of account events (sign-ins, users, roles, API tokens): shown to admins only (issue 21).
ACCOUNT_KINDS = ("user", "api_token")


def practice_id(conn, practice: str) -> int | None:
    """The audit log's id of a practice (by ODS code), or None: the log's filter names a practice by code."""
    return audit_repo.practice_id(conn, practice)


def scenario_id(conn, scenario: str) -> int | None:
    return audit_repo.scenario_id(conn, scenario)


def network_id(conn, scenario_id: int, network: str) -> int | None:
    return audit_repo.network_id(conn, scenario_id, network)


def all_entries(conn, by: str | None, value: int | None, limit: int, hidden_scenarios=None, hidden_kinds=None):
    """Up to ``limit`` entries of the filter, newest first (the CSV download: no paging), and the total."""
    return audit_repo.entries(conn, by, value, limit, 0, hidden_scenarios, hidden_kinds)


def hidden_kinds_for(actor: Actor | None) -> list[str]:
    """What ``actor`` may not read in the audit log: account events unless they are an admin."""
    return [] if actor is not None and actor.is_admin else list(ACCOUNT_KINDS)


def entries(
    conn,
    by: str | None = None,
    value: int | None = None,
    page: int = 1,
    size: int = PAGE_SIZE,
    hidden_scenarios=None,
    hidden_kinds=None,
):
    """One page of entries, newest first, and the total (without those of ``hidden_scenarios``: ids, and of
    ``hidden_kinds``: resource kinds)."""
    page = max(page, 1)
    return audit_repo.entries(conn, by, value, size, (page - 1) * size, hidden_scenarios, hidden_kinds)

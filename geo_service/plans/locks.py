"""Locked networks: a planner locks a network so no edit (undo and redo included) changes it until it is
unlocked. Locking is not an undoable edit; it moves the plan's version and is audited like one."""

from __future__ import annotations

from geo_service.access import audit
from geo_service.db.repositories import plan_networks
from geo_service.errors import Conflict, InvalidParameter, NotFound
from geo_service.plans.concurrency import Expected, bump, check_version
from geo_service.plans.lifecycle import check_editable
from geo_service.plans.operations import touched
from geo_service.plans.records import describe, get_plan
from geo_service.plans.rights import plan_for_write

MAX_REASON = 200
SHOWN = ("code", "name", "locked_at", "lock_reason")


def refuse_locked(conn, plan: dict, ops: list[dict]) -> None:
    """Refuse (409, naming the network and the reason) operations that touch a locked network."""
    for code in sorted(touched(ops)):
        net = plan_networks.network(conn, plan["id"], code)
        if net is not None and net["locked_at"] is not None:
            reason = f": {net['lock_reason']}" if net["lock_reason"] else ""
            raise Conflict(
                f"Network {code} ({net['name']}) is locked{reason}. Unlock it to change it.",
                network=code,
                reason="locked",
            )


def refuse_any_locked(conn, plan: dict, why: str) -> None:
    """Refuse (409) a write that replaces every network while any of them is locked."""
    locked = plan_networks.locked_network_codes(conn, plan["id"])
    if locked:
        raise Conflict(f"Unlock {', '.join(locked)} first: {why}.", reason="locked")


def _jsonable(row: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def set_lock(conn, actor, slug: str, code: str, locked: bool, reason: str | None, expected: Expected) -> dict:
    """Use case: lock (with an optional reason) or unlock the plan's network ``code``. Answers the network after
    and the plan; the audit row holds the network before → after."""
    plan = plan_for_write(conn, actor, slug)
    version = check_version(plan, expected)
    check_editable(plan)
    net = plan_networks.network(conn, plan["id"], code)
    if net is None:
        raise NotFound(f"Plan '{plan['slug']}' has no network '{code}'.", parameter="network")
    if reason is not None and len(reason) > MAX_REASON:
        raise InvalidParameter("reason", f"'reason' must be at most {MAX_REASON} characters.")
    bump(conn, plan, version)
    plan_networks.set_lock(conn, plan["id"], code, locked, actor.id, reason)
    after = plan_networks.network(conn, plan["id"], code)
    before, after = {k: net[k] for k in SHOWN}, {k: after[k] for k in SHOWN}
    audit.record(conn, actor, "network.lock" if locked else "network.unlock", "network", net["id"], before, after,
                 scenario_id=plan["id"], network_id=net["id"])  # fmt: skip
    return {"network": _jsonable(after), "plan": describe(get_plan(conn, slug))}

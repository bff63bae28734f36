"""Propose, approve and reject membership changes in a baseline scenario (issue 12).

A baseline changes only through approved change requests. Approving one ends the practice's current
membership the day before the effective date and starts the new one on it, so nothing is overwritten: the
scenario's ``as_of`` decides which membership the map shows. Every step is audited in the same transaction.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from geo_service.access import audit
from geo_service.access.service import Actor
from geo_service.db.repositories import change_requests as repo
from geo_service.errors import Conflict, Forbidden, InvalidParameter, NotFound, PreconditionFailed

KINDS = ("join", "leave", "move")
STATUSES = ("pending", "approved", "rejected")
MAX_REASON = 2000


def _scenario(conn, slug: str) -> dict:
    row = repo.scenario_row(conn, slug)
    if row is None:
        raise NotFound(f"No scenario with slug '{slug}'.", parameter="scenario")
    return row


def _date(value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidParameter(
            "effective_date", f"'effective_date' must be a date like 2020-04-01, got '{value}'."
        ) from None


def _net(code: str | None, name: str | None) -> dict | None:
    return {"code": code, "name": name} if code else None


def public(row: dict) -> dict:
    """A change request as the API shows it."""
    return {
        "id": row["id"],
        "scenario": row["scenario_slug"],
        "kind": row["kind"],
        "practice": {
            "code": row["ods_code"],
            "name": row["practice_name"],
            "commissioner": row["practice_commissioner"],
        },
        "from_network": _net(row["from_network_code"], row["from_network_name"]),
        "to_network": _net(row["to_network_code"], row["to_network_name"]),
        "effective_date": row["effective_date"].isoformat(),
        "reason": row["reason"],
        "commissioners": list(row["commissioner_codes"]),
        "status": row["status"],
        "version": row["version"],
        "proposed_by": row["proposed_by_name"],
        "proposed_at": row["proposed_at"].isoformat(),
        "decided_by": row["decided_by_name"],
        "decided_at": row["decided_at"].isoformat() if row["decided_at"] else None,
        "decision_comment": row["decision_comment"],
    }


def _check_memberships(conn, req: dict) -> list[dict]:
    """The memberships an approval on the effective date would end; refuses a request that no longer fits."""
    day = req["effective_date"]
    current = repo.memberships_on(conn, req["scenario_id"], req["practice_id"], day)
    if any(m["starts_later"] for m in current):
        raise Conflict(
            f"Practice {req['ods_code']} already has a membership starting on or after {day.isoformat()}; "
            "decide that change first."
        )
    if req["kind"] == "join" and current:
        raise Conflict(
            f"Practice {req['ods_code']} is already in network {current[0]['network_code']} on {day.isoformat()}: "
            "propose a move instead."
        )
    if req["kind"] in ("leave", "move"):
        if not any(m["network_id"] == req["from_network_id"] for m in current):
            raise Conflict(
                f"Practice {req['ods_code']} is not in network {req['from_network_code']} on {day.isoformat()}."
            )
    return current


def propose(conn, actor: Actor, scenario: str, body: dict) -> dict:
    """A new pending change request. ``body``: kind, practice (ODS), network (join/move target), reason,
    effective_date; the 'from' network of a leave/move is the practice's membership on that date."""
    scen = _scenario(conn, scenario)
    if scen.get("status", "baseline") != "baseline":
        raise Conflict(
            f"Scenario '{scen['slug']}' is a {scen['status']} plan: edit it directly; "
            "change requests are for baselines."
        )
    kind = body.get("kind")
    if kind not in KINDS:
        raise InvalidParameter("kind", f"'kind' must be one of {', '.join(KINDS)}.", allowed=list(KINDS))
    reason = str(body.get("reason") or "").strip()
    if not reason:
        raise InvalidParameter("reason", "Give a reason for the change (it is shown to the approver).")
    if len(reason) > MAX_REASON:
        raise InvalidParameter("reason", f"'reason' is at most {MAX_REASON:,} characters.")
    day = _date(body.get("effective_date"))
    code = str(body.get("practice") or "")
    practice = repo.practice(conn, scen["id"], code)
    if practice is None:
        raise InvalidParameter("practice", f"No practice with ODS code '{code}'.")
    target = None
    if kind in ("join", "move"):
        net_code = str(body.get("network") or "")
        target = repo.network(conn, scen["id"], net_code)
        if target is None:
            raise InvalidParameter("network", f"No network '{net_code}' in scenario '{scen['slug']}'.")
    elif body.get("network"):
        raise InvalidParameter("network", "A 'leave' names no target network.")
    current = repo.memberships_on(conn, scen["id"], practice["id"], day)
    source = next((m for m in current if not m["starts_later"]), None)
    if kind in ("leave", "move") and source is None:
        raise Conflict(f"Practice {practice['ods_code']} is in no network on {day.isoformat()}: nothing to leave.")
    if kind == "move" and source["network_id"] == target["id"]:
        raise InvalidParameter("network", f"Practice {practice['ods_code']} is already in network {target['code']}.")
    codes = {practice["commissioner_code"]}
    with conn.cursor() as cur:
        ids = [i for i in (source and source["network_id"], target and target["id"]) if i]
        cur.execute("SELECT lead_commissioner_code FROM networks WHERE id = ANY(%(i)s)", {"i": ids})
        codes |= {r[0] for r in cur.fetchall()}
    codes.discard(None)
    if not actor.has_role("editor") or any(not actor.has_role("editor", c) for c in codes):
        raise Forbidden(f"{actor.username} may not propose changes for commissioner(s) {', '.join(sorted(codes))}.")
    new_id = repo.insert(
        conn,
        {
            "scenario_id": scen["id"],
            "practice_id": practice["id"],
            "kind": kind,
            "from_network_id": source["network_id"] if kind in ("leave", "move") else None,
            "to_network_id": target["id"] if target else None,
            "effective_date": day,
            "reason": reason,
            "commissioner_codes": sorted(codes),
            "proposed_by": actor.id,
        },
    )
    req = repo.get(conn, new_id)
    _check_memberships(conn, req)
    shown = public(req)
    audit.record(
        conn,
        actor,
        "change_request.propose",
        "change_request",
        new_id,
        None,
        shown,
        scenario_id=scen["id"],
        practice_id=practice["id"],
        network_id=req["to_network_id"] or req["from_network_id"],
    )
    return shown


def get(conn, request_id: int, lock: bool = False) -> dict:
    row = repo.get(conn, request_id, lock=lock)
    if row is None:
        raise NotFound(f"No change request {request_id}.", parameter="request")
    return row


def listing(conn, scenario: str, status: str | None = "pending") -> list[dict]:
    scen = _scenario(conn, scenario)
    if status is not None and status not in STATUSES:
        raise InvalidParameter("status", f"'status' must be one of {', '.join(STATUSES)} or 'all'.")
    return [public(r) for r in repo.listing(conn, scen["id"], status)]


def decide(conn, actor: Actor, request_id: int, decision: str, comment: str, version: int | None) -> dict:
    """Approve or reject a pending request (an approver for every commissioner involved). Approval applies the
    membership change, dated, at once."""
    if decision not in ("approve", "reject"):
        raise InvalidParameter("decision", "'decision' must be 'approve' or 'reject'.", allowed=["approve", "reject"])
    comment = (comment or "").strip()
    if decision == "reject" and not comment:
        raise InvalidParameter("comment", "Say why the change is rejected (the proposer sees the comment).")
    req = get(conn, request_id, lock=True)
    codes = list(req["commissioner_codes"]) or ["*"]  # no known commissioner: an approver for everywhere
    missing = [c for c in codes if not actor.may_approve(c)]
    if missing:
        who = ", ".join(missing) or "this area"
        raise Forbidden(f"{actor.username} is not an approver for {who}.")
    if decision == "approve" and actor.id is not None and req.get("proposed_by") == actor.id:
        raise Forbidden("Nobody approves their own change request: ask another approver for its commissioners.")
    if version is not None and version != req["version"]:
        raise PreconditionFailed(
            f"Change request {request_id} changed since you read it (version {version}, now {req['version']}).",
            current=public(req),
        )
    if req["status"] != "pending":
        raise Conflict(f"Change request {request_id} was already {req['status']}.")
    before = public(req)
    if decision == "approve":
        day = req["effective_date"]
        for m in _check_memberships(conn, req):
            repo.end_membership(conn, m["id"], day - timedelta(days=1))
            audit.record(
                conn,
                actor,
                "membership.end",
                "membership",
                m["id"],
                {"end_date": m["end_date"]},
                {"end_date": day - timedelta(days=1)},
                scenario_id=req["scenario_id"],
                network_id=m["network_id"],
                practice_id=req["practice_id"],
            )
        if req["to_network_id"]:
            mid = repo.start_membership(
                conn,
                req["scenario_id"],
                req["to_network_id"],
                req["practice_id"],
                day,
                req["practice_name"],
                req["practice_commissioner"],
            )
            audit.record(
                conn,
                actor,
                "membership.start",
                "membership",
                mid,
                None,
                {"network": req["to_network_code"], "practice": req["ods_code"], "start_date": day},
                scenario_id=req["scenario_id"],
                network_id=req["to_network_id"],
                practice_id=req["practice_id"],
            )
    repo.decide(conn, request_id, "approved" if decision == "approve" else "rejected", actor.id, comment)
    after = public(get(conn, request_id))
    audit.record(
        conn,
        actor,
        f"change_request.{decision}",
        "change_request",
        request_id,
        before,
        after,
        scenario_id=req["scenario_id"],
        practice_id=req["practice_id"],
        network_id=req["to_network_id"] or req["from_network_id"],
    )
    return after


def pending_sentences(conn, scenario: str) -> dict[str, str]:
    """Practice ODS code → its pending change request(s) in one plain sentence each, for the map's popups."""
    from geo_service.analysis import wording

    def net(n):
        return wording.named(n["code"], n["name"]) if n else "no network"

    out: dict[str, list[str]] = {}
    for r in listing(conn, scenario, "pending"):
        practice = r["practice"]
        what = {
            "join": f"joins {net(r['to_network'])}",
            "leave": f"leaves {net(r['from_network'])}",
            "move": f"moves from {net(r['from_network'])} to {net(r['to_network'])}",
        }[r["kind"]]
        who = f", proposed by {r['proposed_by']}" if r["proposed_by"] else ""
        out.setdefault(practice["code"], []).append(
            f"Change request {r['id']} awaits approval: {what} from {wording.day(r['effective_date'])}{who}."
        )
    return {code: " ".join(texts) for code, texts in out.items()}

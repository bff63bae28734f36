"""Applying an edit to a plan: checked (version, draft, locks), written, logged for undo, measured (the delta)
and audited, all in the caller's transaction, so it stands or falls whole.

Every edit is refused as a whole (nothing written) when the plan's version is not the one the writer last saw
(:class:`~geo_service.plans.concurrency.VersionMismatch`), when it touches a locked network (409), or when its
input is wrong (400); and it answers with the *delta* (:mod:`geo_service.plans.deltas`). Edits are kept in the
edit log per plan and editing session: see :mod:`geo_service.plans.undo`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from geo_service.access import audit
from geo_service.db.repositories import plan_edits
from geo_service.db.repositories import plans as repo
from geo_service.errors import InvalidParameter
from geo_service.plans.commands import Edit, command
from geo_service.plans.concurrency import Expected, bump, check_version
from geo_service.plans.deltas import delta, snapshot
from geo_service.plans.lifecycle import check_editable
from geo_service.plans.locks import refuse_locked
from geo_service.plans.operations import apply_ops, touched, touched_practices
from geo_service.plans.records import describe, etag, network_id
from geo_service.plans.rights import plan_for_write
from geo_service.scope import resolve_scope

SESSION_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Editor:
    """Who makes an edit: the user id (None for the admin token) and the session it belongs to."""

    user_id: int | None
    session: str = "default"


def parse_session(raw: str | None) -> str:
    """An editing session's name (undo and redo are per session); 'default' when none is given."""
    if raw is None or raw == "":
        return "default"
    if not SESSION_RE.match(raw):
        raise InvalidParameter("session", "The editing session must be 1–64 letters, digits, '-' or '_'.")
    return raw


def apply_edit(
    conn, plan: dict, editor: Editor, expected: Expected, change: Edit, kind: str, log_it: bool = True
) -> tuple[dict, dict]:
    """Check, apply and (``log_it``) log one edit; measure the delta. Returns (the answer, the audit trail: the
    versions and operations before → after and the networks touched) for :func:`record_edit`."""
    version = check_version(plan, expected)
    check_editable(plan)
    refuse_locked(conn, plan, change.forward + change.inverse)
    codes = sorted(touched(change.forward) | touched(change.inverse))
    pids = touched_practices(change.forward)
    scope = resolve_scope(conn, plan["slug"])
    before = snapshot(conn, plan, scope, codes, pids, cached=True)
    new_version = bump(conn, plan, version)
    apply_ops(conn, plan, change.forward)
    edit_id = (
        plan_edits.insert_edit(
            conn, plan["id"], editor.session, editor.user_id, kind, change.summary, change.forward, change.inverse
        )
        if log_it
        else None
    )
    after = snapshot(conn, plan, scope, codes, pids, cached=False)
    fresh = repo.plan_by_id(conn, plan["id"])
    out = {
        "edit": {"id": edit_id, "kind": kind, "summary": change.summary},
        "plan": describe(fresh),
        "version": new_version,
        "etag": etag(fresh),
        "delta": delta(conn, plan, before, after, codes, pids),
        "undo": plan_edits.edit_counts(conn, plan["id"], editor.session),
    }
    trail = {
        "before": {"version": version, "ops": change.inverse},
        "after": {"version": new_version, "ops": change.forward},
        "networks": codes,
    }
    return out, trail


def record_edit(conn, actor, plan: dict, out: dict, trail: dict, action: str, **after: object) -> dict:
    """The audit row of an applied edit (before → after, the delta, ``after``'s extra facts; pointing at the first
    network it touched). Answers ``out``."""
    first = network_id(conn, plan, trail["networks"][0]) if trail["networks"] else None
    state = {**trail["after"], **after, "delta": out["delta"]}
    sid = plan["id"]
    audit.record(conn, actor, action, "scenario", sid, trail["before"], state, scenario_id=sid, network_id=first)
    return out


def edit(conn, actor, slug: str, kind: str, body: dict, expected: Expected, session: str = "default") -> dict:
    """Use case: one edit of a draft plan (a kind of :data:`~geo_service.plans.commands.EDIT_KINDS`) by one of
    its writers, with its delta; undoable in ``session``."""
    plan = plan_for_write(conn, actor, slug)
    if not isinstance(body, dict):
        raise InvalidParameter("body", "Send a JSON object.")
    check_version(plan, expected)
    check_editable(plan)
    change = command(conn, plan, kind).build(body)
    out, trail = apply_edit(conn, plan, Editor(actor.id, session), expected, change, kind)
    return record_edit(conn, actor, plan, out, trail, f"plan.edit.{kind}")

"""Undo and redo, per plan and editing session: undo applies the inverse operations of the session's latest edit,
redo the forward operations of the edit undone last. Either is checked, measured and audited like an edit (and
refused whole when it would touch a locked network)."""

from __future__ import annotations

from geo_service.db.repositories import plan_edits
from geo_service.errors import Conflict
from geo_service.plans.commands import Edit
from geo_service.plans.concurrency import Expected, check_version
from geo_service.plans.editing import Editor, apply_edit, record_edit
from geo_service.plans.rights import plan_for_write


def undo(conn, actor, slug: str, expected: Expected, session: str = "default", redo: bool = False) -> dict:
    """Use case: undo the session's latest edit (apply its inverse), or (``redo``) redo the one undone last."""
    plan = plan_for_write(conn, actor, slug)
    check_version(plan, expected)
    row = plan_edits.last_edit(conn, plan["id"], session, "undone" if redo else "done")
    if row is None:
        raise Conflict(f"Nothing to {'redo' if redo else 'undo'} in this editing session.", reason="empty")
    change = Edit(
        ("Redo: " if redo else "Undo: ") + row["summary"],
        row["forward"] if redo else row["inverse"],
        row["inverse"] if redo else row["forward"],
    )
    out, trail = apply_edit(conn, plan, Editor(actor.id, session), expected, change, row["kind"], log_it=False)
    plan_edits.set_edit_state(conn, row["id"], "done" if redo else "undone")
    out["edit"] = {"id": row["id"], "kind": row["kind"], "summary": out["edit"]["summary"]}
    out["undo"] = plan_edits.edit_counts(conn, plan["id"], session)
    return record_edit(conn, actor, plan, out, trail, "plan.redo" if redo else "plan.undo")


def redo(conn, actor, slug: str, expected: Expected, session: str = "default") -> dict:
    """Use case: redo the edit of ``session`` undone last."""
    return undo(conn, actor, slug, expected, session, redo=True)

"""What the editor page offers one viewer of a plan: whether it may be edited, which lifecycle steps (rename,
describe, share, submit, withdraw, archive, approve) this viewer may take, and a sentence saying who can do what
next. The page shows editing controls only when ``editable``; the write use cases check everything again."""

from __future__ import annotations

from geo_service.access.service import actor_by_id
from geo_service.plans import visibility


def _owner_name(conn, plan: dict) -> str:
    owner = actor_by_id(conn, plan["owner_id"]) if plan.get("owner_id") else None
    if owner is None:
        return "an administrator"
    return f"{owner.display_name} ({owner.username})" if owner.display_name else owner.username


def page_state(conn, plan: dict, actor) -> dict:
    """The viewer's rights on ``plan`` and the banner of the editor page (``actor`` None: not signed in)."""
    signed_in = actor is not None
    rights = (
        visibility.status_rights(conn, plan, actor)
        if signed_in
        else {"editor": False, "approver": False, "commissioners": [], "owner": False}
    )
    writer = bool(rights["editor"])
    archived = plan["archived_at"] is not None
    status = plan["status"]
    owner = _owner_name(conn, plan)
    commissioners = ", ".join(c for c in rights["commissioners"] if c != "*") or "every commissioner"
    editable = writer and status == "draft" and not archived
    actions = {
        "rename": writer and status != "approved",
        "submit": writer and status == "draft" and not archived,
        "withdraw": writer and status == "submitted",
        "archive": writer and not archived and status != "submitted",
        "unarchive": writer and archived,
        "approve": bool(rights["approver"]) and status == "submitted",
    }
    if archived:
        banner = f"This plan is archived: it is read-only. {owner} (or someone it is shared with) can unarchive it."
    elif status == "draft":
        banner = (
            "Draft: you can edit it, then submit it for approval."
            if writer
            else f"Draft: only {owner}, the people it is shared with and admins can edit it."
        )
    elif status == "submitted":
        banner = (
            f"Submitted for approval: the plan is read-only. An approver for {commissioners} can approve it; "
            f"{owner} can withdraw it to draft to edit it again."
        )
    else:
        banner = "Approved: the plan is read-only. Copy it into a new plan to propose further changes."
    return {
        "editable": editable,
        "signed_in": signed_in,
        "owner": owner,
        "status": status,
        "archived": archived,
        "actions": actions,
        "banner": banner,
    }

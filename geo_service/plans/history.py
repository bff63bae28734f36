"""A plan's history in sentences: its audit rows (made, renamed, shared, submitted, every edit, undo and redo)
read as "Alice moved HIGH STREET SURGERY (G82076) from A (U1) to B (U2)", names beside codes.

An edit's audit row keeps its operations (``set_members`` with practice ids → network codes, ``create_network``,
``delete_network``, ``rename``, ``geometry``) before → after; the sentences come from those, with the practices'
names from the plan's own state and the networks' names from the row itself (its delta, the attributes of a
network made or removed) or, failing that, the plan as it is now.
"""

from __future__ import annotations

from typing import Any

from geo_service.access import audit
from geo_service.access.service import actor_by_id
from geo_service.analysis.wording import plural
from geo_service.db.repositories import plan_editor
from geo_service.plans.rights import visible_plan

STATUS_WORDS = {
    "submitted": "submitted the plan for approval",
    "draft": "withdrew the plan to draft",
    "approved": "approved the plan",
}
PAGE_SIZE = 50


def _ops(side: Any) -> list[dict]:
    return side.get("ops", []) if isinstance(side, dict) and isinstance(side.get("ops"), list) else []


def _practice_ids(rows: list[dict]) -> set[int]:
    return {
        int(p)
        for r in rows
        for side in (r.get("before"), r.get("after"))
        for op in _ops(side)
        if op.get("op") == "set_members"
        for p in op.get("targets", {})
        if str(p).isdigit()
    }


def _network_names(rows: list[dict], now: dict[str, str]) -> dict[str, str]:
    """Code → name, from the rows themselves (oldest first, so later names win) over the plan's names now."""
    names = dict(now)
    for r in reversed(rows):
        for side in (r.get("before"), r.get("after")):
            if not isinstance(side, dict):
                continue
            for n in (side.get("delta") or {}).get("networks", []):
                if n.get("name"):
                    names.setdefault(n["code"], n["name"])
            for op in _ops(side):
                attrs = op.get("attrs") or {}
                if attrs.get("code") and attrs.get("name"):
                    names.setdefault(attrs["code"], attrs["name"])
    return names


class Sentences:
    """Turns one plan's audit rows into sentences (names looked up once for all rows)."""

    def __init__(self, conn, plan: dict, rows: list[dict]) -> None:
        self.practices = plan_editor.practice_names(conn, plan["id"], sorted(_practice_ids(rows)))
        codes = sorted(plan_editor_codes(rows))
        self.networks = _network_names(rows, plan_editor.network_names(conn, plan["id"], codes))

    def network(self, code: str) -> str:
        name = self.networks.get(code)
        return f"{name} ({code})" if name else code

    def networks_of(self, codes: list[str]) -> str:
        return " and ".join(self.network(c) for c in codes) if codes else "no network"

    def practice(self, pid: str) -> str:
        p = self.practices.get(int(pid)) if str(pid).isdigit() else None
        return f"{p['name']} ({p['code']})" if p else f"practice #{pid}"

    def memberships(self, before: dict, after: dict) -> list[str]:
        """One clause per practice whose networks changed."""
        out = []
        for pid, new in after.get("targets", {}).items():
            old = before.get("targets", {}).get(pid, [])
            if sorted(old) == sorted(new):
                continue
            who = self.practice(pid)
            if old and new:
                out.append(f"moved {who} from {self.networks_of(old)} to {self.networks_of(new)}")
            elif new:
                out.append(f"added {who} to {self.networks_of(new)}")
            else:
                out.append(f"took {who} out of {self.networks_of(old)}")
        return out

    def edit(self, row: dict) -> str:
        before_ops, after_ops = _ops(row.get("before")), _ops(row.get("after"))
        before_members = next((o for o in before_ops if o.get("op") == "set_members"), {})
        clauses: list[str] = []
        for op in after_ops:
            kind = op.get("op")
            if kind == "set_members":
                clauses += self.memberships(before_members, op)
            elif kind == "create_network":
                clauses.append(f"created the network {self.network(op['attrs']['code'])}")
            elif kind == "delete_network":
                clauses.append(f"removed the network {self.network(op['attrs']['code'])}")
            elif kind == "rename":
                old = next((o.get("name") for o in before_ops if o.get("op") == "rename"), None)
                clauses.append(f"renamed {op['code']} " + (f"from {old} " if old else "") + f"to {op.get('name')}")
            elif kind == "geometry":
                origin = {"drawn": "drew", "uploaded": "uploaded", "derived": "derived"}.get(op.get("origin"), "set")
                verb = "removed the polygon of" if op.get("geom") is None else f"{origin} the polygon of"
                clauses.append(f"{verb} {self.network(op['code'])}")
        if len(clauses) > 6:
            clauses = clauses[:5] + [f"made {plural(len(clauses) - 5, 'more change')}"]
        return "; ".join(clauses) or "made an edit that changed nothing"

    def sentence(self, row: dict) -> str:
        action = row["action"]
        before, after = row.get("before") or {}, row.get("after") or {}
        if action == "plan.create":
            copied = after.get("copied") or {}
            source = after.get("copied_from")
            text = "created the plan"
            if source:
                text += f" as a copy of {source}"
                if after.get("copied_area"):
                    text += f" in {after['copied_area']}"
                text += (
                    f" ({plural(copied.get('networks', 0), 'network')}, "
                    f"{plural(copied.get('memberships', 0), 'membership')})"
                )
            return text
        if action == "plan.update":
            parts = []
            if before.get("name") != after.get("name"):
                parts.append(f"renamed the plan from “{before.get('name')}” to “{after.get('name')}”")
            if before.get("description") != after.get("description"):
                parts.append("changed its description")
            if before.get("visibility") != after.get("visibility"):
                parts.append(f"made it {after.get('visibility')}")
            if before.get("archived") != after.get("archived"):
                parts.append("archived it" if after.get("archived") else "unarchived it")
            return "; ".join(parts) or "saved the plan's details unchanged"
        if action.startswith("plan.status."):
            return STATUS_WORDS.get(action.rsplit(".", 1)[1], f"moved the plan to {action.rsplit('.', 1)[1]}")
        if action in ("plan.share", "plan.unshare"):
            old, new = set(before.get("shared_with") or []), set(after.get("shared_with") or [])
            who = ", ".join(sorted(new - old if action == "plan.share" else old - new)) or "nobody new"
            return f"shared the plan with {who}" if action == "plan.share" else f"stopped sharing the plan with {who}"
        if action in ("network.lock", "network.unlock"):
            code = after.get("code") or before.get("code") or ""
            return ("locked " if action == "network.lock" else "unlocked ") + (
                self.network(code) if code else "a network"
            )
        if action == "plan.polygons.derive":
            return "derived every network's polygon from its members"
        if action == "plan.polygons.upload":
            name = (after.get("file") or {}).get("name")
            return self.edit(row) + (f" (from the file {name})" if name else "")
        if action == "plan.undo":
            return "undid an edit: " + self.edit(row)
        if action == "plan.redo":
            return "redid an edit: " + self.edit(row)
        if action.startswith("plan.edit.") or action.startswith("suggest"):
            return self.edit(row)
        return f"made a change ({action})"


def plan_editor_codes(rows: list[dict]) -> set[str]:
    """Every network code the rows' operations name."""
    codes: set[str] = set()
    for r in rows:
        for side in (r.get("before"), r.get("after")):
            for op in _ops(side):
                if op.get("op") == "set_members":
                    for cs in op.get("targets", {}).values():
                        codes.update(cs)
                elif op.get("code"):
                    codes.add(op["code"])
                elif (op.get("attrs") or {}).get("code"):
                    codes.add(op["attrs"]["code"])
    return codes


def _who(person, username: str | None) -> str:
    """The display name of who wrote a row (their username when they have none or are gone)."""
    if person is not None and person.display_name:
        return person.display_name
    return username or "someone"


def plan_history(conn, actor, slug: str, page: int = 1) -> dict:
    """Use case: one page of a plan's history (newest first) as sentences, for whoever may see the plan."""
    plan = visible_plan(conn, actor, slug)
    rows, total = audit.entries(
        conn, "scenario", plan["id"], page, PAGE_SIZE, hidden_kinds=audit.hidden_kinds_for(actor)
    )
    words = Sentences(conn, plan, rows)
    people = {i: actor_by_id(conn, i) for i in {r.get("actor_id") for r in rows} if i is not None}
    entries = [
        {
            "id": r["id"],
            "at": r["at"],
            "who": _who(people.get(r.get("actor_id")), r.get("actor_name")),
            "action": r["action"],
            "sentence": words.sentence(r),
        }
        for r in rows
    ]
    return {"plan": plan, "entries": entries, "page": page, "pages": max(1, -(-total // PAGE_SIZE)), "total": total}

"""Edits as commands: one small class per kind of edit a planner makes (assign, unassign, create, rename, merge,
split, dissolve, geometry), each reading and checking its body (:meth:`Command.validate`), then turning it into
primitive operations and their inverse (:meth:`Command.operations`, see :mod:`geo_service.plans.operations`).

:data:`EDIT_KINDS` is the registry the API and its documentation iterate; each command's ``fields`` describe the
body it reads (name, type, required), so the body schema of each kind can be checked against it. Adding an edit
is one class here and its entry in the registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from geo_service.analysis.wording import plural
from geo_service.db.repositories import plan_editor, plan_networks
from geo_service.db.repositories import plans as repo
from geo_service.errors import Conflict, InvalidParameter, NotFound
from geo_service.plans.fields import Field, network_code, practice_codes, text
from geo_service.plans.operations import (
    checked_polygon,
    current_geometry_op,
    geometry_op,
    network_attrs,
    new_network_attrs,
    set_members_op,
)


@dataclass(frozen=True)
class Edit:
    """What an edit does: a one-line summary, the operations, and the operations that undo them."""

    summary: str
    forward: list[dict]
    inverse: list[dict]


def _network_field(name: str = "network", description: str = "Code of the plan's network to change.") -> Field:
    return Field(name, "string", True, description, max_length=32)


def _practices_field(required: bool = True, description: str = "Practice ODS codes (one code alone will do).") -> Field:
    return Field("practices", "array", required, description, items="string")


class Command:
    """One kind of edit of one plan. ``validate`` reads the body and refuses it (400, 404, 409) naming the field;
    ``operations`` turns what it checked into an :class:`Edit`. Neither writes anything."""

    kind: ClassVar[str]
    fields: ClassVar[tuple[Field, ...]]

    def __init__(self, conn, plan: dict) -> None:
        self.conn = conn
        self.plan = plan

    def validate(self, body: dict) -> Any:
        raise NotImplementedError

    def operations(self, checked: Any) -> Edit:
        raise NotImplementedError

    def build(self, body: dict) -> Edit:
        return self.operations(self.validate(body))

    # ---- look-ups the commands share ----

    def existing(self, code: str, name: str = "network") -> dict:
        """The plan's network ``code``; 404 naming the field when there is none."""
        net = plan_networks.network(self.conn, self.plan["id"], code)
        if net is None:
            raise NotFound(f"Plan '{self.plan['slug']}' has no network '{code}'.", parameter=name)
        return net

    def unused(self, code: str, name: str) -> None:
        """409 when the plan already has a network ``code``."""
        if plan_networks.network(self.conn, self.plan["id"], code) is not None:
            raise Conflict(f"Plan '{self.plan['slug']}' already has a network '{code}'.", parameter=name)

    def practices(self, codes: list[str], name: str = "practices") -> dict[str, int]:
        """ODS code → practice id, for practices of the plan's register; 400 naming the others."""
        ids = repo.practice_ids(self.conn, self.plan["id"], codes)
        missing = [c for c in codes if c not in ids]
        if missing:
            raise InvalidParameter(
                name,
                f"Not practices of this plan's register: {', '.join(missing[:10])}"
                + (f" and {len(missing) - 10:,} more" if len(missing) > 10 else "")
                + ".",
            )
        return ids

    # ---- names for the summaries (names beside codes; plurals right) ----

    def network_label(self, code: str, name: str | None = None) -> str:
        """ "SOUTH MAIDSTONE PCN (U92034)"; the code alone for a network without a name."""
        if name is None:
            name = plan_editor.network_names(self.conn, self.plan["id"], [code]).get(code)
        return f"{name} ({code})" if name else code

    def practices_label(self, ids: dict[str, int], limit: int = 3) -> str:
        """ "1 practice (HIGH STREET SURGERY, G82076)", or a count with the first names."""
        names = plan_editor.practice_names(self.conn, self.plan["id"], list(ids.values()))
        shown = sorted(f"{n['name']}, {n['code']}" for n in names.values())
        head = plural(len(ids), "practice")
        if not shown:
            return head
        more = f" and {len(shown) - limit:,} more" if len(shown) > limit else ""
        return f"{head} ({'; '.join(shown[:limit])}{more})"

    def current_networks(self, practice_ids: list[int]) -> dict[int, list[str]]:
        return repo.current_networks(self.conn, self.plan["id"], self.plan["as_of"], practice_ids)

    def members_of(self, code: str) -> list[int]:
        return repo.members_of(self.conn, self.plan["id"], self.plan["as_of"], code)


class Assign(Command):
    """Make practices members of one network (and of no other)."""

    kind = "assign"
    fields = (_network_field(description="Code of the network to assign them to."), _practices_field())

    def validate(self, body: dict) -> tuple[str, dict[str, int]]:
        code = network_code(body, "network")
        self.existing(code)
        return code, self.practices(practice_codes(body, "practices"))

    def operations(self, checked: tuple[str, dict[str, int]]) -> Edit:
        code, ids = checked
        before = self.current_networks(list(ids.values()))
        fwd, inv = set_members_op(before, {pid: [code] for pid in ids.values()})
        return Edit(f"Assign {self.practices_label(ids)} to {self.network_label(code)}", [fwd], [inv])


class Unassign(Command):
    """Take practices out of every network."""

    kind = "unassign"
    fields = (_practices_field(),)

    def validate(self, body: dict) -> dict[str, int]:
        return self.practices(practice_codes(body, "practices"))

    def operations(self, checked: dict[str, int]) -> Edit:
        before = self.current_networks(list(checked.values()))
        fwd, inv = set_members_op(before, {pid: [] for pid in checked.values()})
        return Edit(f"Unassign {self.practices_label(checked)}", [fwd], [inv])


class Create(Command):
    """A new network, empty or with practices moved into it."""

    kind = "create"
    fields = (
        Field("code", "string", True, "Code of the new network (unused in the plan).", max_length=32),
        Field("name", "string", True, "Name of the new network.", max_length=200),
        Field("lead", "string", False, "ODS code of its lead commissioner.", max_length=10),
        _practices_field(False, "Practice ODS codes to move into it."),
    )

    def validate(self, body: dict) -> tuple[dict, dict[str, int] | None]:
        code = network_code(body, "code")
        self.unused(code, "code")
        attrs = new_network_attrs(code, text(body, "name", required=True), text(body, "lead", limit=10))
        ids = self.practices(practice_codes(body, "practices")) if body.get("practices") else None
        return attrs, ids

    def operations(self, checked: tuple[dict, dict[str, int] | None]) -> Edit:
        attrs, ids = checked
        fwd = [{"op": "create_network", "attrs": attrs}]
        inv = [{"op": "delete_network", "attrs": attrs}]
        if ids:
            before = self.current_networks(list(ids.values()))
            f2, i2 = set_members_op(before, {pid: [attrs["code"]] for pid in ids.values()})
            fwd.append(f2)
            inv.insert(0, i2)
        summary = f"Create network {self.network_label(attrs['code'], attrs['name'])}"
        if ids:
            summary += f" with {self.practices_label(ids)}"
        return Edit(summary, fwd, inv)


class Rename(Command):
    """Give a network a new name (its code stays)."""

    kind = "rename"
    fields = (_network_field(), Field("name", "string", True, "The network's new name.", max_length=200))

    def validate(self, body: dict) -> tuple[str, str, str]:
        code = network_code(body, "network")
        net = self.existing(code)
        return code, net["name"], text(body, "name", required=True)

    def operations(self, checked: tuple[str, str, str]) -> Edit:
        code, old, new = checked
        return Edit(
            f"Rename {self.network_label(code, old)} to {new}",
            [{"op": "rename", "code": code, "name": new}],
            [{"op": "rename", "code": code, "name": old}],
        )


class Dissolve(Command):
    """Remove a network; its members keep their other networks (if any)."""

    kind = "dissolve"
    fields = (_network_field(description="Code of the network to dissolve."),)

    def validate(self, body: dict) -> dict:
        return self.existing(network_code(body, "network"))

    def members_after(self, net: dict, before: dict[int, list[str]], members: list[int]) -> dict[int, list[str]]:
        return {p: [c for c in before[p] if c != net["code"]] for p in members}

    def summary(self, net: dict) -> str:
        return f"Dissolve {self.network_label(net['code'], net['name'])}"

    def operations(self, checked: dict) -> Edit:
        members = self.members_of(checked["code"])
        before = self.current_networks(members)
        fwd, inv = set_members_op(before, self.members_after(checked, before, members))
        attrs = network_attrs(checked)
        return Edit(
            self.summary(checked),
            [fwd, {"op": "delete_network", "attrs": attrs}],
            [{"op": "create_network", "attrs": attrs}, inv],
        )


class Merge(Dissolve):
    """Move every member of a network into another, and remove it."""

    kind = "merge"
    fields = (
        _network_field(description="Code of the network to merge (it goes)."),
        _network_field("into", "Code of the network that receives its members."),
    )

    def validate(self, body: dict) -> dict:
        net = super().validate(body)
        into = network_code(body, "into")
        if into == net["code"]:
            raise InvalidParameter("into", "A network cannot be merged into itself.")
        self.existing(into, "into")
        return {**net, "into": into}

    def members_after(self, net: dict, before: dict[int, list[str]], members: list[int]) -> dict[int, list[str]]:
        return {p: sorted({c for c in before[p] if c != net["code"]} | {net["into"]}) for p in members}

    def summary(self, net: dict) -> str:
        return f"Merge {self.network_label(net['code'], net['name'])} into {self.network_label(net['into'])}"


class Split(Command):
    """Move some members of a network into a new network (same lead commissioner)."""

    kind = "split"
    fields = (
        _network_field(description="Code of the network to split."),
        Field("new_code", "string", True, "Code of the new network (unused in the plan).", max_length=32),
        _practices_field(description="ODS codes of its current members that move to the new network."),
        Field("new_name", "string", True, "Name of the new network.", max_length=200),
    )

    def validate(self, body: dict) -> tuple[str, dict[str, int], dict]:
        code = network_code(body, "network")
        self.existing(code)
        new_code = network_code(body, "new_code")
        self.unused(new_code, "new_code")
        ids = self.practices(practice_codes(body, "practices"))
        members = set(self.members_of(code))
        outside = [c for c, p in ids.items() if p not in members]
        if outside:
            raise InvalidParameter("practices", f"Not current members of {code}: {', '.join(outside[:10])}.")
        net = self.existing(code)
        attrs = new_network_attrs(new_code, text(body, "new_name", required=True), net["lead_commissioner_code"])
        return code, ids, attrs

    def operations(self, checked: tuple[str, dict[str, int], dict]) -> Edit:
        code, ids, attrs = checked
        before = self.current_networks(list(ids.values()))
        after = {p: sorted({c for c in before[p] if c != code} | {attrs["code"]}) for p in ids.values()}
        fwd, inv = set_members_op(before, after)
        return Edit(
            f"Split {self.practices_label(ids)} from {self.network_label(code)} into "
            f"{self.network_label(attrs['code'], attrs['name'])}",
            [{"op": "create_network", "attrs": attrs}, fwd],
            [inv, {"op": "delete_network", "attrs": attrs}],
        )


class Geometry(Command):
    """Give a network a polygon (drawn, uploaded or derived), made valid when needed."""

    kind = "geometry"
    ORIGINS = ("drawn", "uploaded", "derived")
    fields = (
        _network_field(),
        Field("geometry", "object", True, "GeoJSON Polygon or MultiPolygon (longitude, latitude; EPSG:4326)."),
        Field("origin", "string", False, "Where the polygon came from (default drawn).", enum=ORIGINS),
    )

    def validate(self, body: dict) -> tuple[dict, str, str, str]:
        net = self.existing(network_code(body, "network"))
        geom, report = checked_polygon(self.conn, body.get("geometry"), "geometry")
        origin = body.get("origin", "drawn")
        if origin not in self.ORIGINS:
            raise InvalidParameter("origin", "'origin' must be drawn, uploaded or derived.")
        return net, geom, report, origin

    def operations(self, checked: tuple[dict, str, str, str]) -> Edit:
        net, geom, report, origin = checked
        return Edit(
            f"Polygon of {self.network_label(net['code'], net['name'])} ({report})",
            [geometry_op(net["code"], geom, report != "valid", origin)],
            [current_geometry_op(net)],
        )


# The registry of edit kinds, in the order the API documents them.
EDIT_KINDS: dict[str, type[Command]] = {
    c.kind: c for c in (Assign, Unassign, Create, Rename, Merge, Split, Dissolve, Geometry)
}


def command(conn, plan: dict, kind: str) -> Command:
    """The command for ``kind`` on ``plan``; 400 naming the kinds there are."""
    cls = EDIT_KINDS.get(kind)
    if cls is None:
        raise InvalidParameter("edit", f"Unknown edit '{kind}'.", allowed=sorted(EDIT_KINDS))
    return cls(conn, plan)


def body_fields(kind: str) -> tuple[Field, ...]:
    """The body fields an edit of ``kind`` reads (KeyError for an unknown kind)."""
    return EDIT_KINDS[kind].fields

"""The primitive operations every edit is made of, and their application to a plan.

An edit is a list of operations on networks named by code, with its inverse: ``set_members`` (practice id →
the network codes it is to be a current member of), ``create_network`` / ``delete_network`` (with the network's
attributes), ``rename`` and ``geometry``. They are kept as JSON in the edit log, so undo applies the inverse and
redo the forward list again.
"""

from __future__ import annotations

import json
from typing import Any

from geo_service.db.repositories import plan_networks
from geo_service.db.repositories import plans as repo
from geo_service.errors import InvalidParameter


def set_members_op(before: dict[int, list[str]], after: dict[int, list[str]]) -> tuple[dict, dict]:
    """(forward, inverse) ``set_members`` ops moving the practices of ``after`` from ``before`` to ``after``."""
    return (
        {"op": "set_members", "targets": {str(p): after[p] for p in after}},
        {"op": "set_members", "targets": {str(p): before.get(p, []) for p in after}},
    )


def network_attrs(net: dict) -> dict:
    """The attributes ``create_network`` needs to bring back a network row as it is."""
    return {
        "code": net["code"],
        "name": net["name"],
        "lead": net["lead_commissioner_code"],
        "geom": net.get("geom_ewkb"),
        "made_valid": net["geom_made_valid"],
        "origin": net["geom_origin"],
        "locked_at": net["locked_at"].isoformat() if net.get("locked_at") else None,
        "lock_reason": net.get("lock_reason"),
    }


def new_network_attrs(code: str, name: str | None, lead: str | None) -> dict:
    """The attributes of a new network: no polygon, not locked."""
    return {
        "code": code,
        "name": name,
        "lead": lead,
        "geom": None,
        "made_valid": False,
        "origin": None,
        "locked_at": None,
        "lock_reason": None,
    }


def geometry_op(code: str, geom: str | None, made_valid: bool, origin: str | None) -> dict:
    return {"op": "geometry", "code": code, "geom": geom, "made_valid": made_valid, "origin": origin}


def current_geometry_op(net: dict) -> dict:
    """The ``geometry`` op that puts back a network's polygon as it is (its inverse)."""
    return geometry_op(net["code"], net.get("geom_ewkb"), net["geom_made_valid"], net["geom_origin"])


def touched(ops: list[dict]) -> set[str]:
    """Codes of the networks the operations change (for locks, deltas and the audit row)."""
    codes: set[str] = set()
    for op in ops:
        if op["op"] == "set_members":
            for cs in op["targets"].values():
                codes.update(cs)
        elif op["op"] in ("create_network", "delete_network"):
            codes.add(op["attrs"]["code"])
        else:
            codes.add(op["code"])
    return codes


def touched_practices(ops: list[dict]) -> list[int]:
    """Ids of the practices whose memberships the operations set."""
    return sorted({int(p) for op in ops if op["op"] == "set_members" for p in op["targets"]})


def apply_ops(conn, plan: dict, ops: list[dict]) -> None:
    """Write the operations, in order, in the caller's transaction."""
    sid, as_of = plan["id"], plan["as_of"]
    for op in ops:
        kind = op["op"]
        if kind == "set_members":
            repo.set_practice_networks(conn, sid, as_of, {int(p): cs for p, cs in op["targets"].items()})
        elif kind == "create_network":
            plan_networks.insert_network(conn, sid, op["attrs"])
        elif kind == "delete_network":
            plan_networks.delete_network(conn, sid, op["attrs"]["code"])
        elif kind == "rename":
            plan_networks.rename_network(conn, sid, op["code"], op["name"])
        elif kind == "geometry":
            plan_networks.set_geometry(conn, sid, op["code"], op["geom"], bool(op["made_valid"]), op["origin"])
        else:  # pragma: no cover - ops are built here only
            raise ValueError(kind)


def checked_polygon(conn, geometry: Any, name: str) -> tuple[str, str]:
    """(EWKB hex of a valid MultiPolygon in EPSG:4326, 'valid' or 'made valid: <reason>'), or the refusal."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidParameter(name, f"'{name}' must be a GeoJSON Polygon or MultiPolygon (longitude, latitude).")
    coords = json.dumps(geometry)
    try:
        checked = plan_networks.checked_geometry(conn, coords)
    except ValueError as exc:
        raise InvalidParameter(name, f"'{name}' is not readable GeoJSON: {exc}") from None
    if checked["geom"] is None or not checked["area_m2"]:
        raise InvalidParameter(name, f"'{name}' has no area once made valid ({checked['reason']}).")
    return checked["geom"], "valid" if checked["valid"] else f"made valid: {checked['reason']}"

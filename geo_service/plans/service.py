"""Plans: scenarios made and edited in the service. No Flask here: the API, pages and CLI call these.

Every edit is a list of primitive operations on networks named by code (``set_members``, ``create_network``,
``delete_network``, ``rename``, ``geometry``) with its inverse, kept in ``plan_edits`` per plan and editing
session: undo applies the inverse, redo the forward list again. Every edit is refused as a whole (nothing
written) when the plan's version is not the one the client last saw (412), when it touches a locked network
(409), or when its input is wrong (400); and it answers with the *delta*: population before → after and the
flags gained and lost per touched network, from the rule engine re-run on the areas the edit touched.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from geo_service.analysis import parameters
from geo_service.analysis.findings import FINDING_LABELS
from geo_service.analysis.service import _network_findings_from, _practice_findings_from, findings_in, run_checks_in
from geo_service.db.repositories import plans as repo
from geo_service.errors import (
    Conflict,
    Forbidden,
    InvalidParameter,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from geo_service.scope import Scope, parse_date, resolve_scope
from geo_service.slugs import slugify

log = logging.getLogger(__name__)

STATUSES = ("draft", "submitted", "approved", "baseline")
# Status moves a plan may make: (from, to) → who may make it ('editor' or 'approver').
MOVES = {
    ("draft", "submitted"): "editor",
    ("submitted", "draft"): "editor",
    ("submitted", "approved"): "approver",
}
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
SESSION_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_PRACTICES_PER_EDIT = 2000


@dataclass(frozen=True)
class Editor:
    """Who makes an edit: the user id (None for the admin token) and the session it belongs to."""

    user_id: int | None
    session: str = "default"


def etag(plan: dict) -> str:
    """The plan's ETag (the access helpers' format: '"v<version>"')."""
    return f'"v{plan["version"]}"'


def version_from_if_match(plan: dict, if_match: str | None) -> int:
    """The version the client last saw, from ``If-Match``; 428 when missing, 412 when stale or foreign."""
    if not if_match:
        raise PreconditionRequired(
            "Send the plan's ETag in an 'If-Match' header (read it with GET first).", etag=etag(plan)
        )
    from geo_service.conditional import matches

    if matches(if_match, etag(plan)):  # also the tag as compression marked it ("v5:gzip", issue 21)
        return plan["version"]
    raise PreconditionFailed(
        f"The plan has changed since you read it (it is now version {plan['version']}); reload it and try again.",
        etag=etag(plan),
        current=describe(plan),
    )


def describe(plan: dict) -> dict[str, Any]:
    return {
        "slug": plan["slug"],
        "name": plan["name"],
        "description": plan["description"],
        "dataset": plan["dataset"],
        "as_of": plan["as_of"].isoformat(),
        "nation": plan["nation"],
        "status": plan["status"],
        "visibility": plan["visibility"],
        "owner_id": plan["owner_id"],
        "archived": plan["archived_at"] is not None,
        "version": plan["version"],
        "etag": etag(plan),
    }


def get_plan(conn, slug: str) -> dict:
    row = repo.plan(conn, slug)
    if row is None:
        raise NotFound(f"No scenario with slug '{slug}'.", parameter="slug")
    return row


def _editable(plan: dict) -> None:
    if plan["status"] == "baseline":
        raise Conflict(
            f"'{plan['name']}' is a baseline scenario: it changes only through change requests. Copy it into a plan "
            "to edit it.",
            reason="baseline",
        )
    if plan["status"] != "draft":
        raise Conflict(f"'{plan['name']}' is {plan['status']}: only draft plans can be edited.", reason=plan["status"])
    if plan["archived_at"] is not None:
        raise Conflict(f"'{plan['name']}' is archived: unarchive it to edit it.", reason="archived")


def _text(body: dict, name: str, required: bool = False, limit: int = 200) -> str | None:
    raw = body.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise InvalidParameter(name, f"'{name}' is required.")
        return None
    if not isinstance(raw, str):
        raise InvalidParameter(name, f"'{name}' must be text.")
    raw = raw.strip()
    if len(raw) > limit:
        raise InvalidParameter(name, f"'{name}' must be at most {limit} characters, got {len(raw)}.")
    return raw


# ---- creating and changing plans ------------------------------------------------------------------------


def create_plan(conn, body: dict, owner_id: int | None) -> dict:
    """A new draft plan, empty or a copy of ``copy_from`` (its memberships current on its date, its polygons,
    date, dataset, nation, pinned extracts, boundary set and size band)."""
    name = _text(body, "name", required=True)
    description = _text(body, "description", limit=2000)
    visibility = body.get("visibility", "private")
    if visibility not in ("public", "private"):
        raise InvalidParameter(
            "visibility", "'visibility' must be 'public' or 'private'.", allowed=["public", "private"]
        )
    slug = _text(body, "slug", limit=80) or slugify(name)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug or ""):
        raise InvalidParameter("slug", f"'slug' must be lower-case letters, digits and dashes, got '{slug}'.")
    slug_used, name_used = repo.slug_taken(conn, slug, name)
    if slug_used:
        raise Conflict(f"A scenario with slug '{slug}' already exists.", parameter="slug")
    if name_used:
        raise Conflict(f"A scenario named '{name}' already exists.", parameter="name")
    source = None
    if body.get("copy_from"):
        source = get_plan(conn, str(body["copy_from"]))
        values = {
            k: source[k]
            for k in (
                "dataset",
                "nation",
                "register_extract_id",
                "list_size_extract_id",
                "location_extract_id",
                "boundary_set_id",
                "min_population",
                "max_population",
            )
        }
        values["as_of"] = source["as_of"]
        if source["boundary_set_id"] is None:  # keep what the source is judged on as this plan's default
            values["boundary_set_id"] = resolve_scope(conn, source["slug"]).boundary_set["id"]
    else:
        dataset = body.get("dataset", "real")
        if dataset not in ("real", "synthetic"):
            raise InvalidParameter("dataset", "'dataset' must be 'real' or 'synthetic'.", allowed=["real", "synthetic"])
        as_of = parse_date("as_of", body.get("as_of"))
        if as_of is None:
            raise InvalidParameter("as_of", "'as_of' (the plan's date, like 2019-12-04) is required for an empty plan.")
        values = {
            "dataset": dataset,
            "nation": "england",
            "register_extract_id": None,
            "list_size_extract_id": None,
            "location_extract_id": None,
            "boundary_set_id": None,
            "min_population": None,
            "max_population": None,
            "as_of": as_of,
        }
    values.update(
        slug=slug,
        name=name,
        description=description,
        owner_id=owner_id,
        visibility=visibility,
        copied_from=source["id"] if source else None,
    )
    new_id = repo.insert_plan(conn, values)
    copied = (0, 0)
    area_row = None
    if source is not None:
        area = _text(body, "area", limit=12)
        source_scope = resolve_scope(conn, source["slug"], area=area)
        area_row = source_scope.area
        copied = repo.copy_networks_and_memberships(
            conn, source["id"], new_id, source["as_of"], area_row, source_scope.boundary_set["id"]
        )
    plan = repo.plan_by_id(conn, new_id)
    return {
        **describe(plan),
        "copied": {"networks": copied[0], "memberships": copied[1]},
        "copied_from": source["slug"] if source else None,
        "copied_area": area_row["name"] if area_row else None,
    }


def update_plan(conn, plan: dict, body: dict, if_match: str | None) -> tuple[dict, dict]:
    """Rename, describe, change visibility, archive / unarchive. Returns (before, after)."""
    version = version_from_if_match(plan, if_match)
    allowed = {"name", "description", "visibility", "archived"}
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise InvalidParameter(unknown[0], f"Unknown field '{unknown[0]}'.", allowed=sorted(allowed))
    fields: dict[str, Any] = {}
    if "name" in body:
        fields["name"] = _text(body, "name", required=True)
        if fields["name"] != plan["name"] and repo.slug_taken(conn, "-", fields["name"])[1]:
            raise Conflict(f"A scenario named '{fields['name']}' already exists.", parameter="name")
    if "description" in body:
        fields["description"] = _text(body, "description", limit=2000)
    if "visibility" in body:
        if body["visibility"] not in ("public", "private"):
            raise InvalidParameter("visibility", "'visibility' must be 'public' or 'private'.")
        fields["visibility"] = body["visibility"]
    archive = None
    if "archived" in body:
        if not isinstance(body["archived"], bool):
            raise InvalidParameter("archived", "'archived' must be true or false.")
        archive = body["archived"]
    if plan["status"] == "baseline":
        raise Conflict(f"'{plan['name']}' is a baseline scenario: it changes only through change requests.")
    _bump(conn, plan, version)
    repo.update_plan(conn, plan["id"], fields, archive)
    return describe(plan), describe(repo.plan_by_id(conn, plan["id"]))


def move_status(conn, plan: dict, to: str, role_of: dict[str, bool], if_match: str | None) -> tuple[dict, dict]:
    """draft → submitted → approved (or back to draft). ``role_of``: {'editor': bool, 'approver': bool}."""
    version = version_from_if_match(plan, if_match)
    if to not in STATUSES:
        raise InvalidParameter("status", f"Unknown status '{to}'.", allowed=list(STATUSES))
    needed = MOVES.get((plan["status"], to))
    if needed is None:
        raise Conflict(
            f"A plan cannot go from {plan['status']} to {to}.", allowed=[t for (f, t) in MOVES if f == plan["status"]]
        )
    if not role_of.get(needed):
        raise Forbidden(f"Moving a plan from {plan['status']} to {to} needs the {needed} role.")
    _bump(conn, plan, version)
    repo.update_plan(conn, plan["id"], {"status": to})
    return describe(plan), describe(repo.plan_by_id(conn, plan["id"]))


def check_editable(plan: dict) -> None:
    """409 unless the plan is a draft that is not archived (what every edit requires)."""
    _editable(plan)


def bump_version(conn, plan: dict, version: int) -> int:
    """The plan's next version (a write made outside :func:`edit`, e.g. derived polygons)."""
    return _bump(conn, plan, version)


def _bump(conn, plan: dict, version: int) -> int:
    new = repo.bump_version(conn, plan["id"], version)
    if new is None:
        current = repo.plan_by_id(conn, plan["id"])
        raise PreconditionFailed(
            "The plan was changed by someone else meanwhile; reload it and try again.",
            etag=etag(current),
            current=describe(current),
        )
    return new


# ---- edits ----------------------------------------------------------------------------------------------


def _codes(body: dict, name: str) -> list[str]:
    raw = body.get(name)
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise InvalidParameter(name, f"'{name}' must be a list of practice ODS codes.")
    if len(raw) > MAX_PRACTICES_PER_EDIT:
        raise InvalidParameter(name, f"At most {MAX_PRACTICES_PER_EDIT:,} practices per edit, got {len(raw):,}.")
    out = []
    for i, c in enumerate(raw):
        if not isinstance(c, str) or not CODE_RE.match(c.strip()):
            raise InvalidParameter(name, f"'{name}[{i}]' is not a practice ODS code.")
        out.append(c.strip().upper())
    return list(dict.fromkeys(out))


def _network_code(body: dict, name: str) -> str:
    raw = body.get(name)
    if not isinstance(raw, str) or not CODE_RE.match(raw.strip()):
        raise InvalidParameter(name, f"'{name}' must be a network code (letters, digits, '-', '_' or '.').")
    return raw.strip()


def _existing(conn, plan: dict, code: str, name: str = "network") -> dict:
    net = repo.network(conn, plan["id"], code)
    if net is None:
        raise NotFound(f"Plan '{plan['slug']}' has no network '{code}'.", parameter=name)
    return net


def _practices(conn, plan: dict, codes: list[str], name: str = "practices") -> dict[str, int]:
    ids = repo.practice_ids(conn, plan["id"], codes)
    missing = [c for c in codes if c not in ids]
    if missing:
        raise InvalidParameter(
            name,
            f"Not practices of this plan's register: {', '.join(missing[:10])}"
            + (f" and {len(missing) - 10:,} more" if len(missing) > 10 else "")
            + ".",
        )
    return ids


def _network_attrs(net: dict) -> dict:
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


def _set_members_op(before: dict[int, list[str]], after: dict[int, list[str]]) -> tuple[dict, dict]:
    return (
        {"op": "set_members", "targets": {str(p): after[p] for p in after}},
        {"op": "set_members", "targets": {str(p): before.get(p, []) for p in after}},
    )


def build_edit(conn, plan: dict, kind: str, body: dict) -> tuple[str, list[dict], list[dict]]:
    """(summary, forward ops, inverse ops) for one edit request, or InvalidParameter / NotFound."""
    sid, as_of = plan["id"], plan["as_of"]
    if kind == "assign":
        code = _network_code(body, "network")
        _existing(conn, plan, code)
        ids = _practices(conn, plan, _codes(body, "practices"))
        before = repo.current_networks(conn, sid, as_of, list(ids.values()))
        after = {pid: [code] for pid in ids.values()}
        fwd, inv = _set_members_op(before, after)
        return f"Assign {len(ids):,} practice(s) to {code}", [fwd], [inv]
    if kind == "unassign":
        ids = _practices(conn, plan, _codes(body, "practices"))
        before = repo.current_networks(conn, sid, as_of, list(ids.values()))
        fwd, inv = _set_members_op(before, {pid: [] for pid in ids.values()})
        return f"Unassign {len(ids):,} practice(s)", [fwd], [inv]
    if kind == "create":
        code = _network_code(body, "code")
        if repo.network(conn, sid, code) is not None:
            raise Conflict(f"Plan '{plan['slug']}' already has a network '{code}'.", parameter="code")
        attrs = {
            "code": code,
            "name": _text(body, "name", required=True),
            "lead": _text(body, "lead", limit=10),
            "geom": None,
            "made_valid": False,
            "origin": None,
            "locked_at": None,
            "lock_reason": None,
        }
        fwd = [{"op": "create_network", "attrs": attrs}]
        inv = [{"op": "delete_network", "attrs": attrs}]
        if body.get("practices"):
            ids = _practices(conn, plan, _codes(body, "practices"))
            before = repo.current_networks(conn, sid, as_of, list(ids.values()))
            f2, i2 = _set_members_op(before, {pid: [code] for pid in ids.values()})
            fwd.append(f2)
            inv.insert(0, i2)
        return f"Create network {code}", fwd, inv
    if kind == "rename":
        code = _network_code(body, "network")
        net = _existing(conn, plan, code)
        name = _text(body, "name", required=True)
        return (
            f"Rename {code} to {name}",
            [{"op": "rename", "code": code, "name": name}],
            [{"op": "rename", "code": code, "name": net["name"]}],
        )
    if kind in ("dissolve", "merge"):
        code = _network_code(body, "network")
        net = _existing(conn, plan, code)
        members = repo.members_of(conn, sid, as_of, code)
        before = repo.current_networks(conn, sid, as_of, members)
        if kind == "merge":
            into = _network_code(body, "into")
            if into == code:
                raise InvalidParameter("into", "A network cannot be merged into itself.")
            _existing(conn, plan, into, "into")
            after = {p: sorted({c for c in before[p] if c != code} | {into}) for p in members}
            summary = f"Merge {code} into {into}"
        else:
            after = {p: [c for c in before[p] if c != code] for p in members}
            summary = f"Dissolve {code}"
        fwd, inv = _set_members_op(before, after)
        attrs = _network_attrs(net)
        return summary, [fwd, {"op": "delete_network", "attrs": attrs}], [{"op": "create_network", "attrs": attrs}, inv]
    if kind == "split":
        code = _network_code(body, "network")
        _existing(conn, plan, code)
        new_code = _network_code(body, "new_code")
        if repo.network(conn, sid, new_code) is not None:
            raise Conflict(f"Plan '{plan['slug']}' already has a network '{new_code}'.", parameter="new_code")
        ids = _practices(conn, plan, _codes(body, "practices"))
        members = set(repo.members_of(conn, sid, as_of, code))
        outside = [c for c, p in ids.items() if p not in members]
        if outside:
            raise InvalidParameter("practices", f"Not current members of {code}: {', '.join(outside[:10])}.")
        net = _existing(conn, plan, code)
        attrs = {
            "code": new_code,
            "name": _text(body, "new_name", required=True),
            "lead": net["lead_commissioner_code"],
            "geom": None,
            "made_valid": False,
            "origin": None,
            "locked_at": None,
            "lock_reason": None,
        }
        before = repo.current_networks(conn, sid, as_of, list(ids.values()))
        after = {p: sorted({c for c in before[p] if c != code} | {new_code}) for p in ids.values()}
        fwd, inv = _set_members_op(before, after)
        return (
            f"Split {len(ids):,} practice(s) from {code} into {new_code}",
            [{"op": "create_network", "attrs": attrs}, fwd],
            [inv, {"op": "delete_network", "attrs": attrs}],
        )
    if kind == "geometry":
        code = _network_code(body, "network")
        net = _existing(conn, plan, code)
        geom, report = checked_polygon(conn, body.get("geometry"), "geometry")
        origin = body.get("origin", "drawn")
        if origin not in ("drawn", "uploaded", "derived"):
            raise InvalidParameter("origin", "'origin' must be drawn, uploaded or derived.")
        return (
            f"Polygon of {code} ({report})",
            [{"op": "geometry", "code": code, "geom": geom, "made_valid": report != "valid", "origin": origin}],
            [
                {
                    "op": "geometry",
                    "code": code,
                    "geom": net.get("geom_ewkb"),
                    "made_valid": net["geom_made_valid"],
                    "origin": net["geom_origin"],
                }
            ],
        )
    raise InvalidParameter("edit", f"Unknown edit '{kind}'.", allowed=sorted(EDIT_KINDS))


EDIT_KINDS = ("assign", "unassign", "create", "rename", "merge", "split", "dissolve", "geometry")


def checked_polygon(conn, geometry: Any, name: str) -> tuple[str, str]:
    """(EWKB hex of a valid MultiPolygon in EPSG:4326, 'valid' or 'made valid: <reason>'), or the refusal."""
    import json

    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidParameter(name, f"'{name}' must be a GeoJSON Polygon or MultiPolygon (longitude, latitude).")
    coords = json.dumps(geometry)
    try:
        checked = repo.checked_geometry(conn, coords)
    except ValueError as exc:
        raise InvalidParameter(name, f"'{name}' is not readable GeoJSON: {exc}") from None
    if checked["geom"] is None or not checked["area_m2"]:
        raise InvalidParameter(name, f"'{name}' has no area once made valid ({checked['reason']}).")
    return checked["geom"], "valid" if checked["valid"] else f"made valid: {checked['reason']}"


def _locked_in(conn, plan: dict, ops: list[dict]) -> None:
    """Refuse (409, naming the network and the reason) an edit that touches a locked network."""
    touched = _touched(ops)
    for code in sorted(touched):
        net = repo.network(conn, plan["id"], code)
        if net is not None and net["locked_at"] is not None:
            reason = f": {net['lock_reason']}" if net["lock_reason"] else ""
            raise Conflict(
                f"Network {code} ({net['name']}) is locked{reason}. Unlock it to change it.",
                network=code,
                reason="locked",
            )


def _touched(ops: list[dict]) -> set[str]:
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


def _touched_practices(ops: list[dict]) -> list[int]:
    return sorted({int(p) for op in ops if op["op"] == "set_members" for p in op["targets"]})


def apply_ops(conn, plan: dict, ops: list[dict]) -> None:
    sid, as_of = plan["id"], plan["as_of"]
    for op in ops:
        kind = op["op"]
        if kind == "set_members":
            repo.set_practice_networks(conn, sid, as_of, {int(p): cs for p, cs in op["targets"].items()})
        elif kind == "create_network":
            repo.insert_network(conn, sid, op["attrs"])
        elif kind == "delete_network":
            repo.delete_network(conn, sid, op["attrs"]["code"])
        elif kind == "rename":
            repo.rename_network(conn, sid, op["code"], op["name"])
        elif kind == "geometry":
            repo.set_geometry(conn, sid, op["code"], op["geom"], bool(op["made_valid"]), op["origin"])
        else:  # pragma: no cover - ops are built here only
            raise ValueError(kind)


def _band(plan: dict) -> tuple[int, int]:
    checked, _ = parameters.resolve(None, plan)
    return checked.min, checked.max


# Findings of an area as an edit left it, computed inside the edit's transaction: the next edit's "before" (the
# state that transaction committed), so an edit runs the area's checks once, not twice. Keyed by the committed
# state (data version + the id of the transaction that made it, see repo.committed_state) and the scope: an
# entry of a transaction rolled back can never match, and any later write makes a new key. Per process, small.
_AFTER_EDIT: OrderedDict[tuple, tuple[dict, dict]] = OrderedDict()
_AFTER_EDIT_MAX = 64
_AFTER_EDIT_LOCK = threading.Lock()


def _kept_findings(conn, key: tuple) -> tuple[dict, dict] | None:
    with _AFTER_EDIT_LOCK:
        found = _AFTER_EDIT.get(key)
        if found is not None:
            _AFTER_EDIT.move_to_end(key)
        return found


def _keep_findings(key: tuple, found: tuple[dict, dict]) -> None:
    with _AFTER_EDIT_LOCK:
        _AFTER_EDIT[key] = found
        _AFTER_EDIT.move_to_end(key)
        while len(_AFTER_EDIT) > _AFTER_EDIT_MAX:
            _AFTER_EDIT.popitem(last=False)


def _snapshot(conn, plan: dict, scope: Scope, codes: list[str], pids: list[int], cached: bool) -> dict:
    """Population and flags of the touched networks (and flags of the touched practices) in the touched areas.

    ``cached`` (before the write): the findings the previous edit left (see ``_AFTER_EDIT``), else the shared
    findings cache. Not cached (after the write, in its transaction): the checks run, and their answer is kept
    under the state this transaction will commit, for the next edit. Nothing that changes findings may be
    written after this snapshot in the same transaction (the edit log and audit rows do not)."""
    pops = repo.populations(conn, plan["id"], codes)
    areas = sorted(
        set(repo.areas_of_networks(conn, plan["id"], scope.boundary_set["id"], codes))
        | set(repo.area_of_practices(conn, plan["id"], scope.boundary_set["id"], pids))
    )
    net_flags: dict[str, set[str]] = {}
    prac_flags: dict[str, set[str]] = {}
    state = (conn.dsn, *repo.committed_state(conn)) if areas else None
    for area in areas:
        area_scope = resolve_scope(conn, plan["slug"], scope.boundary_set["slug"], area)
        key = (*state, area_scope.key())
        found = _kept_findings(conn, key) if cached else None
        if found is not None:
            nf, pf = found
        elif cached:
            nf, pf = findings_in(conn, area_scope)
        else:  # inside the writing transaction: not for the shared cache (keyed by data version only)
            result = run_checks_in(conn, area_scope)
            nf, pf = _network_findings_from(result), _practice_findings_from(result)
            _keep_findings(key, (nf, pf))
        for c in codes:
            net_flags.setdefault(c, set()).update(nf.get(c, []))
        for c, keys in pf.items():
            prac_flags.setdefault(c, set()).update(keys)
    return {"populations": pops, "areas": areas, "network_flags": net_flags, "practice_flags": prac_flags}


def _delta(plan: dict, before: dict, after: dict, codes: list[str], practice_codes: list[str]) -> dict:
    lo, hi = _band(plan)
    order = list(FINDING_LABELS)

    def flags(keys: set[str]) -> list[dict]:
        return [{"key": k, "label": FINDING_LABELS.get(k, k)} for k in sorted(keys, key=order.index)]

    nets = []
    for code in codes:
        b, a = before["populations"].get(code), after["populations"].get(code)
        fb, fa = before["network_flags"].get(code, set()), after["network_flags"].get(code, set())
        nets.append(
            {
                "code": code,
                "name": (a or b or {}).get("name"),
                "exists": {"before": b is not None, "after": a is not None},
                "population": {"before": b["population"] if b else None, "after": a["population"] if a else None},
                "members": {"before": b["members"] if b else None, "after": a["members"] if a else None},
                "unknown_list_sizes": a["unknown_list_sizes"] if a else None,
                "in_band": {
                    "before": bool(b and lo <= b["population"] <= hi),
                    "after": bool(a and lo <= a["population"] <= hi),
                },
                "flags": {"before": flags(fb), "after": flags(fa), "gained": flags(fa - fb), "lost": flags(fb - fa)},
            }
        )
    pracs = []
    for code in practice_codes:
        fb, fa = before["practice_flags"].get(code, set()), after["practice_flags"].get(code, set())
        pracs.append({"code": code, "flags": {"after": flags(fa), "gained": flags(fa - fb), "lost": flags(fb - fa)}})
    return {
        "band": {"min": lo, "max": hi},
        "areas": sorted(set(before["areas"]) | set(after["areas"])),
        "networks": nets,
        "practices": pracs,
    }


def _practice_codes(conn, plan: dict, pids: list[int]) -> list[str]:
    if not pids:
        return []
    from geo_service.db.pool import dict_cursor

    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT ods_code FROM scenario_practice_state WHERE scenario_id = %(s)s AND practice_id = ANY (%(p)s)"
            " ORDER BY ods_code",
            {"s": plan["id"], "p": pids},
        )
        return [r["ods_code"] for r in cur.fetchall()]


def _run(
    conn,
    plan: dict,
    editor: Editor,
    if_match: str | None,
    summary: str,
    fwd: list,
    inv: list,
    kind: str,
    log_it: bool = True,
) -> dict:
    """Check, apply and log one edit; measure the delta. The caller's transaction makes it all or nothing."""
    version = version_from_if_match(plan, if_match)
    _editable(plan)
    _locked_in(conn, plan, fwd + inv)
    codes = sorted(_touched(fwd) | _touched(inv))
    pids = _touched_practices(fwd)
    scope = resolve_scope(conn, plan["slug"])
    before = _snapshot(conn, plan, scope, codes, pids, cached=True)
    new_version = _bump(conn, plan, version)
    apply_ops(conn, plan, fwd)
    edit_id = (
        repo.insert_edit(conn, plan["id"], editor.session, editor.user_id, kind, summary, fwd, inv) if log_it else None
    )
    after = _snapshot(conn, plan, scope, codes, pids, cached=False)
    fresh = repo.plan_by_id(conn, plan["id"])
    return {
        "edit": {"id": edit_id, "kind": kind, "summary": summary},
        "plan": describe(fresh),
        "version": new_version,
        "etag": etag(fresh),
        "delta": _delta(plan, before, after, codes, _practice_codes(conn, plan, pids)),
        "undo": repo.edit_counts(conn, plan["id"], editor.session),
        "_audit": {
            "before": {"version": version, "ops": inv},
            "after": {"version": new_version, "ops": fwd},
            "networks": codes,
        },
    }


def edit(conn, plan: dict, kind: str, body: dict, editor: Editor, if_match: str | None) -> dict:
    """One edit of a draft plan (see :data:`EDIT_KINDS`), with its delta."""
    if not isinstance(body, dict):
        raise InvalidParameter("body", "Send a JSON object.")
    version_from_if_match(plan, if_match)
    _editable(plan)
    summary, fwd, inv = build_edit(conn, plan, kind, body)
    return _run(conn, plan, editor, if_match, summary, fwd, inv, kind)


def upload_polygons(conn, plan: dict, upload, editor: Editor, if_match: str | None) -> dict:
    """Save the polygons of an uploaded file (:class:`geo_service.plans.upload.Upload`) as ONE undoable edit
    (origin 'uploaded'), with its delta; every network named must be one of the plan's, or nothing is saved."""
    version_from_if_match(plan, if_match)
    _editable(plan)
    fwd, inv = [], []
    for code in sorted(upload.polygons):
        net = repo.network(conn, plan["id"], code)
        if net is None:
            from geo_service.plans.upload import refusal

            raise refusal(
                upload.file_name,
                f"feature {upload.first_feature.get(code)}: '{code}' is not a network of '{plan['name']}'.",
                feature=upload.first_feature.get(code),
                field=upload.code_field,
            )
        geom, report = checked_polygon(conn, upload.polygons[code], "file")
        fwd.append({"op": "geometry", "code": net["code"], "geom": geom, "made_valid": report != "valid",
                    "origin": "uploaded"})  # fmt: skip
        inv.append({"op": "geometry", "code": net["code"], "geom": net.get("geom_ewkb"),
                    "made_valid": net["geom_made_valid"], "origin": net["geom_origin"]})  # fmt: skip
    summary = f"Polygons uploaded for {', '.join(sorted(upload.polygons))} ({upload.file_format}, {upload.crs})"
    return _run(conn, plan, editor, if_match, summary[:300], fwd, inv, "upload")


MAX_UNDOABLE_DERIVE = 300  # networks: above this the edit log would hold megabytes of polygons twice


def log_polygons_replaced(conn, plan: dict, before: dict, after: dict, editor: Editor, summary: str) -> dict | None:
    """Log polygons written outside :func:`edit` (derived from membership) as one undoable edit: geometry ops
    per network whose polygon changed. Answers the session's undo counts, or None when not logged (too many)."""
    changed = sorted(c for c in after if after[c] != before.get(c))
    if not changed or len(changed) > MAX_UNDOABLE_DERIVE:
        return None
    fwd = [{"op": "geometry", "code": c, **after[c]} for c in changed]
    inv = [{"op": "geometry", "code": c, **before[c]} for c in changed if c in before]
    repo.insert_edit(conn, plan["id"], editor.session, editor.user_id, "derive", summary, fwd, inv)
    return repo.edit_counts(conn, plan["id"], editor.session)


def undo(conn, plan: dict, editor: Editor, if_match: str | None, redo: bool = False) -> dict:
    """Undo the session's latest edit (apply its inverse), or redo the one undone last."""
    version_from_if_match(plan, if_match)
    row = repo.last_edit(conn, plan["id"], editor.session, "undone" if redo else "done")
    if row is None:
        raise Conflict(f"Nothing to {'redo' if redo else 'undo'} in this editing session.", reason="empty")
    ops = row["forward"] if redo else row["inverse"]
    out = _run(
        conn,
        plan,
        editor,
        if_match,
        ("Redo: " if redo else "Undo: ") + row["summary"],
        ops,
        row["inverse"] if redo else row["forward"],
        row["kind"],
        log_it=False,
    )
    repo.set_edit_state(conn, row["id"], "done" if redo else "undone")
    out["edit"] = {"id": row["id"], "kind": row["kind"], "summary": out["edit"]["summary"]}
    out["undo"] = repo.edit_counts(conn, plan["id"], editor.session)
    return out


def set_lock(
    conn, plan: dict, code: str, locked: bool, reason: str | None, editor: Editor, if_match: str | None
) -> tuple[dict, dict]:
    """Lock or unlock a network (not an undoable edit: a lock protects against edits, undo included)."""
    version = version_from_if_match(plan, if_match)
    _editable(plan)
    net = _existing(conn, plan, code)
    if reason is not None and len(reason) > 200:
        raise InvalidParameter("reason", "'reason' must be at most 200 characters.")
    _bump(conn, plan, version)
    repo.set_lock(conn, plan["id"], code, locked, editor.user_id, reason)
    after = repo.network(conn, plan["id"], code)
    keep = ("code", "name", "locked_at", "lock_reason")
    return ({k: net[k] for k in keep}, {k: after[k] for k in keep})


# ---- reading --------------------------------------------------------------------------------------------


def unassigned(conn, plan: dict, area: str | None = None) -> dict:
    """Practices of the plan (in ``area`` by location) with no current membership, each with up to three
    suggestions: the nearest networks of its commissioner that stay at or below the band's maximum with it."""
    scope = resolve_scope(conn, plan["slug"], area=area)
    lo, hi = _band(plan)
    rows = repo.unassigned(conn, scope.values())
    out = []
    for r in rows:
        sugg = repo.suggestions(conn, plan["id"], r["practice_id"], hi) if r["point_id"] else []
        out.append(
            {
                "code": r["code"],
                "name": r["name"],
                "commissioner_code": r["commissioner_code"],
                "list_size": r["list_size"],
                "suggestions": [
                    {
                        **{k: s[k] for k in ("code", "name")},
                        "population": int(s["population"]),
                        "population_with": int(s["population_with"]),
                        "in_band_with": lo <= s["population_with"] <= hi,
                        "distance_m": round(float(s["distance_m"])),
                    }
                    for s in sugg
                ],
                "why_none": None
                if sugg
                else (
                    "no location"
                    if not r["point_id"]
                    else "no unlocked network of its commissioner stays within the band"
                ),
            }
        )
    return {
        "plan": plan["slug"],
        "area": scope.area["name"] if scope.area else None,
        "band": {"min": lo, "max": hi},
        "practices": out,
    }


def editor_state(conn, plan: dict, area: str | None = None) -> dict:
    """What the map editor starts from: networks (population, lock, flags), practices, polygons."""
    scope = resolve_scope(conn, plan["slug"], area=area)
    lo, hi = _band(plan)
    nf, _ = findings_in(conn, scope)
    order = list(FINDING_LABELS)
    nets = [
        {
            **{k: n[k] for k in ("code", "name", "lead", "locked", "lock_reason", "has_polygon", "members")},
            "population": int(n["population"]),
            "flags": [
                {"key": k, "label": FINDING_LABELS.get(k, k)} for k in sorted(nf.get(n["code"], []), key=order.index)
            ],
        }
        for n in repo.editor_networks(conn, plan["id"])
    ]
    pracs = [
        {**p, "networks": p["networks"] or []}
        for p in repo.editor_practices(
            conn, plan["id"], scope.area["id"] if scope.area else None, scope.boundary_set["id"]
        )
    ]
    if scope.area is not None:
        touched = {c for p in pracs for c in p["networks"]}
        nets = [n for n in nets if n["code"] in touched or n["lead"] == scope.area.get("ods_code")]
    polys = [r for r in repo.network_geojson(conn, plan["id"]) if any(n["code"] == r["code"] for n in nets)]
    return {
        "plan": describe(plan),
        "band": {"min": lo, "max": hi},
        "scope": scope.describe(),
        "area": scope.area["name"] if scope.area else None,
        "networks": nets,
        "practices": pracs,
        "polygons": polys,
    }


def parse_session(raw: str | None) -> str:
    if raw is None or raw == "":
        return "default"
    if not SESSION_RE.match(raw):
        raise InvalidParameter("session", "The editing session must be 1–64 letters, digits, '-' or '_'.")
    return raw

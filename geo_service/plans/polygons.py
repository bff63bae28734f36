"""Network polygons written in bulk: uploaded from a file (:mod:`geo_service.plans.upload` reads it), or derived
from the members' locations (:mod:`geo_service.plans.territories`). Each is one undoable edit of the plan,
versioned and audited like any other."""

from __future__ import annotations

from dataclasses import dataclass

from geo_service.access import audit
from geo_service.db.repositories import plan_edits, plan_networks
from geo_service.plans import territories, upload
from geo_service.plans.commands import Edit
from geo_service.plans.concurrency import Expected, bump, check_version
from geo_service.plans.editing import Editor, apply_edit, record_edit
from geo_service.plans.lifecycle import check_editable
from geo_service.plans.locks import refuse_any_locked
from geo_service.plans.operations import checked_polygon, current_geometry_op, geometry_op
from geo_service.plans.records import describe, etag, get_plan
from geo_service.plans.rights import plan_for_write

MAX_UNDOABLE_DERIVE = 300  # networks: above this the edit log would hold megabytes of polygons twice


@dataclass(frozen=True)
class PolygonFile:
    """A file of polygons as sent: its name and bytes, and how its features name networks (one ``network`` for
    all, or the ``code_field`` property; neither: the usual field names)."""

    name: str
    data: bytes
    network: str | None = None
    code_field: str | None = None


def writable(conn, actor, slug: str, expected: Expected) -> dict:
    """The plan, when ``actor`` may write it and ``expected`` is its version: what an upload checks before it
    reads a file (a stale version is refused before any byte of it is read)."""
    plan = plan_for_write(conn, actor, slug)
    check_version(plan, expected)
    return plan


def upload_polygons(conn, actor, slug: str, expected: Expected, sent: PolygonFile, session: str = "default") -> dict:
    """Use case: save the polygons of a file as ONE undoable edit (origin 'uploaded'), with its delta; every network
    it names must be one of the plan's, or nothing is saved. Ends the caller's transaction while the file is
    read (no transaction nor row lock held meanwhile, issue 21): the version is checked again when saving."""
    plan = writable(conn, actor, slug, expected)
    conn.commit()
    got = upload.read_polygons(sent.data, sent.name, sent.network, sent.code_field)
    check_version(plan, expected)
    check_editable(plan)
    fwd, inv = [], []
    for code in sorted(got.polygons):
        net = plan_networks.network(conn, plan["id"], code)
        if net is None:
            raise upload.refusal(
                got.file_name,
                f"feature {got.first_feature.get(code)}: '{code}' is not a network of '{plan['name']}'.",
                feature=got.first_feature.get(code),
                field=got.code_field,
            )
        geom, report = checked_polygon(conn, got.polygons[code], "file")
        fwd.append(geometry_op(net["code"], geom, report != "valid", "uploaded"))
        inv.append(current_geometry_op(net))
    summary = f"Polygons uploaded for {', '.join(sorted(got.polygons))} ({got.file_format}, {got.crs})"
    out, trail = apply_edit(conn, plan, Editor(actor.id, session), expected, Edit(summary[:300], fwd, inv), "upload")
    out["repaired"] = got.repaired
    out["networks"] = [{"code": c, "feature": got.first_feature.get(c)} for c in sorted(got.polygons)]
    out["file"] = {"name": sent.name, "format": got.file_format, "crs": got.crs, "features": got.features}
    return record_edit(conn, actor, plan, out, trail, "plan.polygons.upload", file=out["file"], repaired=got.repaired)


def log_polygons_replaced(conn, plan: dict, before: dict, after: dict, editor: Editor, summary: str) -> dict | None:
    """Log polygons written outside an edit (derived from membership) as one undoable edit: geometry ops per
    network whose polygon changed. Answers the session's undo counts, or None when not logged (too many)."""
    changed = sorted(c for c in after if after[c] != before.get(c))
    if not changed or len(changed) > MAX_UNDOABLE_DERIVE:
        return None
    fwd = [{"op": "geometry", "code": c, **after[c]} for c in changed]
    inv = [{"op": "geometry", "code": c, **before[c]} for c in changed if c in before]
    plan_edits.insert_edit(conn, plan["id"], editor.session, editor.user_id, "derive", summary, fwd, inv)
    return plan_edits.edit_counts(conn, plan["id"], editor.session)


def derive_polygons(conn, db, actor, slug: str, expected: Expected, session: str = "default") -> dict:
    """Use case: derive every network's polygon from its members (non-overlapping territories), refused while a
    network is locked. ``conn``'s transaction ends before the derivation, which runs on a connection of its own
    from ``db``: the polygons, the version bump, the edit log and the audit row are one transaction."""
    plan = plan_for_write(conn, actor, slug)
    version = check_version(plan, expected)
    check_editable(plan)
    refuse_any_locked(conn, plan, "deriving replaces every network's polygon")
    before = plan_networks.polygon_origins(conn, plan["id"])
    before_geoms = plan_networks.network_geometries(conn, plan["id"])
    conn.commit()  # nothing written yet
    done: dict = {}

    def record(write_conn, result: territories.Territories) -> None:
        bump(write_conn, plan, version)
        after = plan_networks.polygon_origins(write_conn, plan["id"])
        derived = sorted(c for c, o in after.items() if o == "derived")
        done["derived"] = derived
        done["counts"] = log_polygons_replaced(
            write_conn, plan, before_geoms, plan_networks.network_geometries(write_conn, plan["id"]),
            Editor(actor.id, session), f"Polygons derived from membership for {len(derived):,} networks",
        )  # fmt: skip
        audit.record(write_conn, actor, "plan.polygons.derive", "scenario", plan["id"], {"polygons": before},
                     {"polygons": after, "summary": result.summary()}, scenario_id=plan["id"])  # fmt: skip

    _, result = territories.derive_and_save(db, plan["slug"], then=record)
    fresh = get_plan(conn, plan["slug"])
    counts = done["counts"]
    return {"networks": done["derived"], "summary": result.summary(), "undoable": counts is not None, "undo": counts,
            "plan": describe(fresh), "etag": etag(fresh)}  # fmt: skip

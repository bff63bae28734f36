"""OpenAPI schemas of the plan editor routes (issue 12): plans, edits with their delta, undo/redo, locks,
polygon upload and derived polygons."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from geo_service.plans.service import EDIT_KINDS
from geo_service.web.schemas.common import Body, param, rule_field


class AreaQuery(ma.Schema):
    area = param("area", "Commissioner (area) code: only that area's practices (by location).", example="ZA1")


class PlansPageQuery(ma.Schema):
    copy_from = param("copy_from", "Scenario to preselect in the copy form (the one the planner came from).")
    area = param("area", "Commissioner (area) code to open the new plan's editor on.", example="ZA1")


class HistoryQuery(ma.Schema):
    page = param("page", "Page number, from 1.", example="1")


class EditPath(ma.Schema):
    slug = rule_field("slug", description="Plan slug.", example="demo-as-registered")
    kind = fields.String(required=True, metadata={"description": "The edit.", "enum": list(EDIT_KINDS)})


class LockPath(ma.Schema):
    slug = rule_field("slug", description="Plan slug.", example="demo-as-registered")
    code = rule_field("code", description="Network code (ODS code of the PCN).", example="UZ0001")


class Plan(Body):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    dataset = fields.String(required=True)
    as_of = fields.String(required=True, metadata={"format": "date"})
    nation = fields.String(allow_none=True)
    status = fields.String(required=True, metadata={"enum": ["draft", "submitted", "approved", "baseline"]})
    visibility = fields.String(required=True, metadata={"enum": ["public", "private"]})
    owner_id = fields.Integer(allow_none=True)
    archived = fields.Boolean(required=True)
    version = fields.Integer(required=True)
    etag = fields.String(required=True, metadata={"description": "Send it back in If-Match to change the plan."})


class PlanList(Body):
    plans = fields.List(fields.Nested(Plan), required=True)


class Band(Body):
    min = fields.Integer(required=True)
    max = fields.Integer(required=True)


class EditorState(Body):
    plan = fields.Nested(Plan, required=True)
    band = fields.Nested(Band, required=True)
    area = fields.String(allow_none=True)
    networks = fields.List(fields.Dict(), required=True)
    practices = fields.List(fields.Dict(), required=True)
    polygons = fields.List(fields.Dict(), required=True)


class Unassigned(Body):
    plan = fields.String(required=True)
    area = fields.String(allow_none=True)
    band = fields.Nested(Band, required=True)
    practices = fields.List(fields.Dict(), required=True)
    etag = fields.String(required=True)


class EditResult(Body):
    edit = fields.Dict(required=True, metadata={"description": "id, kind and summary of the edit."})
    plan = fields.Nested(Plan, required=True)
    version = fields.Integer(required=True)
    etag = fields.String(required=True)
    delta = fields.Dict(required=True, metadata={"description": "Population and flags before → after."})
    undo = fields.Dict(required=True, metadata={"description": "How many edits can be undone / redone."})


class LockResult(Body):
    network = fields.Dict(required=True)
    plan = fields.Nested(Plan, required=True)


class PlanCreateBody(ma.Schema):
    name = fields.String(required=True)
    description = fields.String()
    slug = fields.String(metadata={"description": "Default: made from the name."})
    copy_from = fields.String(metadata={"description": "Slug of the scenario to copy (memberships, polygons, as_of)."})
    area = fields.String(metadata={"description": "Copy only the networks of this commissioner area."})
    visibility = fields.String(metadata={"enum": ["public", "private"]})
    dataset = fields.String(metadata={"enum": ["real", "synthetic"]})
    as_of = fields.Date()


class PlanUpdateBody(ma.Schema):
    name = fields.String()
    description = fields.String()
    visibility = fields.String(metadata={"enum": ["public", "private"]})
    archived = fields.Boolean()


class StatusBody(ma.Schema):
    status = fields.String(required=True, metadata={"enum": ["draft", "submitted", "approved"]})


# ---- one body per edit kind (the ``kind`` path value picks which; the fields each edit reads) ---------------


def _network(description: str = "Code of the network the edit is about.") -> fields.Field:
    return fields.String(required=True, metadata={"description": description, "example": "UZ0001"})


def _practices(description: str, required: bool = True) -> fields.Field:
    return fields.List(
        fields.String(metadata={"example": "Z00001"}),
        required=required,
        metadata={"description": description},
    )


def _text(description: str, limit: int = 200, required: bool = True) -> fields.Field:
    return fields.String(
        required=required, validate=ma.validate.Length(min=1, max=limit), metadata={"description": description}
    )


class _Edit(ma.Schema):
    class Meta:
        unknown = ma.RAISE  # documented as additionalProperties: false (no field of another edit)


class AssignEdit(_Edit):
    """``assign``: move practices into a network (out of the one they were in)."""

    network = _network("The network the practices join.")
    practices = _practices("Practice ODS codes.")


class UnassignEdit(_Edit):
    """``unassign``: take practices out of their network (they are then in none)."""

    practices = _practices("Practice ODS codes.")


class CreateEdit(_Edit):
    """``create``: a new network, optionally with its first practices."""

    code = _network("The new network's code (letters, digits, '-', '_' or '.').")
    name = _text("The new network's name.")
    lead = _text("ODS code of its lead practice.", limit=10, required=False)
    practices = _practices("Practices that join it now.", required=False)


class RenameEdit(_Edit):
    """``rename``: give a network a new name (its code stays)."""

    network = _network()
    name = _text("The new name.")


class DissolveEdit(_Edit):
    """``dissolve``: end a network; its practices are then in none."""

    network = _network()


class MergeEdit(_Edit):
    """``merge``: move every practice of a network into another, and end it."""

    network = _network("The network that ends.")
    into = _network("The network its practices join.")


class SplitEdit(_Edit):
    """``split``: move some practices of a network into a new one."""

    network = _network("The network split.")
    new_code = _network("The new network's code.")
    new_name = _text("The new network's name.")
    practices = _practices("Current members of ``network`` that move to the new one.")


class GeometryEdit(_Edit):
    """``geometry``: set a network's polygon (checked, made valid or refused with the reason)."""

    network = _network()
    geometry = fields.Dict(
        required=True, metadata={"description": "A GeoJSON Polygon or MultiPolygon in EPSG:4326 (longitude, latitude)."}
    )
    origin = fields.String(
        metadata={"description": "Where it came from; default drawn.", "enum": ["drawn", "uploaded", "derived"]}
    )


EDIT_BODIES: dict[str, type[ma.Schema]] = {
    "assign": AssignEdit,
    "unassign": UnassignEdit,
    "create": CreateEdit,
    "rename": RenameEdit,
    "dissolve": DissolveEdit,
    "merge": MergeEdit,
    "split": SplitEdit,
    "geometry": GeometryEdit,
}
# The body of ``POST /api/v1/plans/{slug}/edits/{kind}``: one of the edits' bodies, the one ``kind`` names.
EditBody = {
    "oneOf": list(EDIT_BODIES.values()),
    "description": "The body of the edit named by the 'kind' path value: "
    + "; ".join(f"{kind}: {schema.__name__}" for kind, schema in EDIT_BODIES.items())
    + ".",
}


class LockBody(ma.Schema):
    reason = fields.String(metadata={"description": "Why it is locked (at most 200 characters)."})


class PlanForm(ma.Schema):
    csrf_token = fields.String(required=True)
    name = fields.String(required=True)
    copy_from = fields.String()
    description = fields.String()
    area = fields.String()


class UploadForm(ma.Schema):
    file = fields.Raw(
        required=True,
        metadata={"type": "string", "format": "binary",
                  "description": "GeoJSON, KML, zipped Shapefile or GeoPackage, any CRS."},
    )  # fmt: skip
    network = fields.String(metadata={"description": "The network of a one-polygon file."})
    code_field = fields.String(metadata={"description": "The property naming each feature's network code."})
    csrf_token = fields.String(metadata={"description": "With a browser session."})


class UploadResult(EditResult):
    networks = fields.List(fields.Dict(), required=True, metadata={"description": "code and first feature number."})
    repaired = fields.List(
        fields.Dict(), required=True, metadata={"description": "feature, network, reason, parts: each repair made."}
    )
    file = fields.Dict(required=True, metadata={"description": "name, format, crs (as read) and features."})


class DeriveResult(Body):
    networks = fields.List(fields.String(), required=True, metadata={"description": "Networks given a polygon."})
    summary = fields.Dict(required=True, metadata={"description": "What the derivation did (members unlocated...)."})
    undoable = fields.Boolean(required=True)
    undo = fields.Dict(allow_none=True, metadata={"description": "The session's undo / redo counts."})
    plan = fields.Nested(Plan, required=True)
    etag = fields.String(required=True)

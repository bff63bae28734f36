"""OpenAPI schemas of the plan editor routes (issue 12): plans, edits with their delta, undo/redo, locks,
polygon upload and derived polygons."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from geo_service.plans.service import EDIT_KINDS
from geo_service.web.schemas.common import Body, param, rule_field


class AreaQuery(ma.Schema):
    area = param("area", "Commissioner (area) code: only that area's practices (by location).", example="ZA1")


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


class EditBody(Body):
    network = fields.String(metadata={"description": "Network code the edit is about (assign, rename, ...)."})
    practices = fields.List(fields.String(), metadata={"description": "Practice ODS codes (assign, unassign)."})
    geometry = fields.Dict(metadata={"description": "GeoJSON polygon in EPSG:4326 (geometry)."})


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

"""OpenAPI schemas of the sign-in, audit and change-request routes (issue 12)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from geo_service.web.schemas.common import param, rule_field


class AuditQuery(ma.Schema):
    scenario = param("scenario", "Scenario slug: its changes.", example="demo-as-registered")
    network = param("network", "Network code (with scenario): its changes.", example="UZ0001")
    practice = param("practice", "Practice ODS code: its changes.")
    page = param("page", "Page number, from 1 (50 entries a page, newest first).", example="1")


class AuditPage(ma.Schema):
    page = param("page", "Page number, from 1.", example="1")


class AuditEntries(ma.Schema):
    title = fields.String(required=True)
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    total = fields.Integer(required=True)
    entries = fields.List(fields.Dict(), required=True)


class ChangeRequestQuery(ma.Schema):
    status = param("status", "pending (default), approved, rejected or all.",
                   enum=["pending", "approved", "rejected", "all"])  # fmt: skip
    done = param("done", "Confirmation shown after a form was sent.")


class ChangeRequestList(ma.Schema):
    scenario = fields.String(required=True)
    change_requests = fields.List(fields.Dict(), required=True)


class ChangeRequestBody(ma.Schema):
    kind = fields.String(required=True, metadata={"enum": ["join", "leave", "move"]})
    practice = fields.String(required=True, metadata={"description": "ODS code of the practice."})
    network = fields.String(metadata={"description": "Target network code (join / move)."})
    reason = fields.String(required=True)
    effective_date = fields.Date(required=True)


class DecisionBody(ma.Schema):
    decision = fields.String(required=True, metadata={"enum": ["approve", "reject"]})
    comment = fields.String(metadata={"description": "Required when rejecting."})
    version = fields.Integer(
        metadata={"description": "The request's version as the page showed it (the page form; the API sends "
                  "If-Match instead)."}
    )  # fmt: skip


class DecisionPath(ma.Schema):
    request_id = fields.Integer(required=True, metadata={"description": "Change request id."})


class ScenarioDecisionPath(ma.Schema):
    scenario = rule_field("scenario", description="Scenario slug.", example="demo-as-registered")
    request_id = fields.Integer(required=True, metadata={"description": "Change request id."})


class NetworkAuditPath(ma.Schema):
    scenario = rule_field("scenario", description="Scenario slug.", example="demo-as-registered")
    code = rule_field("code", description="Network code.", example="UZ0001")


class ChangeRequest(ma.Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    version = fields.Integer(required=True)

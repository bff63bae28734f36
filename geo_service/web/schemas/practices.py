"""Schemas of the practice page and its JSON (``web/routes/practices.py``, issue 20)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from geo_service.web.schemas import common
from geo_service.web.schemas.common import param, rule_field


class PracticePath(ma.Schema):
    ods = rule_field("ods", description="The practice's ODS code (any case).", example="Z00001")


class PracticeQuery(ma.Schema):
    scenario = param(
        "scenario",
        "The scenario the viewer came from (slug): its column is marked, and its map is the first link.",
    )


class CommissionerNamed(common.Body):
    code = fields.String(required=True)
    name = fields.String(allow_none=True, required=True)


class ScenarioOfEntry(common.Body):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    as_of = fields.String(required=True, metadata={"format": "date"})
    status = fields.String(required=True, metadata={"description": "baseline, draft, submitted or approved"})
    visibility = fields.String(required=True)


class PracticeInScenario(common.Body):
    scenario = fields.Nested(ScenarioOfEntry, required=True)
    state = fields.String(
        required=True,
        metadata={"enum": ["member", "members", "orphaned", "closed", "not_judged", "absent"]},
    )
    state_text = fields.String(required=True, metadata={"description": "The state in plain words."})
    sentence = fields.String(required=True)
    name = fields.String(allow_none=True, required=True)
    postcode = fields.String(allow_none=True, required=True)
    commissioner = fields.Nested(CommissionerNamed, allow_none=True, required=True)
    list_size = fields.Integer(allow_none=True, required=True)
    list_size_date = fields.String(allow_none=True, required=True, metadata={"format": "date"})
    networks = fields.List(fields.Dict(), required=True, metadata={"description": "code, name, lead_commissioner"})
    findings = fields.List(fields.Dict(), required=True, metadata={"description": "The practice's own: key, label"})
    network_findings = fields.List(fields.Dict(), required=True)
    location = fields.Dict(allow_none=True, required=True, metadata={"description": "lon, lat (EPSG:4326)"})
    map = fields.Dict(allow_none=True, required=True)
    url = fields.String(required=True, metadata={"description": "The scenario's map with the practice shown."})


class PracticeTimeline(common.Body):
    code = fields.String(required=True)
    name = fields.String(allow_none=True, required=True)
    postcode = fields.String(allow_none=True, required=True)
    scenarios = fields.List(fields.Nested(PracticeInScenario), required=True)

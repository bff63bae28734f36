"""OpenAPI schemas of the suggestion routes (issue 22): the request, the answer (draft plan, scorecard,
sentences, notes) and background jobs."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from geo_service.web.schemas.common import Body, rule_field
from geo_service.web.schemas.plans import Plan


class SuggestPath(ma.Schema):
    slug = rule_field("slug", description="Scenario or plan to start from.", example="demo-as-registered")


class SuggestionPath(ma.Schema):
    # No example: the demo data holds no suggested plan (the input-validation layer still checks the slug).
    slug = fields.String(required=True, metadata={"description": "A plan made by a suggestion."})


class JobPath(ma.Schema):
    job_id = fields.Integer(required=True, metadata={"description": "Job id (from the 202 answer)."})


class SuggestBody(ma.Schema):
    area = fields.String(metadata={"description": "One commissioner area (ODS or GSS code); without it, every area "
                                   "of the boundary set, as a background job."})  # fmt: skip
    boundary_set = fields.String(metadata={"description": "Boundary set slug [the scenario's own]."})
    min = fields.Integer(metadata={"description": "Smallest network population [30000]."})
    max = fields.Integer(metadata={"description": "Largest network population [50000]."})
    locks = fields.List(fields.String(), metadata={"description": "Network codes kept whole and untouched (besides "
                                                   "the networks locked in the plan)."})  # fmt: skip
    apart = fields.List(
        fields.List(fields.String()),
        metadata={"description": "Pairs of practice ODS codes kept in different networks."},
    )
    seed = fields.Integer(metadata={"description": "Same seed, same suggestion [0]."})
    name = fields.String(metadata={"description": "Name of the new plan."})
    background = fields.Boolean(metadata={"description": "Run as a background job even for one area."})


class Scorecard(Body):
    band = fields.Dict(required=True)
    before = fields.Dict(required=True, metadata={"description": "networks, in_band, under, over, dominated, "
                                                  "crossing_areas, not_contiguous, farthest_member_km"})  # fmt: skip
    after = fields.Dict(required=True)
    patients_moved = fields.Integer(required=True)
    practices_moved = fields.Integer(required=True)
    networks_touched = fields.Integer(required=True)


class Move(Body):
    practice = fields.String(required=True)
    sentence = fields.String(required=True)


class Suggestion(Body):
    plan = fields.Nested(Plan, required=True)
    source = fields.String(required=True)
    scorecard = fields.Nested(Scorecard, required=True)
    moves = fields.List(fields.Nested(Move), required=True)
    notes = fields.List(fields.Dict(), required=True)
    links = fields.Dict(required=True)


class StoredSuggestion(Body):
    plan = fields.String(required=True)
    source = fields.String(required=True)
    scorecard = fields.Nested(Scorecard, required=True)
    moves = fields.List(fields.Nested(Move), required=True)
    notes = fields.List(fields.Dict(), required=True)


class Job(Body):
    id = fields.Integer(required=True)
    state = fields.String(required=True, metadata={"enum": ["queued", "running", "done", "failed"]})
    progress = fields.Integer(required=True)
    total = fields.Integer(required=True)
    message = fields.String(allow_none=True)
    plan = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    links = fields.Dict()

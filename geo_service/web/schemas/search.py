"""Schemas of the one search box (``web/search.py``) and of the scenario / boundary-set switch (``web/pages.py``)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from geo_service.web.schemas import common
from geo_service.web.schemas.common import param


class SearchQuery(ma.Schema):
    q = param(
        "q",
        "What to find: an area or network name or code, a practice name, ODS code or postcode (any case).",
        required=True,
        example="Northmere",
    )
    scenario = param("scenario", "The scenario the search came from (slug): its hits rank first.")
    boundary_set = param("boundary_set", "The boundary set the search came from (slug): its hits rank first.")


class SearchPageQuery(SearchQuery):
    all = param("all", "List every hit even when one is a confident match (otherwise: straight to its map).")


class Hit(common.Body):
    kind = fields.String(required=True, metadata={"description": "area, network or practice"})
    code = fields.String(required=True)
    name = fields.String(required=True)
    target = fields.Dict(required=True, metadata={"description": "The map page of the hit (scenario, page, code)."})
    url = fields.String(metadata={"description": "That page's URL."})
    also = fields.List(
        fields.Dict(),
        metadata={"description": "A practice: the other scenarios where it is a member (scenario, network, url)."},
    )


class SearchResult(common.Body):
    query = fields.String(required=True)
    hits = fields.List(fields.Nested(Hit), required=True)
    confident = fields.Nested(Hit, allow_none=True, required=True)
    suggestions = fields.List(fields.Dict(), required=True)
    reason = fields.String(required=True, metadata={"description": "Why nothing was found, when nothing was."})


class SwitchQuery(ma.Schema):
    scenario = param("scenario", "The scenario to switch to (slug).", required=True, example="demo-as-registered")
    boundary_set = param("boundary_set", "The boundary set to switch to (slug); default: the scenario's.")
    area = param("area", "The area being looked at: opened there when it exists (ODS or GSS code).")
    network = param("network", "The network being looked at: opened there when it exists.")

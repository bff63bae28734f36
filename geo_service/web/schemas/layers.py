"""Schemas of the map layer routes (``web/layers_api.py``)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from geo_service.maps.views import OVERVIEW_TOLERANCES
from geo_service.web.schemas import common
from geo_service.web.schemas.common import param


class LayerQuery(ma.Schema):
    boundary_set = param("boundary_set", "Areas of this boundary set (slug); default: the scenario's.")
    v = param(
        "v",
        "Version pin (issue 26) from an earlier answer's Content-Location: the current one answers with "
        "`Cache-Control: public, max-age=31536000, immutable`; an old one redirects (302) to the current.",
    )


class OverviewQuery(LayerQuery):
    simplify = param("simplify", "Simplification tolerance in metres.", enum=[str(t) for t in OVERVIEW_TOLERANCES])


class PracticeSearchQuery(LayerQuery):
    q = param("q", "Name fragment, ODS code or postcode prefix (2 to 100 characters).", example="Brook")


class PracticeHit(common.Body):
    code = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    postcode = fields.String(allow_none=True)
    area = fields.String(allow_none=True)


class PracticeSearch(common.Body):
    scenario = fields.String(required=True)
    boundary_set = fields.String(required=True)
    results = fields.List(fields.Nested(PracticeHit), required=True)

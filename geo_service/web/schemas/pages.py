"""Schemas of the HTML pages (``web/pages.py``, ``web/maps.py``) and ``/healthz``."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from geo_service.web.schemas import common
from geo_service.web.schemas.common import param

_REQUIRED = "'{name}' is required: /maps/compare?a=<scenario>&b=<scenario>&area=<code>."


class MapPageQuery(ma.Schema):
    boundary_set = param("boundary_set", "Areas of this boundary set (slug); default: the scenario's.")


class ComparePageQuery(MapPageQuery):
    a = param(
        "a",
        required_message=_REQUIRED.format(name="a"),
        description="The first scenario (slug).",
        required=True,
        example="demo-as-registered",
    )
    b = param(
        "b",
        required_message=_REQUIRED.format(name="b"),
        description="The second scenario (slug).",
        required=True,
        example="demo-commissioner-proposal",
    )
    area = param(
        "area",
        required_message=_REQUIRED.format(name="area"),
        description="The area to compare (ODS or GSS code).",
        required=True,
        example="ZA1",
    )


class Health(common.Body):
    status = fields.String(required=True, metadata={"enum": ["ok", "degraded"]})
    db = fields.String(required=True)
    postgis = fields.String(allow_none=True)

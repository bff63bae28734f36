"""Schemas of the HTML pages (``web/pages.py``, ``web/maps.py``) and ``/healthz``."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from geo_service.web.schemas import common
from geo_service.web.schemas.common import param


class MapPageQuery(ma.Schema):
    boundary_set = param("boundary_set", "Areas of this boundary set (slug); default: the scenario's.")


class NetworkPageQuery(MapPageQuery):
    practice = param(
        "practice", "A member to show: ringed on the map, with its popup, the map centred on it (ODS code)."
    )


class ComparePageQuery(MapPageQuery):
    a = param(
        "a",
        "The left scenario (slug); default: the baseline before the right one.",
        example="demo-as-registered",
    )
    b = param(
        "b",
        "The right scenario (slug); default: the newest baseline of the left one's dataset.",
        example="demo-commissioner-proposal",
    )
    area = param("area", "The area to compare (ODS or GSS code); default: all of England.", example="ZA1")


class Health(common.Body):
    status = fields.String(required=True, metadata={"enum": ["ok", "degraded"]})
    db = fields.String(required=True)
    postgis = fields.String(allow_none=True)

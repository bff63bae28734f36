"""Schemas of the embed and oEmbed routes (``web/embed.py``)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from geo_service.web.schemas import common
from geo_service.web.schemas.common import param, rule_field


class EmbedPath(ma.Schema):
    kind = rule_field(
        "kind", description="area or network (the path says areas/ or networks/).", enum=["area", "network"]
    )


class EmbedQuery(ma.Schema):
    boundary_set = param("boundary_set", "Areas of this boundary set (slug); default: the scenario's.")
    layers = param("layers", "Comma-separated layer names to show; default: the map's own.")
    basemap = param("basemap", "off: no basemap.", enum=["on", "off"])
    legend = param("legend", "off: no legend.", enum=["on", "off"])
    height = param("height", "Height of the map in pixels.", type="integer")
    version = param("version", "Pin the embed to this data version (from the snippet); default: live.", type="integer")


class OEmbedQuery(ma.Schema):
    url = param(
        "url",
        "A map page of this service.",
        required=True,
        example="http://127.0.0.1:5000/maps/demo-as-registered/areas/ZA1",
    )
    format = param("format", "Only json is served (others: 501, as the oEmbed spec says).", enum=["json"])
    maxwidth = param("maxwidth", "Largest width in pixels.", type="integer")
    maxheight = param("maxheight", "Largest height in pixels.", type="integer")


class OEmbed(common.Body):
    """An oEmbed 1.0 ``rich`` response."""

    type = fields.String(required=True)
    version = fields.String(required=True)
    html = fields.String(required=True)
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    title = fields.String()
    provider_name = fields.String()
    provider_url = fields.String()

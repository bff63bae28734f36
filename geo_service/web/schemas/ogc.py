"""Schemas of the OGC API – Features and vector tile routes (``web/ogc.py``).

Fields carry no validators of their own beyond the input-validation rule of their name: the OGC request
parser (``geo_service/ogc/requests.py``) keeps its messages ("'limit' must be a whole number from 1 to 10,000").
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from geo_service.ogc.reference_systems import URIS
from geo_service.web.schemas import common
from geo_service.web.schemas.common import param

FORMAT = param("f", "Response format: json (default) or html.", enum=["json", "html"])


class FormatQuery(ma.Schema):
    f = FORMAT


class ItemQuery(FormatQuery):
    crs = param("crs", "CRS of the returned geometry (default CRS84).", enum=URIS)


class ItemsQuery(ItemQuery):
    limit = param("limit", "Features per page: 1 to 10,000 (default 10).", example="10")
    offset = param("offset", "Features to skip (paging; follow the 'next' link).", example="0")
    bbox = param("bbox", "minx,miny,maxx,maxy in bbox-crs (default CRS84: lon,lat).", example="-1.6,52.3,-1.2,52.6")
    bbox_crs = param("bbox-crs", "CRS of bbox (default CRS84).", enum=URIS)
    datetime = param(
        "datetime", "Memberships collections only: a date or interval (2019-04-01/2020-03-31, ../2020-03-31)."
    )
    ods_code = param("ods_code", "Practices, memberships: a practice's ODS code.")
    code = param("code", "Areas, networks: the feature's code.")
    gss_code = param("gss_code", "Areas: GSS code.")
    name = param("name", "Areas, practices, networks: part of the name.")
    postcode = param("postcode", "Practices: postcode.")
    commissioner_code = param("commissioner_code", "Practices: commissioner ODS code.")
    network_code = param("network_code", "Practices, memberships: a network code.")
    lead_commissioner_code = param("lead_commissioner_code", "Networks: lead commissioner ODS code.")
    finding = param("finding", "Networks: a rule finding key (undersized, dominated, ...).")
    current = param("current", "Memberships: true or false (current on the scenario's date).", enum=["true", "false"])


ItemsQuery._declared_fields["bbox_crs"].data_key = "bbox-crs"


class TileQuery(ma.Schema):
    v = param(
        "v",
        "Version pin (issue 26) from the TileJSON's tile URLs: the current one answers with "
        "`Cache-Control: public, max-age=31536000, immutable`; an old one redirects (302) to the current.",
    )


class TilePath(ma.Schema):
    """Tile matrix (zoom) and column/row: whole numbers, their ranges checked by the tile service."""

    collection_id = param(
        "collection_id", "Collection id (areas, networks or practices).", example="demo-as-registered-networks"
    )
    z = fields.Integer(required=True, metadata={"description": "Zoom, 0 to 16.", "example": 6})
    x = fields.Integer(required=True, metadata={"description": "Column, 0 to 2^z - 1.", "example": 31})
    y = fields.Integer(required=True, metadata={"description": "Row, 0 to 2^z - 1.", "example": 20})


class Link(common.Body):
    href = fields.String(required=True)
    rel = fields.String(required=True)
    type = fields.String()
    title = fields.String()


class Landing(common.Body):
    title = fields.String(required=True)
    description = fields.String()
    links = fields.List(fields.Nested(Link), required=True)


class Conformance(common.Body):
    conformsTo = fields.List(fields.String(), required=True)


class CollectionInfo(common.Body):
    id = fields.String(required=True)
    title = fields.String()
    description = fields.String()
    itemType = fields.String()
    links = fields.List(fields.Nested(Link), required=True)
    crs = fields.List(fields.String())
    storageCrs = fields.String()
    extent = fields.Dict()


class Collections(common.Body):
    links = fields.List(fields.Nested(Link), required=True)
    collections = fields.List(fields.Nested(CollectionInfo), required=True)


class TileJSON(common.Body):
    tilejson = fields.String(required=True)
    tiles = fields.List(fields.String(), required=True)
    vector_layers = fields.List(fields.Dict(), required=True)


def json_or_html(schema: type[ma.Schema], description: str) -> dict:
    """200 as JSON (the schema) or, with ?f=html, an HTML page."""
    doc = common.json_response(schema, description)
    doc["content"].update(common.html()["content"])
    return doc


def geojson_or_html(feature: bool, description: str) -> dict:
    doc = common.geojson_feature(description) if feature else common.geojson_collection(description)
    doc["content"].update(common.html()["content"])
    return doc

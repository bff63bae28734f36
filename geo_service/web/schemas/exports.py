"""Schemas of the export and print routes (``web/exports.py``)."""

from __future__ import annotations

import marshmallow as ma

from geo_service.exports.formats import DPIS, FORMATS, LAYERS, ORIENTATIONS, PAPERS, PRINT_FORMATS
from geo_service.web.schemas.common import param, rule_field

EXPORT_MEDIA_TYPES = sorted({f.media_type for f in FORMATS.values()})
PRINT_MEDIA_TYPES = ["image/png", "application/pdf"]


class ExportQuery(ma.Schema):
    format = param("format", "File format; default gpkg.", enum=list(FORMATS))
    layer = param("layer", "Which layer (practices, networks, areas, memberships).", enum=list(LAYERS))
    area = param("area", "Only this area (ODS or GSS code).", example="ZA1")
    boundary_set = param("boundary_set", "Areas of this boundary set (slug); default: the scenario's.")
    crs = param(
        "crs",
        "Coordinate reference system: 4326 (default) or 27700.",
        enum=["4326", "27700", "EPSG:4326", "EPSG:27700"],
    )


class PrintPath(ma.Schema):
    fmt = rule_field("fmt", description="png or pdf.", enum=list(PRINT_FORMATS))


class PrintQuery(ma.Schema):
    paper = param("paper", "Paper size; default a4.", enum=list(PAPERS))
    orientation = param("orientation", "Default landscape.", enum=list(ORIENTATIONS))
    dpi = param("dpi", "Resolution of a PNG; default 300.", enum=[str(d) for d in DPIS])
    boundary_set = param("boundary_set", "Areas of this boundary set (slug); default: the scenario's.")
    basemap = param("basemap", "1: draw the configured basemap under the map (when the server has one).")
    download = param("download", "1: send as an attachment instead of inline.")


def export_responses() -> dict:
    """A file in the asked format; GeoJSON is described as a FeatureCollection, the rest as bytes."""
    body = {m: {"schema": {"type": "string", "format": "binary"}} for m in EXPORT_MEDIA_TYPES}
    body["application/geo+json"] = {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}
    return {
        "description": "The layer as a file (Content-Disposition: attachment; X-Data-Scope names the data).",
        "content": body,
    }

"""Exports service: validate parameters, resolve the scope, build the file. Called by the API and the CLI."""

from __future__ import annotations

from geo_service.exports import formats
from geo_service.exports.layers import resolve_scope
from geo_service.exports.vector import ExportFile, write_export


def export_vector(
    conn,
    scenario: str,
    format: str | None,
    layer: str | None = None,
    area: str | None = None,
    boundary_set: str | None = None,
    crs: str | int | None = None,
) -> ExportFile:
    """A vector export of a scenario (optionally one area) as a file in a temporary folder.

    Parameters are checked before any query runs: a bad one raises ``InvalidParameter`` (400);
    an unknown scenario, boundary set or area raises ``NotFound`` (404).
    """
    fmt = formats.parse_format(format)
    srid = formats.parse_crs(crs, fmt)
    layers = formats.parse_layers(layer, fmt)
    scope = resolve_scope(conn, scenario, boundary_set=boundary_set, area=area, srid=srid)
    return write_export(conn, scope, fmt, layers)


def print_map(
    conn,
    scenario: str,
    kind: str,
    code: str,
    format: str | None = "png",
    paper: str | None = None,
    orientation: str | None = None,
    dpi: str | int | None = None,
    boundary_set: str | None = None,
    basemap: tuple[str, str] | None = None,
) -> ExportFile:
    """A print-ready map (PNG or PDF) of one area (``kind='area'``) or one network (``kind='network'``).

    ``basemap`` (tile URL template, attribution) is optional and only drawn when contextily is
    installed and the tiles load; the map never depends on it.
    """
    from geo_service.exports.print_map import render

    out = formats.parse_print_format(format)
    paper_key = formats.parse_paper(paper)
    orient = formats.parse_orientation(orientation)
    resolution = formats.parse_dpi(dpi)
    if kind == "area":
        scope = resolve_scope(conn, scenario, boundary_set=boundary_set, area=code, srid=27700)
    elif kind == "network":
        scope = resolve_scope(conn, scenario, boundary_set=boundary_set, network=code, srid=27700)
    else:  # pragma: no cover - routes and CLI only pass these two
        raise ValueError(f"unknown map kind {kind!r}")
    return render(conn, scope, out, paper_key, orient, resolution, basemap=basemap)

"""Exports service: validate parameters, resolve the one scope, build the file. Called by the API and the CLI.

Each export or print resolves ONE :class:`geo_service.scope.Scope` (``resolve_scope``: the scenario's date,
dataset and extracts; the boundary set asked for, else the scenario's default in force on its ``as_of``, of
the same dataset) and hands it to the layer builders. The finished :class:`ExportFile` carries the
scope's data line (``Scope.data_line()``), which the API sends as the ``X-Data-Scope`` header.
"""

from __future__ import annotations

from geo_service.exports import formats
from geo_service.exports.vector import ExportFile, write_export
from geo_service.scope import resolve_scope


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
    scope = resolve_scope(conn, scenario, boundary_set=boundary_set, area=area)
    return write_export(conn, scope, fmt, layers, srid)


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
        scope = resolve_scope(conn, scenario, boundary_set=boundary_set, area=code)
    elif kind == "network":
        scope = resolve_scope(conn, scenario, boundary_set=boundary_set, network=code)
    else:  # pragma: no cover - routes and CLI only pass these two
        raise ValueError(f"unknown map kind {kind!r}")
    return render(conn, scope, out, paper_key, orient, resolution, basemap=basemap)

"""``geo-service export`` (GIS files) and ``geo-service print`` (print-ready PNG/PDF maps)."""

from __future__ import annotations

from pathlib import Path

import click

from geo_service.cli.context import database, settings
from geo_service.exports import formats, service


@click.command()
@click.option("--scenario", required=True, help="Scenario slug, e.g. demo-as-registered.")
@click.option("--area", default=None, help="Only this area (ODS or GSS code) of the boundary set.")
@click.option("--boundary-set", default=None, help="Boundary set slug (default: the scenario's, in force on its date).")
@click.option("--format", "fmt", default="gpkg", show_default=True, help="One of: " + ", ".join(formats.FORMATS) + ".")
@click.option("--layer", default=None, help="Layer(s), comma-separated: " + ", ".join(formats.LAYERS) + ".")
@click.option("--crs", default=None, help="Output CRS: 4326 (default) or 27700 (British National Grid).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File to write.")
def export(
    scenario: str,
    area: str | None,
    boundary_set: str | None,
    fmt: str,
    layer: str | None,
    crs: str | None,
    output: Path | None,
) -> None:
    """Export a scenario's layers (practices, networks, areas, memberships) for QGIS/ArcGIS."""
    with database().connection() as conn:
        result = service.export_vector(conn, scenario, fmt, layer=layer, area=area, boundary_set=boundary_set, crs=crs)
    dest = result.move_to(output or Path(result.filename))
    click.echo(f"wrote {dest} ({dest.stat().st_size:,} bytes)")
    click.echo(f"data: {result.data_line}")


@click.command("print")
@click.option("--scenario", required=True, help="Scenario slug.")
@click.option("--area", default=None, help="Map this area (ODS or GSS code).")
@click.option("--network", default=None, help="Map this network (code, e.g. U12345).")
@click.option("--boundary-set", default=None, help="Boundary set slug (default: the scenario's, in force on its date).")
@click.option("--format", "fmt", default=None, help="png or pdf (default: from the output file name, else png).")
@click.option("--paper", default="a4", show_default=True, help="a4 or a3.")
@click.option("--orientation", default="landscape", show_default=True, help="landscape or portrait.")
@click.option("--dpi", default=formats.DEFAULT_DPI, show_default=True, help="PNG resolution.")
@click.option("--basemap", is_flag=True, help="Web tiles underneath (GEO_TILES_URL; needs contextily and network).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File to write.")
def print_(
    scenario: str,
    area: str | None,
    network: str | None,
    boundary_set: str | None,
    fmt: str | None,
    paper: str,
    orientation: str,
    dpi: int,
    basemap: bool,
    output: Path | None,
) -> None:
    """Render a print-ready map of one area or one network (title, legend, scale bar, north arrow)."""
    if (area is None) == (network is None):
        raise click.UsageError("Give exactly one of --area or --network.")
    if fmt is None:
        fmt = output.suffix.lstrip(".").lower() if output is not None and output.suffix else "png"
    kind, code = ("area", area) if area is not None else ("network", network)
    s = settings()
    tiles = (s.tiles_url, s.tiles_attribution) if basemap and s.tiles_url else None
    with database(s).connection() as conn:
        result = service.print_map(
            conn, scenario, kind, code, fmt, paper=paper, orientation=orientation, dpi=dpi,
            boundary_set=boundary_set, basemap=tiles,
        )  # fmt: skip
    dest = result.move_to(output or Path(result.filename))
    click.echo(f"wrote {dest} ({dest.stat().st_size:,} bytes)")
    click.echo(f"data: {result.data_line}")

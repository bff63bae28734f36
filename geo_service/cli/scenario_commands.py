"""``geo-service scenario show|set`` and ``geo-service extracts``: what a scenario is judged on, and changing it."""

from __future__ import annotations

import json

import click

from geo_service.cli.context import cli_actor, database


def _print_scope(described: dict) -> None:
    click.echo(f"Scenario:     {described['scenario']} ({described['dataset']}, nation: {described['nation']})")
    click.echo(f"As of:        {described['as_of']}")
    for key, label in (("register", "Register"), ("list_sizes", "List sizes"), ("locations", "Locations")):
        e = described["extracts"][key]
        text = f"{e['file']} ({e['extract_date']}, extract {e['id']}, {e['chosen']})" if e else "none loaded"
        click.echo(f"{label + ':':<14}{text}")
    bs = described["boundary_set"]
    click.echo(f"Boundaries:   {bs['name']} ({bs['slug']}, from {bs['valid_from']}, {bs['chosen']})")
    click.echo(f"Data line:    {described['data_line']}")


@click.group()
def scenario() -> None:
    """Show or change the date, extracts and default boundary set a scenario is judged on."""


@scenario.command("show")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show(slug: str, as_json: bool) -> None:
    """Show what SLUG is judged on."""
    from geo_service.scope import resolve_scope

    db = database()
    try:
        with db.connection() as conn:
            described = resolve_scope(conn, slug).describe()
    finally:
        db.close()
    click.echo(json.dumps(described, indent=2)) if as_json else _print_scope(described)


@scenario.command("set")
@click.argument("slug")
@click.option("--as-of", default=None, help="The scenario's date (YYYY-MM-DD): memberships current on it count.")
@click.option("--register", default=None, help="Register extract id to pin, or 'nearest'.")
@click.option("--list-sizes", default=None, help="List-size extract id to pin, or 'nearest'.")
@click.option("--locations", default=None, help="Postcode extract id to pin, or 'nearest'.")
@click.option("--boundary-set", default=None, help="Default boundary set slug, or 'in-force' (the one in force).")
@click.option("--nation", default=None, help="england, wales, scotland or northern_ireland.")
def set_(slug: str, **changes) -> None:
    """Change what SLUG is judged on (one transaction, recorded in the audit log, like the API's PATCH).
    Extract ids: `geo-service extracts`."""
    from geo_service.plans import service as plans
    from geo_service.scope import resolve_scope

    given = {k: v for k, v in changes.items() if v is not None}
    db = database()
    try:
        with db.connection() as conn:
            if not given:
                described = resolve_scope(conn, slug).describe()
            else:  # the CLI overwrites whatever is there: any version will do
                changed, _ = plans.update_settings(conn, cli_actor(), slug, given, plans.ExpectedVersion(any=True))
                described = changed.describe()
    finally:
        db.close()
    _print_scope(described)


@scenario.command("territories")
@click.argument("slug")
@click.option(
    "--boundary-set", default=None, help="Boundary set whose areas clip the territories (default: the scenario's)."
)
@click.option("--dry-run", is_flag=True, help="Compute and report; write nothing.")
def territories(slug: str, boundary_set: str | None, dry_run: bool) -> None:
    """Derive SLUG's network polygons from its members' locations: Voronoi cells dissolved per network, clipped
    to the areas, no overlaps (one transaction; replaces the networks' polygons)."""
    from geo_service.plans.territories import derive_and_save, derive_territories
    from geo_service.scope import resolve_scope

    db = database()
    try:
        if dry_run:
            with db.connection(statement_timeout_ms=0) as conn:
                scope = resolve_scope(conn, slug, boundary_set=boundary_set)
                result = derive_territories(conn, scope)
        else:
            scope, result = derive_and_save(db, slug, boundary_set=boundary_set)
    finally:
        db.close()
    s = result.summary()
    verb = "would get" if dry_run else "got"
    click.echo(
        f"{scope.scenario['name']} on {scope.boundary_set['name']}: {s['networks_with_territory']:,} networks {verb} "
        f"a territory in {s['areas']:,} areas ({s['seconds']:.1f} s)."
    )
    if s["networks_cleared"]:
        click.echo(f"  {s['networks_cleared']:,} networks have no located member and no territory.")
    if s["members_unlocated"]:
        click.echo(f"  {s['members_unlocated']:,} members have no location: {', '.join(result.unlocated[:10])}")
    if s["members_outside_areas"]:
        click.echo(
            f"  {s['members_outside_areas']:,} members lie outside every area of the boundary set: "
            f"{', '.join(result.outside_areas[:10])}"
        )
    if s["shared_locations_split"]:
        click.echo(f"  {s['shared_locations_split']:,} locations shared by several networks were split into wedges.")
    if s["locations_outside_their_area"]:
        click.echo(
            f"  {s['locations_outside_their_area']:,} member locations lie just outside their (nearest) area, off the "
            "generalised coastline: their territory reaches them over the sea."
        )
    if not s["coverage_valid"]:
        click.echo("  Warning: the territories are not a clean coverage (GEOS found overlapping or unmatched edges).")


@click.command()
@click.option("--dataset", type=click.Choice(["real", "synthetic"]), default=None)
@click.option("--kind", default=None, help="practices, list_sizes, postcodes, boundaries, pcn, networks, lookups")
def extracts(dataset: str | None, kind: str | None) -> None:
    """List the loaded extracts (files) with their ids, kinds, dates and datasets."""
    from geo_service.db.repositories import scope as scope_repo

    db = database()
    try:
        with db.connection() as conn:
            rows = scope_repo.extracts(conn, dataset, kind)
    finally:
        db.close()
    for r in rows:
        click.echo(
            f"{r['id']:>5}  {r['dataset']:<9}  {r['kind']:<11}  {r['extract_date'] or 'undated':<10}  {r['file_name']}"
        )

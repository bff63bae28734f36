"""``geo-service check``: run the rule engine for a scenario and print a table, JSON or CSV."""

from __future__ import annotations

import json

import click

from geo_service.cli.context import database


@click.command()
@click.option("--scenario", required=True, help="Scenario slug (see /api/v1/scenarios).")
@click.option("--boundary-set", default=None, help="Boundary set slug [the one in force on the scenario's date].")
@click.option("--as-of", default=None, help="Judge the scenario as of this date (YYYY-MM-DD) [its own date].")
@click.option("--area", default=None, help="Only this area: its ODS code (99J) or GSS code (E38000199).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--summary", is_flag=True, help="Counts only, no findings.")
@click.option("--min", "min_", default=None, help="Smallest acceptable network population [30000].")
@click.option("--max", "max_", default=None, help="Largest acceptable network population [50000].")
@click.option("--dominance", default=None, help="Largest member's share that counts as dominant [0.5].")
@click.option("--extended-hours", default=None, help="Share of patients that must be covered [1.0].")
@click.option("--cross-boundary-tolerance", default=None, help="Polygon share allowed outside the main area [0.05].")
@click.option(
    "--stale-days", default=None, help="List sizes older than this before the scenario's date are stale [548]."
)
def check(
    scenario: str,
    boundary_set: str | None,
    as_of: str | None,
    area: str | None,
    fmt: str,
    summary: bool,
    min_: str | None,
    max_: str | None,
    dominance: str | None,
    extended_hours: str | None,
    cross_boundary_tolerance: str | None,
    stale_days: str | None,
) -> None:
    """Check a scenario's networks against the planning rules."""
    from geo_service.analysis import described, report, service

    params = {
        "min": min_,
        "max": max_,
        "dominance": dominance,
        "extended_hours": extended_hours,
        "cross_boundary_tolerance": cross_boundary_tolerance,
        "stale_days": stale_days,
    }
    detail = "summary" if summary and fmt != "csv" else "full"
    db = database()
    try:
        with db.connection() as conn:
            result = service.run_checks(conn, scenario, boundary_set, area, params, detail=detail, as_of=as_of)
            # Commissioner / area names beside codes in the CSV's description columns (analysis.wording).
            names = described.names_for(conn, result["items"], scope=result.get("scope")) if "items" in result else {}
    finally:
        db.close()
    if fmt == "json":
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        click.echo(report.to_csv(result, names), nl=False)
    else:
        click.echo(report.to_table(result), nl=False)

"""``geo-service plan``: plans from the command line (issue 20: ``plan import`` makes a plan from a membership
spreadsheet, the same use case as the plans page's upload)."""

from __future__ import annotations

from pathlib import Path

import click

from geo_service.cli.context import cli_actor, database


@click.group()
def plan() -> None:
    """Plans (scenarios made in the service)."""


@plan.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--from", "source", required=True, help="Slug of the scenario the plan copies.")
@click.option("--name", required=True, help="Name of the new plan.")
@click.option("--description", default=None, help="What the plan is for.")
@click.option("--public", is_flag=True, help="Visible to everyone [private].")
@click.option("--owner", default=None, help="Username that owns the plan [no owner: admins only].")
@click.option("--quiet", is_flag=True, help="Print only the new plan's slug.")
def import_(
    file: Path, source: str, name: str, description: str | None, public: bool, owner: str | None, quiet: bool
) -> None:
    """Create a plan from a membership spreadsheet (CSV or XLSX, as downloaded from membership.csv|.xlsx): a copy
    of --from with the file's memberships. A wrong row refuses the whole file (file, row and field named) and
    nothing is created. The new plan's slug is the last line printed."""
    from geo_service.errors import NotFound
    from geo_service.plans import sheet_import, spreadsheet

    if file.stat().st_size > spreadsheet.MAX_BYTES:
        raise click.ClickException(f"'{file.name}': the file is larger than {spreadsheet.MAX_BYTES // 2**20} MB.")
    sheet = spreadsheet.read_sheet(file.read_bytes(), file.name)
    body = {"name": name, "copy_from": source, "visibility": "public" if public else "private"}
    if description:
        body["description"] = description
    actor = cli_actor()
    db = database()
    try:
        with db.connection() as conn:
            if owner:
                from geo_service.access.service import Actor
                from geo_service.db.repositories import users as users_repo

                row = users_repo.find_user(conn, owner)
                if row is None:
                    raise NotFound(f"No user '{owner}'.", parameter="owner")
                actor = Actor(row["id"], row["username"], f"cli:{row['username']}", frozenset({"admin"}),
                              frozenset({"*"}), frozenset({"*"}), via="cli")  # fmt: skip
            out = sheet_import.plan_from_sheet(conn, actor, body, sheet)
    finally:
        db.close()
    imported = out["imported"]
    if not quiet:
        click.echo(
            f"{imported['rows']:,} rows from {imported['file']} ({imported['format']}): "
            f"{imported['practices_moved']:,} practices moved, {imported['networks_created']:,} networks created, "
            f"{imported['networks_renamed']:,} renamed, {imported['networks_removed']:,} removed"
        )
    click.echo(out["slug"])

"""``geo-service backup FILE`` and ``geo-service restore FILE``: the database (DATABASE_URL) to and from a
pg_dump custom-format file (issue 21). See README "Backups"."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Back the database up to FILE (pg_dump custom format)."""
    from geo_service.cli.context import settings
    from geo_service.db import backup as backups

    done = backups.backup(settings().database_url, file)
    click.echo(f"backed up to {done} ({done.stat().st_size:,} bytes)")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace what the database holds without asking.")
def restore(file: Path, yes: bool) -> None:
    """Restore the database from FILE (made by 'geo-service backup'), replacing its contents."""
    from geo_service.cli.context import settings
    from geo_service.db import backup as backups

    if not yes:
        click.confirm("Replace everything in the database with this backup?", abort=True)
    backups.restore(settings().database_url, file)
    click.echo(f"restored from {file}")

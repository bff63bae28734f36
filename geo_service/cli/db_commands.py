"""``geo-service db start|stop|status``, ``migrate`` and ``demo``."""

from __future__ import annotations

import os

import click

from geo_service.cli.context import database, settings


def _cluster():  # noqa: ANN202 - a LocalCluster: development tooling, imported only by these commands
    from geo_service.devtools.cluster import LocalCluster

    s = settings()
    return LocalCluster(s.project_root, port=s.local_db_port)


@click.group()
def db() -> None:
    """Manage the project-local PostGIS cluster (.pgdata/, 127.0.0.1:5544)."""


@db.command()
def start() -> None:
    """Create (first time) and start the local cluster, and its database."""
    if os.environ.get("DATABASE_URL"):
        click.echo("DATABASE_URL is set: using that database, no local cluster started.")
        return
    click.echo(f"local PostGIS: {_cluster().start()}")


@db.command()
def stop() -> None:
    """Stop the local cluster."""
    click.echo(f"local PostGIS: {_cluster().stop()}")


@db.command()
def status() -> None:
    """Show whether the local cluster is running."""
    if os.environ.get("DATABASE_URL"):
        click.echo("DATABASE_URL is set: the local cluster is not used.")
    click.echo(f"local PostGIS: {_cluster().status()}")


@click.command()
def migrate() -> None:
    """Bring the schema up to date: baseline, changed function and trigger files, pending migrations (safe to run
    again)."""
    from geo_service.db.migrate import migrate as run

    applied = run(settings().database_url)
    if not applied:
        click.echo("schema up to date")
        return
    migrations = [a for a in applied if not a.startswith(("function ", "trigger "))]
    functions = [a.split(" ", 1)[1] for a in applied if a.startswith("function ")]
    triggers = [a.split(" ", 1)[1] for a in applied if a.startswith("trigger ")]
    parts = [*migrations]
    for kind, names in (("function", functions), ("trigger", triggers)):
        if names:
            shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
            parts.append(f"{len(names)} {kind}{'s' if len(names) > 1 else ''} ({shown})")
    click.echo("applied: " + "; ".join(parts))


@click.command()
@click.option("--if-empty", is_flag=True, help="Only load when the database has no data yet.")
@click.option("--remove", is_flag=True, help="Remove the synthetic demo dataset (real data is not touched).")
def demo(if_empty: bool, remove: bool) -> None:
    """Load or refresh the synthetic demo dataset (or remove it)."""
    from geo_service.demo.load import load_demo, remove_demo

    if remove:
        gone = remove_demo(database())
        click.echo("demo data removed: " + ", ".join(f"{v} {k}" for k, v in gone.items()))
        return
    result = load_demo(database(), only_if_empty=if_empty)
    if "skipped" in result:
        click.echo(f"demo data: skipped ({result['skipped']})")
    else:
        click.echo("demo data loaded: " + ", ".join(f"{v} {k}" for k, v in result.items()))

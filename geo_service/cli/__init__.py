"""The ``geo-service`` command line. Commands call the same services as the web app."""

from __future__ import annotations

import logging
import sys

import click

from geo_service.errors import GeoServiceError


class ServiceGroup(click.Group):
    """Turns expected errors into a clear message and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GeoServiceError as err:
            click.echo(f"Error: {err.detail}", err=True)
            sys.exit(1)


@click.group(cls=ServiceGroup)
@click.option("-v", "--verbose", is_flag=True, help="Log more detail.")
def main(verbose: bool) -> None:
    """geo_service: map service for planning GP primary care networks."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")


def _register() -> None:
    from geo_service.cli import db_commands, serve_commands

    main.add_command(db_commands.db)
    main.add_command(db_commands.migrate)
    main.add_command(db_commands.demo)
    main.add_command(serve_commands.serve)
    main.add_command(__import__("geo_service.cli.check_command", fromlist=["check"]).check)
    main.add_command(__import__("geo_service.cli.import_commands", fromlist=["import_group"]).import_group)
    main.add_command(__import__("geo_service.cli.export_commands", fromlist=["export"]).export)
    main.add_command(__import__("geo_service.cli.export_commands", fromlist=["print_"]).print_)
    main.add_command(__import__("geo_service.cli.scenario_commands", fromlist=["scenario"]).scenario)
    main.add_command(__import__("geo_service.cli.scenario_commands", fromlist=["extracts"]).extracts)
    main.add_command(__import__("geo_service.cli.users_commands", fromlist=["users"]).users)  # issue 12
    main.add_command(__import__("geo_service.cli.suggest_command", fromlist=["suggest"]).suggest)  # issue 22
    main.add_command(__import__("geo_service.cli.suggest_command", fromlist=["worker"]).worker)  # issue 22: job queue
    main.add_command(__import__("geo_service.cli.backup_commands", fromlist=["backup"]).backup)  # issue 21
    main.add_command(__import__("geo_service.cli.backup_commands", fromlist=["restore"]).restore)
    main.add_command(__import__("geo_service.cli.plan_commands", fromlist=["plan"]).plan)  # issue 20: plan import


def _time_imports(group: click.Group) -> None:
    """Issue 26: every ``import`` subcommand observes ``geo_import_duration_seconds`` (kind = its name; outcome ok
    or failed). With ``PROMETHEUS_MULTIPROC_DIR`` shared with the app, ``/metrics`` reports it."""
    import functools

    from geo_service import metrics

    for name, command in group.commands.items():
        if command.callback is None or getattr(command.callback, "__geo_timed__", False):
            continue

        def timed(*args, __kind=name, __run=command.callback, **kwargs):
            with metrics.timed_import(__kind):
                return __run(*args, **kwargs)

        command.callback = functools.update_wrapper(timed, command.callback)
        command.callback.__geo_timed__ = True


_register()
_time_imports(main.commands["import"])

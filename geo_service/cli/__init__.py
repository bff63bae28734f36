"""The ``geo-service`` command line. Commands call the same services as the web app."""

from __future__ import annotations

import importlib
import logging
import sys

import click

from geo_service.errors import GeoServiceError

# command name → (module, attribute). A command's module is imported only when that command runs (or ``--help`` lists
# them all): ``geo-service db start`` no longer imports the print and export stack (matplotlib, geopandas), which was
# most of a command's 1.5 s of start-up.
COMMANDS = {
    "db": ("geo_service.cli.db_commands", "db"),
    "migrate": ("geo_service.cli.db_commands", "migrate"),
    "demo": ("geo_service.cli.db_commands", "demo"),
    "serve": ("geo_service.cli.serve_commands", "serve"),
    "check": ("geo_service.cli.check_command", "check"),
    "import": ("geo_service.cli.import_commands", "import_group"),
    "export": ("geo_service.cli.export_commands", "export"),
    "print": ("geo_service.cli.export_commands", "print_"),
    "scenario": ("geo_service.cli.scenario_commands", "scenario"),
    "extracts": ("geo_service.cli.scenario_commands", "extracts"),
    "users": ("geo_service.cli.users_commands", "users"),  # issue 12
    "suggest": ("geo_service.cli.suggest_command", "suggest"),  # issue 22
    "worker": ("geo_service.cli.suggest_command", "worker"),  # issue 22: job queue
    "backup": ("geo_service.cli.backup_commands", "backup"),  # issue 21
    "restore": ("geo_service.cli.backup_commands", "restore"),
    "plan": ("geo_service.cli.plan_commands", "plan"),  # issue 20: plan import
}


class ServiceGroup(click.Group):
    """Turns expected errors into a clear message and exit code 1, never a traceback; loads each command of
    :data:`COMMANDS` when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMANDS:
            module, attribute = COMMANDS[name]
            command = getattr(importlib.import_module(module), attribute)
            if name == "import":
                _time_imports(command)
            self.add_command(command, name)
        return self.commands.get(name)

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

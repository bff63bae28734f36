"""The ``geo-service`` command line. Commands call the same services as the web app."""

from __future__ import annotations

import importlib
import logging
import sys

import click

from geo_service.errors import GeoServiceError

# command name → (module, attribute, summary). A command's module is imported only when that command runs:
# ``geo-service db start`` no longer imports the print and export stack (matplotlib, geopandas), which was most of a
# command's 1.5 s of start-up, and ``geo-service --help`` lists the commands from their summaries here (each is the
# first sentence of the command's own help; tests/db/test_cluster.py checks they agree) without importing any.
COMMANDS = {
    "db": ("geo_service.cli.db_commands", "db", "Manage the project-local PostGIS cluster (.pgdata/, 127.0.0.1:5544)."),
    "migrate": (
        "geo_service.cli.db_commands",
        "migrate",
        "Bring the schema up to date: baseline, changed function and trigger files, pending migrations (safe to run "
        "again).",
    ),
    "demo": ("geo_service.cli.db_commands", "demo", "Load or refresh the synthetic demo dataset (or remove it)."),
    "serve": ("geo_service.cli.serve_commands", "serve", "Serve the web app."),
    "check": ("geo_service.cli.check_command", "check", "Check a scenario's networks against the planning rules."),
    "import": (
        "geo_service.cli.import_commands",
        "import_group",
        "Import official data files (one transaction per command; re-running changes nothing).",
    ),
    "export": (
        "geo_service.cli.export_commands",
        "export",
        "Export a scenario's layers (practices, networks, areas, memberships) for QGIS/ArcGIS.",
    ),
    "print": (
        "geo_service.cli.export_commands",
        "print_",
        "Render a print-ready map of one area or one network (title, legend, scale bar, north arrow).",
    ),
    "scenario": (
        "geo_service.cli.scenario_commands",
        "scenario",
        "Show or change the date, extracts and default boundary set a scenario is judged on.",
    ),
    "extracts": (
        "geo_service.cli.scenario_commands",
        "extracts",
        "List the loaded extracts (files) with their ids, kinds, dates and datasets.",
    ),
    "users": (  # issue 12
        "geo_service.cli.users_commands",
        "users",
        "Users, roles (editor, approver, admin) and API tokens.",
    ),
    "suggest": (  # issue 22
        "geo_service.cli.suggest_command",
        "suggest",
        "Suggest networks for an area (or every area of a boundary set): a new draft plan.",
    ),
    "worker": (  # issue 22: job queue
        "geo_service.cli.suggest_command",
        "worker",
        "Run background suggestions (jobs asked for over the web) until stopped; start as many as you like.",
    ),
    "backup": (  # issue 21
        "geo_service.cli.backup_commands",
        "backup",
        "Back the database up to FILE (pg_dump custom format).",
    ),
    "restore": (
        "geo_service.cli.backup_commands",
        "restore",
        "Restore the database from FILE (made by 'geo-service backup'), replacing its contents.",
    ),
    "plan": (
        "geo_service.cli.plan_commands",
        "plan",
        "Plans (scenarios made in the service).",
    ),  # issue 20: plan import
}


class ServiceGroup(click.Group):
    """Turns expected errors into a clear message and exit code 1, never a traceback; loads each command of
    :data:`COMMANDS` when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMANDS:
            module, attribute, _ = COMMANDS[name]
            command = getattr(importlib.import_module(module), attribute)
            if name == "import":
                _time_imports(command)
            self.add_command(command, name)
        return self.commands.get(name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their summaries, as click lists them, without loading a command to read its help."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        rows = []
        for name in names:
            if name in self.commands or name not in COMMANDS:
                command = self.get_command(ctx, name)
                if command is not None and not command.hidden:
                    rows.append((name, command.get_short_help_str(limit)))
            else:
                rows.append((name, click.utils.make_default_short_help(COMMANDS[name][2], limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

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

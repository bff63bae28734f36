"""``geo-service serve``: the development server, or gunicorn with ``--prod``."""

from __future__ import annotations

import os

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=lambda: int(os.environ.get("PORT", 5000)), show_default="PORT or 5000", type=int)
@click.option("--prod", is_flag=True, help="Serve with gunicorn (several worker processes).")
@click.option(
    "--workers",
    default=lambda: int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1)),
    show_default="WEB_CONCURRENCY or 2×CPU+1",
    type=int,
)
def serve(host: str, port: int, prod: bool, workers: int) -> None:
    """Serve the web app."""
    if prod:
        args = [
            "gunicorn",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "geo_service.wsgi:app",
        ]
        os.execvp(args[0], args)
    from geo_service import create_app

    click.echo(f"serving on http://{host}:{port}/")
    create_app().run(host=host, port=port, debug=False, threaded=True)

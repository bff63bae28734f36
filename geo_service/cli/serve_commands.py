"""``geo-service serve``: the development server, or gunicorn with ``--prod``.

gunicorn is started from the running interpreter (``python -m gunicorn``), not looked up on ``PATH``: the
README's ``.venv/bin/geo-service serve --prod`` then works whether or not ``.venv/bin`` is on ``PATH``. Its
workers are threaded (``gthread``), so a slow request (a print, whose drawing runs in a child process) does
not hold up ``/healthz`` or the map requests behind it.
"""

from __future__ import annotations

import os
import sys

import click


def gunicorn_command(host: str, port: int, workers: int, threads: int, access_log: bool | None = None) -> list[str]:
    """The gunicorn command line, run by this interpreter. gunicorn's plain access log is off when the app writes
    its own JSON line per request (``GEO_LOG_FORMAT=json``) unless ``access_log`` says otherwise."""
    if access_log is None:
        access_log = os.environ.get("GEO_LOG_FORMAT") != "json"
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        *(("--access-logfile", "-") if access_log else ()),
        "--config",  # request limits, problem+json for gunicorn's own 400/414/431, no Server header
        "python:geo_service.web.gunicorn_conf",
        "geo_service.wsgi:app",
    ]


def throttling_storage_problem(env: dict[str, str], workers: int) -> str | None:
    """Why the throttling counters would not be shared (None: they are, or one process counts them all).
    Flask-Limiter's ``memory://`` store counts per worker process: with N workers a sign-in guesser gets N times
    the allowance. Unset with several workers: refused; ``memory://`` named on purpose: allowed, warned about."""
    storage = (env.get("GEO_RATELIMIT_STORAGE") or "").strip()
    if storage or workers <= 1:
        return None
    return (
        f"GEO_RATELIMIT_STORAGE is not set: each of the {workers} workers would count sign-in failures, uploads "
        "and prints on its own. Point it at one shared store (redis://host:6379, as docker-compose.yml does), or "
        "set it to memory:// to accept per-worker counting"
    )


def check_production(port: int, workers: int = 1) -> None:
    """Refuse (exit 2) a production start that anyone could take over: a missing or weak ``GEO_SECRET_KEY``
    (sessions forged with a known key), a weak ``GEO_ADMIN_TOKEN``, an unset ``GEO_PUBLIC_URL``, several workers
    without a shared throttling store. Sets ``GEO_PRODUCTION=1`` for the workers, whose settings then refuse the
    same (gunicorn run by hand included)."""
    from geo_service.config import production_problems

    env = {k: v for k, v in os.environ.items() if k.startswith("GEO_")}
    problems = production_problems(env)
    if not env.get("GEO_PUBLIC_URL"):
        problems.append(f"GEO_PUBLIC_URL is not set (embeds and links would point at http://127.0.0.1:{port})")
    shared = throttling_storage_problem(env, workers)
    if shared:
        problems.append(shared)
    elif workers > 1 and env.get("GEO_RATELIMIT_STORAGE", "").strip().startswith("memory://"):
        click.echo(
            f"WARNING: GEO_RATELIMIT_STORAGE=memory:// counts throttling per worker ({workers} workers: {workers}x "
            "the sign-in, upload and print allowances); use a shared store (redis://) on the internet.",
            err=True,
        )
    if problems:
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        click.echo("refusing to serve in production; see README 'Production'.", err=True)
        raise SystemExit(2)
    os.environ["GEO_PRODUCTION"] = "1"


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
@click.option(
    "--threads",
    default=lambda: int(os.environ.get("WEB_THREADS", 4)),
    show_default="WEB_THREADS or 4",
    type=click.IntRange(1, 64),
    help="Threads per gunicorn worker (--prod).",
)
def serve(host: str, port: int, prod: bool, workers: int, threads: int) -> None:
    """Serve the web app."""
    if prod:
        check_production(port, workers)  # refuses before anything is changed (the caller's environment included)
    os.environ["PORT"] = str(port)  # GEO_PUBLIC_URL's development default follows the port served
    from geo_service.cli.context import local_defaults

    os.environ.update(local_defaults())  # no DATABASE_URL: the project-local cluster (for gunicorn's workers too)
    if prod:
        os.environ.setdefault("GEO_LOG_FORMAT", "json")  # issue 26: one JSON line per request on stderr
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # issue 26: /metrics adds up every worker's values
            import tempfile

            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="geo-service-metrics-")
        args = gunicorn_command(host, port, workers, threads)
        os.execv(args[0], args)
    from geo_service import create_app

    click.echo(f"serving on http://{host}:{port}/")
    create_app().run(host=host, port=port, debug=False, threaded=True)

"""No Docker engine runs here: keep Dockerfile and compose file honest against the Makefile by parsing them."""

import re
import tomllib

import yaml

from geo_service.config import PROJECT_ROOT

ROOT = PROJECT_ROOT


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_same_python_version_everywhere():
    pinned = (ROOT / ".python-version").read_text().strip()
    docker = re.search(r"^ARG PYTHON_VERSION=(\S+)$", _dockerfile(), re.M).group(1)
    assert docker == pinned
    assert re.search(r"^FROM python:\$\{PYTHON_VERSION\}-slim-bookworm", _dockerfile(), re.M)
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert compose["services"]["app"]["build"]["args"]["PYTHON_VERSION"] == pinned
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == f">={pinned}"
    assert f"(3, {pinned.split('.')[1]})" in (ROOT / "scripts" / "bootstrap.sh").read_text()


def test_same_requirements_and_assets_as_the_makefile():
    docker = _dockerfile()
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --no-cache-dir -r requirements.txt" in docker
    assert "requirements.txt" in makefile and "-r requirements.txt" in (ROOT / "scripts" / "bootstrap.sh").read_text()
    assert "npm ci" in docker and "npm ci" in makefile
    assert "COPY package.json package-lock.json" in docker
    assert "scripts/vendor_assets.py" in docker and "scripts/vendor_assets.py" in makefile
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][A-Za-z0-9.]*", line), f"not pinned: {line}"


def test_same_port_and_a_postgis_database():
    port = re.search(r"^PORT \?= (\d+)$", (ROOT / "Makefile").read_text(), re.M).group(1)
    docker = _dockerfile()
    assert f"EXPOSE {port}" in docker and f"PORT={port}" in docker
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    app, db = compose["services"]["app"], compose["services"]["db"]
    # Issue 21: only the reverse proxy is published (on the same port); gunicorn is reached through it.
    assert "ports" not in app and app["expose"] == [port]
    assert compose["services"]["proxy"]["ports"] == [f"127.0.0.1:{port}:8080"]
    assert app["environment"]["PORT"] == port
    assert db["image"].startswith("postgis/postgis:15-")
    url = app["environment"]["DATABASE_URL"]
    env = db["environment"]
    assert url == f"postgresql://{env['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}@db:5432/{env['POSTGRES_DB']}"
    assert "postgresql-15-postgis-3" in (ROOT / "scripts" / "bootstrap.sh").read_text()


def test_production_command_is_gunicorn_after_migrations():
    cmd = re.search(r"^CMD (.+)$", _dockerfile(), re.M).group(1)
    assert "geo-service migrate" in cmd and "serve --prod" in cmd
    assert "geo_service.wsgi:app" in (ROOT / "geo_service" / "cli" / "serve_commands.py").read_text()


def test_ci_runs_the_readme_test_command():
    assert (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1] == "make test"
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme


def test_compose_runs_a_queue_worker_beside_the_app():
    """Issue 22: background suggestions run in their own service, from the same image and database."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    app, worker = compose["services"]["app"], compose["services"]["worker"]
    assert worker["command"] == ["geo-service", "worker"] and worker["build"] == app["build"]
    assert worker["environment"]["DATABASE_URL"] == app["environment"]["DATABASE_URL"]
    assert app["environment"]["GEO_JOB_WORKER"] == "off" and "ports" not in worker

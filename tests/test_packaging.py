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


TEST_TOOLS = ("pytest", "hypothesis", "playwright", "schemathesis", "ruff", "owslib", "pypdf", "xdist")


def test_the_image_installs_runtime_dependencies_only():
    """Issue 24: the production stage installs requirements.txt (the runtime pins) and the package without its
    extras or dependencies again: no pytest nor any other test tool in the image."""
    stages = re.split(r"^FROM ", _dockerfile(), flags=re.M)
    app = next(stage for stage in stages if " AS app" in stage.splitlines()[0])
    installs = [line for line in app.splitlines() if re.search(r"\bpip install\b", line)]
    assert installs, "the app stage installs nothing with pip"
    for line in installs:
        line = line.split("&&")[0]
        assert "[" not in line, f"extras in the image: {line}"  # no .[test] and the like
        assert not any(tool in line for tool in TEST_TOOLS), line
        args = line.split("pip install", 1)[1].split()
        files = [args[i + 1] for i, a in enumerate(args) if a in ("-r", "--requirement")]
        assert files in ([], ["requirements.txt"]), line
        if not files:
            assert "--no-deps" in args and args[-1] == ".", line  # the package itself, deps already pinned
    listed = (ROOT / "requirements.txt").read_text().lower()
    for tool in TEST_TOOLS:
        assert not re.search(rf"^[a-z0-9_.-]*{tool}[a-z0-9_.-]*==", listed, re.M), f"{tool} in requirements.txt"
    assert "COPY setup.py" in app or "setup.py" in app  # the build hook that packs templates/ and static/


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


def test_compose_counts_throttling_in_one_store_for_every_worker():
    """Issue 21: Flask-Limiter's memory store counts per worker; the production shape shares one redis."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    storage = compose["services"]["app"]["environment"]["GEO_RATELIMIT_STORAGE"]
    host = re.fullmatch(r"redis://([a-z0-9_-]+):6379/\d+", storage).group(1)
    store = compose["services"][host]
    assert store["image"].startswith("redis:") and "ports" not in store  # reached by the app only
    assert host in compose["services"]["app"]["depends_on"]


def test_compose_runs_a_queue_worker_beside_the_app():
    """Issue 22: background suggestions run in their own service, from the same image and database."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    app, worker = compose["services"]["app"], compose["services"]["worker"]
    assert worker["command"] == ["geo-service", "worker"] and worker["build"] == app["build"]
    assert worker["environment"]["DATABASE_URL"] == app["environment"]["DATABASE_URL"]
    assert app["environment"]["GEO_JOB_WORKER"] == "off" and "ports" not in worker

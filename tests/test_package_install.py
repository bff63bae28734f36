"""The package installs whole: every module folder is a package, migrations ship as package data."""

import hashlib
import importlib.metadata
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

import pytest
from filelock import FileLock

from geo_service.config import PROJECT_ROOT
from tests.conftest import free_port
from tests.gunicorn_server import running_gunicorn


def test_every_code_folder_is_a_package():
    pkg = PROJECT_ROOT / "geo_service"
    missing = [
        str(d.relative_to(PROJECT_ROOT))
        for d in pkg.rglob("*")
        if d.is_dir() and d.name != "__pycache__" and any(d.glob("*.py")) and not (d / "__init__.py").exists()
    ]
    assert missing == []


@pytest.fixture(scope="module")
def built_wheel(tmp_path_factory) -> Path:
    """The project's wheel, built once from the checkout for every test here (``pip wheel .``, as a user builds
    it): the tests read or install the same file instead of each building its own."""
    wheels = tmp_path_factory.mktemp("wheels")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), "."],
        cwd=PROJECT_ROOT,
        check=True,
    )
    return next(wheels.glob("geo_service-*.whl"))


def test_wheel_contains_every_module_and_migration(built_wheel):
    names = set(zipfile.ZipFile(built_wheel).namelist())
    for path in (PROJECT_ROOT / "geo_service").rglob("*"):
        if path.suffix in (".py", ".sql") and "__pycache__" not in path.parts:
            assert str(path.relative_to(PROJECT_ROOT)) in names, path


TEST_TOOLS = {"pytest", "pytest-xdist", "hypothesis", "playwright", "schemathesis", "ruff", "owslib", "pypdf"}


def _wheelhouse() -> Path:
    """Wheels of the pinned runtime dependencies, built once per requirements.txt (from pip's cache and the
    configured indexes) and kept in the temporary folder: later runs install from it without an index."""
    digest = hashlib.sha256((PROJECT_ROOT / "requirements.txt").read_bytes()).hexdigest()[:12]
    house = Path(tempfile.gettempdir()) / f"geo_service-wheelhouse-{digest}"
    with FileLock(str(house) + ".lock"):
        if not (house / ".complete").exists():
            subprocess.run(
                [sys.executable, "-m", "pip", "wheel", "-q", "-r", "requirements.txt", "-w", str(house)],
                cwd=PROJECT_ROOT,
                check=True,
            )
            (house / ".complete").touch()
    return house


def _installed_distributions(venv: Path) -> set[str]:
    """Names of the distributions installed in ``venv``: its ``*.dist-info`` metadata, what ``pip list`` reads
    (read here in this process instead of starting pip again)."""
    site_packages = list(venv.glob("lib/python*/site-packages"))
    assert len(site_packages) == 1, site_packages
    found = importlib.metadata.distributions(path=[str(site_packages[0])])
    return {re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower() for dist in found}  # PEP 503 names


def test_pip_install_in_a_clean_venv_serves_pages_with_runtime_dependencies_only(tmp_path, demo_db_url, built_wheel):
    """Issue 24: ``pip install .`` is self-contained. A new venv (no system site-packages) gets the built wheel and
    its runtime dependencies, resolved from pyproject's pins against a wheelhouse of requirements.txt with no index
    (so the two lists agree), then ``geo-service --help`` and ``geo-service serve`` against a database answer a
    page, its stylesheet and a vendored script, run from outside the checkout (templates and static files come
    from the package). The venv lives in /dev/shm where there is one: installing is mostly writing files."""
    wheel = built_wheel
    names = zipfile.ZipFile(wheel).namelist()
    assert "geo_service/_site/templates/base.html" in names and "geo_service/_site/static/css/maps.css" in names
    house = _wheelhouse()
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() and os.access(shm, os.W_OK) else tmp_path) as where:
        venv = Path(where) / "venv"
        python = str(venv / "bin" / "python")
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        pip = [sys.executable, "-m", "pip", "--python", python, "--disable-pip-version-check"]
        install = [*pip, "install", "-q", "--no-compile", "--no-index", "--find-links", str(house), str(wheel)]
        subprocess.run(install, check=True, cwd=tmp_path)
        installed = _installed_distributions(venv)
        assert "geo-service" in installed or "geo_service" in installed
        assert not installed & TEST_TOOLS, installed & TEST_TOOLS
        cli = str(venv / "bin" / "geo-service")
        helped = subprocess.run([cli, "--help"], capture_output=True, text=True, cwd=tmp_path)
        assert helped.returncode == 0 and "serve" in helped.stdout, helped.stderr

        port = free_port()
        env = {**os.environ, "DATABASE_URL": demo_db_url, "GEO_TILES_URL": "none", "GEO_COOKIE_SECURE": "0"}
        env.pop("PYTHONPATH", None)
        cmd = [cli, "serve", "--host", "127.0.0.1", "--port", str(port)]
        with running_gunicorn(cmd, env, tmp_path / "serve.log", port, "/healthz") as base:
            with urllib.request.urlopen(base + "/", timeout=30) as page:
                html = page.read().decode()
            assert page.status == 200 and "<html" in html.lower() and "demo" in html.lower()
            for asset in ("/static/css/maps.css", "/static/vendor/leaflet/leaflet.js"):
                with urllib.request.urlopen(base + asset, timeout=30) as resp:
                    assert resp.status == 200 and len(resp.read()) > 100, asset
        where_from = [
            python,
            "-c",
            "import geo_service, sys; print(geo_service.__file__, 'geo_service.devtools' in sys.modules)",
        ]
        served_from = subprocess.run(where_from, capture_output=True, text=True, cwd=tmp_path, check=True).stdout
        assert served_from.startswith(str(venv)), served_from  # the installed package, not the checkout

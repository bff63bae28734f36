"""Issue 24: honest dependencies. pyproject's runtime list is requirements.txt's, pinned; test tools live in the
extras only; what the code imports is declared; the web app never loads the development tooling."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib

from geo_service.config import PROJECT_ROOT
from tests.pyparse import parse_python

PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
TEST_TOOLS = {"pytest", "pytest-xdist", "hypothesis", "playwright", "schemathesis", "ruff", "owslib", "pypdf", "pyyaml"}
# Distribution name of each third-party module geo_service imports (where they differ, and the ones that match).
DISTRIBUTION_OF = {
    "flask": "flask", "brotli": "brotli", "click": "click",
    "psycopg2": "psycopg2-binary", "shapely": "shapely", "pyproj": "pyproj", "pyogrio": "pyogrio",
    "geopandas": "geopandas", "pandas": "pandas", "numpy": "numpy", "folium": "folium", "branca": "branca",
    "openpyxl": "openpyxl", "defusedxml": "defusedxml", "tqdm": "tqdm", "matplotlib": "matplotlib",
    "gunicorn": "gunicorn", "argon2": "argon2-cffi", "flask_login": "flask-login", "flask_wtf": "flask-wtf",
    "wtforms": "wtforms", "flask_limiter": "flask-limiter", "limits": "limits", "apispec": "apispec",
    "apispec_webframeworks": "apispec-webframeworks", "marshmallow": "marshmallow", "webargs": "webargs",
    "networkx": "networkx", "procrastinate": "procrastinate",
    "prometheus_client": "prometheus-client",
    "prometheus_flask_exporter": "prometheus-flask-exporter", "pythonjsonlogger": "python-json-logger",
    "authlib": "authlib", "joserfc": "joserfc", "requests": "requests",
}  # fmt: skip
# Imported by Flask itself (its own dependencies) or only when installed (an optional basemap for prints).
INDIRECT = {"werkzeug", "markupsafe", "jinja2", "itsdangerous", "contextily"}


def _pins(lines: list[str]) -> dict[str, str]:
    pins = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([0-9][A-Za-z0-9.]*)", line).groups()
            pins[name.lower()] = version
    return pins


def test_runtime_dependencies_are_pinned_once_in_pyproject_and_requirements_alike():
    runtime = _pins(PYPROJECT["project"]["dependencies"])
    assert runtime == _pins((PROJECT_ROOT / "requirements.txt").read_text().splitlines())
    assert not set(runtime) & TEST_TOOLS
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert {"test", "bench", "dev"} <= set(extras)
    tests = _pins(extras["test"])
    assert {"pytest", "pytest-xdist", "playwright", "schemathesis"} <= set(tests) and not set(tests) & set(runtime)
    assert "rtree" not in runtime  # never imported: shapely's STRtree is the in-process index (README)


def test_every_third_party_module_the_package_imports_is_a_runtime_dependency():
    stdlib = set(sys.stdlib_module_names)
    imported = set()
    for path in (PROJECT_ROOT / "geo_service").rglob("*.py"):
        for node in ast.walk(parse_python(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - stdlib - {"geo_service", "__future__"} - INDIRECT
    assert third_party <= set(DISTRIBUTION_OF), third_party - set(DISTRIBUTION_OF)
    runtime = set(_pins(PYPROJECT["project"]["dependencies"]))
    assert {DISTRIBUTION_OF[m] for m in third_party} <= runtime
    # Pinned for a dependency's sake: flask-wtf's wtforms, flask-limiter's limits and its redis storage client,
    # procrastinate's psycopg 3 driver (its binary build) and connection pool.
    for_others = {"wtforms", "limits", "redis", "psycopg", "psycopg-binary", "psycopg-pool"}
    unused = runtime - {DISTRIBUTION_OF[m] for m in third_party} - for_others
    assert unused == set(), f"pinned, never imported: {unused}"


def test_the_web_app_does_not_load_the_development_tooling():
    code = (
        "import sys; from geo_service import create_app; import geo_service.web, geo_service.cli.serve_commands;"
        "create_app({'DATABASE_URL': 'postgresql://nobody@127.0.0.1:1/none', 'GEO_TILES_URL': 'none'});"
        "print(sorted(m for m in sys.modules if m.startswith('geo_service.devtools')), flush=True);"
        "import os; os._exit(0)"  # the answer is printed: skip the interpreter's teardown (0.5 s of CPU)
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, check=True)
    assert out.stdout.strip() == "[]"
    assert "devtools" not in (PROJECT_ROOT / "geo_service" / "config.py").read_text()

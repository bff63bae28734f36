# ruff: noqa: F811 - fixtures imported from tests.security.i21_fixtures are parameters here
"""Issue 21 finding 1 (forged admin sessions) and 9 (a weak, everlasting GEO_ADMIN_TOKEN).

Before: with no ``GEO_SECRET_KEY`` the app signed sessions with the published ``dev-only-not-secret``, so a
cookie made by anyone read and changed another user's private plan as the admin; ``serve --prod`` only warned;
``Bearer x`` was an admin token for ever.
"""

from __future__ import annotations

import re

import pytest
import yaml
from click.testing import CliRunner
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from geo_service.config import PROJECT_ROOT, load_settings
from tests.conftest import make_app
from tests.security.i21_fixtures import (  # noqa: F401 - fixtures
    STRONG_KEY,
    bearer,
    make_plan,
    secure_db,
    tokens,
)

KNOWN_KEY = "dev-only-not-secret"  # the old built-in key: published in the source


@pytest.fixture
def keyless_app(secure_db, monkeypatch):
    """The app as ``serve --prod`` used to build it: no GEO_SECRET_KEY anywhere."""
    monkeypatch.delenv("GEO_SECRET_KEY", raising=False)
    app = make_app(secure_db[0], GEO_COOKIE_SECURE=False)
    yield app
    app.extensions["geo_db"].close()


def _admin_id(app) -> int:
    from geo_service.access import service as access

    with app.extensions["geo_db"].connection() as conn:
        return access.user(conn, "admin")["id"]


def _forge(app, client, data: dict) -> None:
    """Sign ``data`` as a session cookie with the published key, and put it in ``client``'s jar."""
    forger = Flask("forger")
    forger.secret_key = KNOWN_KEY
    from flask_login.utils import _create_identifier

    with app.test_client() as probe:  # the identifier session protection expects: client address and agent
        probe.get("/healthz")
        data = {"_fresh": True, "_id": _create_identifier(), **data}
    cookie = SecureCookieSessionInterface().get_signing_serializer(forger).dumps(data)
    client.set_cookie("session", cookie)


def _forged_csrf(token: str) -> str:
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(KNOWN_KEY, salt="wtf-csrf-token").dumps(token)


def test_forged_admin_session_reads_and_writes_nothing(keyless_app, tokens):
    client = keyless_app.test_client()
    plan = make_plan(client, tokens["ed"], "forged-target")
    raw = "a" * 40
    _forge(keyless_app, client, {"_user_id": str(_admin_id(keyless_app)), "csrf_token": raw})
    assert client.get(f"/api/v1/plans/{plan['slug']}").status_code == 404
    resp = client.patch(
        f"/api/v1/plans/{plan['slug']}",
        json={"name": "Taken over"},
        headers={"X-CSRFToken": _forged_csrf(raw), "If-Match": "*"},
    )
    assert resp.status_code == 401, resp.get_data(as_text=True)
    owner = client.get(f"/api/v1/plans/{plan['slug']}", headers=bearer(tokens["ed"])).get_json()
    assert owner["name"] != "Taken over"


def test_forged_remember_cookie_signs_nobody_in(keyless_app, tokens):
    from flask_login.utils import encode_cookie

    client = keyless_app.test_client()
    plan = make_plan(client, tokens["ed"], "forged-remember")
    forger = Flask("forger")
    forger.secret_key = KNOWN_KEY
    with forger.app_context():
        client.set_cookie("remember_token", encode_cookie(str(_admin_id(keyless_app))))
    assert client.get(f"/api/v1/plans/{plan['slug']}").status_code == 404


def test_unset_key_is_random_not_published(monkeypatch):
    monkeypatch.delenv("GEO_SECRET_KEY", raising=False)
    one, two = load_settings({"DATABASE_URL": "postgresql://x/y"}), load_settings({"DATABASE_URL": "postgresql://x/y"})
    assert one.secret_key != KNOWN_KEY and one.secret_key != two.secret_key and len(one.secret_key) >= 32


@pytest.mark.parametrize(
    "env, complaint",
    [
        ({}, "GEO_SECRET_KEY is not set"),
        ({"GEO_SECRET_KEY": KNOWN_KEY}, "GEO_SECRET_KEY is a published example value"),
        ({"GEO_SECRET_KEY": "short-key"}, "GEO_SECRET_KEY is too weak"),
        ({"GEO_SECRET_KEY": "a" * 64}, "GEO_SECRET_KEY is too weak"),
        ({"GEO_SECRET_KEY": STRONG_KEY, "GEO_ADMIN_TOKEN": "x"}, "GEO_ADMIN_TOKEN is too weak"),
    ],
)
def test_production_refuses_weak_secrets(env, complaint, monkeypatch):
    from geo_service.config import InsecureConfiguration

    for name in ("GEO_SECRET_KEY", "GEO_ADMIN_TOKEN", "GEO_PRODUCTION"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(InsecureConfiguration, match=complaint):
        load_settings({"DATABASE_URL": "postgresql://x/y", "GEO_PRODUCTION": "1", **env})
    # serve --prod: refuses before starting gunicorn (exit 2, the reason on stderr)
    from geo_service.cli.serve_commands import serve

    started = []
    monkeypatch.setattr("os.execv", lambda *a: started.append(a))
    result = CliRunner().invoke(serve, ["--prod"], env={"GEO_PUBLIC_URL": "https://pcn.example.org", **env})
    assert result.exit_code == 2 and complaint in result.output and not started


def test_serve_prod_starts_with_strong_secrets(monkeypatch):
    from geo_service.cli.serve_commands import serve

    monkeypatch.setenv("GEO_PRODUCTION", "")  # so the teardown puts back what was there before (serve sets it)
    monkeypatch.setenv("PORT", "5000")  # likewise: serve sets PORT for GEO_PUBLIC_URL's default
    monkeypatch.setenv("GEO_LOG_FORMAT", "")  # likewise the production log format and the metrics folder
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    started = []

    def execv(*args):
        started.append(args)
        raise SystemExit(0)  # gunicorn would replace this process here

    monkeypatch.setattr("os.execv", execv)
    env = {"GEO_SECRET_KEY": STRONG_KEY, "GEO_PUBLIC_URL": "https://pcn.example.org", "GEO_ADMIN_TOKEN": ""}
    env["DATABASE_URL"] = "postgresql://x/y"  # else serve names the local cluster in this process's environment
    result = CliRunner().invoke(serve, ["--prod", "--workers", "1"], env=env)
    assert result.exit_code == 0, result.output
    assert started and "gunicorn" in started[0][1]
    import os

    assert os.environ.get("GEO_PRODUCTION") == "1"  # the workers' settings check the same


def test_compose_and_image_hold_no_secret():
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    app_env = compose["services"]["app"]["environment"]
    db_env = compose["services"]["db"]["environment"]
    assert re.fullmatch(r"\$\{GEO_SECRET_KEY:\?.+\}", app_env["GEO_SECRET_KEY"])
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?.+\}", db_env["POSTGRES_PASSWORD"])
    assert "${POSTGRES_PASSWORD:?" in app_env["DATABASE_URL"]
    assert app_env["GEO_ADMIN_TOKEN"] == "${GEO_ADMIN_TOKEN:-}"
    docker = (PROJECT_ROOT / "Dockerfile").read_text()
    assert re.search(r"^ENV GEO_PRODUCTION=1$", docker, re.M)
    assert "GEO_SECRET_KEY=" not in docker and "GEO_ADMIN_TOKEN=" not in docker
    example = (PROJECT_ROOT / "deploy" / "env.example").read_text()
    assert re.search(r"^GEO_SECRET_KEY=$", example, re.M) and re.search(r"^POSTGRES_PASSWORD=$", example, re.M)

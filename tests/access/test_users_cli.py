"""``geo-service users``: add, grant, token create/revoke, disable, list, all audited (issue 12)."""

from __future__ import annotations

import psycopg2
from click.testing import CliRunner

from geo_service.cli import main
from tests.conftest import make_app


def test_users_command(fresh_db_url):
    runner = CliRunner()
    env = {"DATABASE_URL": fresh_db_url}

    def run(*args, input=None, ok=True):
        result = runner.invoke(main, list(args), env=env, input=input)
        assert (result.exit_code == 0) == ok, result.output
        return result

    run("users", "add", "Jo", "--name", "Jo Planner", "--password-stdin", input="a long enough password\n")
    assert "already exists" in run("users", "add", "jo", "--no-password", ok=False).output
    assert "at least 10" in run("users", "add", "al", "--password-stdin", input="short\n", ok=False).output
    run("users", "grant", "jo", "editor")
    run("users", "grant", "jo", "approver", "--commissioner", "ZA1")
    assert "'boss' is not one of" in run("users", "grant", "jo", "boss", ok=False).output
    linked = run("users", "link-oidc", "jo", "jo-sub-123", "--issuer", "https://idp.example.nhs.uk/")
    assert "jo: linked to jo-sub-123 at https://idp.example.nhs.uk." in linked.output
    assert "already linked" in run("users", "link-oidc", "jo", "jo-sub-123", "--issuer", "https://idp.example.nhs.uk",
                                   ok=False).output  # fmt: skip
    listing = run("users", "list").output
    assert "jo\tJo Planner\tapprover:ZA1, editor" in listing
    made = run("users", "token", "create", "jo", "--label", "qgis")
    token = made.stdout.strip().splitlines()[-1]
    assert len(token) >= 40
    app = make_app(fresh_db_url)
    try:
        client = app.test_client()
        # the token authenticates (a 404 for the unknown scenario comes after the sign-in check), then stops
        auth = {"Authorization": f"Bearer {token}", "If-Match": '"v1"'}
        assert client.patch("/api/v1/scenarios/nope", json={"as_of": "2020-01-01"}, headers=auth).status_code == 404
        run("users", "disable", "jo")
        assert client.patch("/api/v1/scenarios/nope", json={"as_of": "2020-01-01"}, headers=auth).status_code == 401
        run("users", "disable", "jo", "--enable")
        assert client.patch("/api/v1/scenarios/nope", json={"as_of": "2020-01-01"}, headers=auth).status_code == 404
        with psycopg2.connect(fresh_db_url) as conn, conn.cursor() as cur:
            cur.execute("SELECT id FROM api_tokens")
            (token_id,) = cur.fetchone()
        assert "revoked" in run("users", "token", "revoke", str(token_id)).output
        assert client.patch("/api/v1/scenarios/nope", json={"as_of": "2020-01-01"}, headers=auth).status_code == 401
    finally:
        app.extensions["geo_db"].close()
    with psycopg2.connect(fresh_db_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT action FROM audit_log ORDER BY id")
        actions = [a for (a,) in cur.fetchall()]
    assert actions == ["user.add", "role.grant", "role.grant", "user.link_oidc", "token.create", "user.disable",
                       "user.enable", "token.revoke"]  # fmt: skip

"""Issue 26: sign-in with an OpenID provider, against a real one (npm ``oidc-provider``) on 127.0.0.1, never a mock.

End to end over HTTP with a cookie jar (the app's page, its button, the provider's login form, the callback): the
code flow with PKCE (the provider demands it), client_secret_basic and private_key_jwt, accounts made at the first
sign-in or linked beforehand, roles from a claim. Refused, each with its page and an audit row: an ID token for
another audience, a replayed state, an expired ID token (a provider whose clock is ten minutes slow issues ID tokens
that live one minute), a disabled account, an identity nobody linked, passwords when they are turned off."""

from __future__ import annotations

import pytest
from joserfc.jwk import RSAKey

from geo_service.access import oidc_accounts
from geo_service.access import service as access
from geo_service.db.pool import Database, dict_cursor
from tests.access.oidc_fixtures import SECRET, AppServer, Browser, OidcProvider, callback_url, client, free_port
from tests.conftest import make_app

ACCOUNTS = {
    "alice": {"name": "Alice Atkinson", "email": "alice@example.nhs.uk", "email_verified": True,
              "preferred_username": "alice", "groups": ["geo-editors", "staff"]},
    "bob": {"name": "Bob Brown", "preferred_username": "ed", "groups": ["geo-approvers-qwe"]},
    "carol": {"name": "Carol Clarke", "preferred_username": "carol", "groups": []},
    "dave": {"name": "Dave Davies", "preferred_username": "dave"},
    "erin": {"name": "Erin Evans", "preferred_username": "erin"},
}  # fmt: skip
ROLE_MAP = "geo-editors=editor, geo-approvers-qwe=approver@QWE"
SCOPES = "openid profile email groups"


def _callback(port: int) -> str:
    return f"http://127.0.0.1:{port}/sign-in/oidc/callback"


class Site:
    def __init__(self, app, port: int) -> None:
        self.app, self.port, self.url = app, port, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def sso(access_db_url, tmp_path_factory):
    """Three providers (a good one; one whose ID tokens name another audience; one whose clock is slow) and four
    app instances on the same database, each registered with its provider."""
    url = access_db_url[0]
    work = tmp_path_factory.mktemp("oidc")
    ports = {name: free_port() for name in ("basic", "jwt", "aud", "late")}
    key = RSAKey.generate_key(2048, parameters={"kid": "geo-test-client-key"})
    key_file = work / "client-key.pem"
    key_file.write_bytes(key.as_pem(private=True))
    public = key.as_dict(private=False)
    jwt_client = client("geo-jwt", [_callback(ports["jwt"])], token_endpoint_auth_method="private_key_jwt",
                        jwks={"keys": [public]}, token_endpoint_auth_signing_alg="RS256")  # fmt: skip
    del jwt_client["client_secret"]
    good = OidcProvider(work, [
        client("geo-basic", [_callback(ports["basic"])]),
        jwt_client,
    ], ACCOUNTS)  # fmt: skip
    mixed_up = OidcProvider(work, [client("geo-basic", [_callback(ports["aud"])])], ACCOUNTS,
                            idTokenAudience="another-service")  # fmt: skip
    slow_clock = OidcProvider(work, [client("geo-basic", [_callback(ports["late"])])], ACCOUNTS,
                              clockOffsetSeconds=-600, idTokenTtl=60)  # fmt: skip
    with good, mixed_up, slow_clock:
        common = {"GEO_COOKIE_SECURE": False, "GEO_OIDC_SCOPES": SCOPES, "GEO_OIDC_PROVIDER_NAME": "Test NHS Identity"}
        basic = {"GEO_OIDC_CLIENT_ID": "geo-basic", "GEO_OIDC_CLIENT_SECRET": SECRET}
        configs = {
            "basic": {**common, **basic, "GEO_OIDC_ISSUER": good.issuer, "GEO_OIDC_ROLE_CLAIM": "groups",
                      "GEO_OIDC_ROLE_MAP": ROLE_MAP},
            "jwt": {**common, "GEO_OIDC_ISSUER": good.issuer, "GEO_OIDC_CLIENT_ID": "geo-jwt",
                    "GEO_OIDC_PRIVATE_KEY_FILE": str(key_file), "GEO_OIDC_PRIVATE_KEY_ID": "geo-test-client-key",
                    "GEO_OIDC_ACCOUNTS": "existing", "GEO_LOCAL_PASSWORDS": "off"},
            "aud": {**common, **basic, "GEO_OIDC_ISSUER": mixed_up.issuer},
            "late": {**common, **basic, "GEO_OIDC_ISSUER": slow_clock.issuer},
        }  # fmt: skip
        sites, servers = {}, []
        for name, port in ports.items():
            app = make_app(url, GEO_PUBLIC_URL=f"http://127.0.0.1:{port}", **configs[name])
            servers.append(AppServer(app, port).__enter__())
            sites[name] = Site(app, port)
        sites["issuer"] = good.issuer
        try:
            yield sites
        finally:
            for server in servers:
                server.__exit__()
            for name in ports:
                sites[name].app.extensions["geo_db"].close()


@pytest.fixture(scope="module")
def db(access_db_url):
    database = Database(access_db_url[0], statement_timeout_ms=0)
    yield database
    database.close()


def _refusals(db, reason: str) -> list[dict]:
    with db.connection() as conn, dict_cursor(conn) as cur:
        cur.execute(
            """SELECT actor_id, resource_id, after FROM audit_log
                WHERE action = 'sign_in.refused' AND after->>'reason' = %(r)s ORDER BY id""",
            {"r": reason},
        )
        return cur.fetchall()


def _user(db, username: str) -> dict | None:
    with db.connection() as conn, dict_cursor(conn) as cur:
        cur.execute(
            """SELECT u.id, u.username, u.display_name, u.password_hash, i.issuer, i.subject,
                      array(SELECT role || coalesce('@' || commissioner_code, '') FROM user_roles r
                             WHERE r.user_id = u.id ORDER BY 1) AS roles
                 FROM users u LEFT JOIN user_identities i ON i.user_id = u.id WHERE u.username = %(u)s""",
            {"u": username},
        )
        return cur.fetchone()


def test_the_sign_in_page_offers_the_provider(sso):
    page = Browser().get(f"{sso['basic'].url}/sign-in")
    assert page.status_code == 200
    assert "Sign in with Test NHS Identity" in page.text and 'id="password"' in page.text


def test_sign_in_end_to_end_makes_a_linked_account_with_roles_from_the_claim(sso, db):
    browser = Browser()
    done = browser.sign_in(sso["basic"].url, "alice", next_path="/plans")
    assert done.status_code == 200 and done.url == f"{sso['basic'].url}/plans", done.text[:300]
    assert browser.signed_in_as(sso["basic"].url) == "Alice Atkinson"
    user = _user(db, "alice")
    assert (user["issuer"], user["subject"]) == (sso["issuer"], "alice")
    assert user["roles"] == ["editor"] and user["password_hash"] is None
    with db.connection() as conn, dict_cursor(conn) as cur:
        cur.execute("SELECT action, after FROM audit_log WHERE resource_id IN (%(id)s, 'alice') ORDER BY id",
                    {"id": str(user["id"])})  # fmt: skip
        actions = [(r["action"], (r["after"] or {}).get("method") or (r["after"] or {}).get("via")) for r in cur]
    assert actions == [("user.add", "oidc"), ("role.grant", "oidc claim"), ("sign_in", "oidc")]
    # the next sign-in finds the same account (linked by the subject): no second user
    again = Browser()
    again.sign_in(sso["basic"].url, "alice")
    assert again.signed_in_as(sso["basic"].url) == "Alice Atkinson" and _user(db, "alice-2") is None


def test_a_local_user_of_the_same_name_is_not_taken_over(sso, db):
    """bob's provider calls him 'ed', the name of a local user: he gets an account of his own beside it."""
    browser = Browser()
    browser.sign_in(sso["basic"].url, "bob")
    assert browser.signed_in_as(sso["basic"].url) == "Bob Brown"
    assert _user(db, "ed")["subject"] is None
    assert _user(db, "ed-2")["subject"] == "bob" and _user(db, "ed-2")["roles"] == ["approver@QWE"]


def test_a_token_for_another_audience_is_refused(sso, db):
    browser = Browser()
    refused = browser.sign_in(sso["aud"].url, "alice")
    assert refused.status_code == 401
    assert "ID token was meant for another service (its audience is not this one)" in refused.text
    assert browser.signed_in_as(sso["aud"].url) is None
    [row] = _refusals(db, "id_token_audience")
    assert row["after"]["method"] == "oidc" and row["after"]["message"].startswith("Test NHS Identity's ID token")


def test_a_replayed_state_is_refused(sso, db):
    browser = Browser()
    done = browser.sign_in(sso["basic"].url, "carol")
    assert done.status_code == 200 and browser.signed_in_as(sso["basic"].url) == "Carol Clarke"
    replay = callback_url(done)
    for who in (browser, Browser()):  # the same browser, and another one with the stolen URL
        again = who.get(replay)
        assert again.status_code == 400
        assert "This sign-in answer has already been used (a replay)" in again.text
    assert len(_refusals(db, "state_replayed")) == 2
    assert Browser().signed_in_as(sso["basic"].url) is None


def test_an_expired_id_token_is_refused(sso, db):
    browser = Browser()
    refused = browser.sign_in(sso["late"].url, "alice")
    assert refused.status_code == 401
    assert "ID token had expired when it arrived" in refused.text
    assert browser.signed_in_as(sso["late"].url) is None
    assert len(_refusals(db, "id_token_expired")) == 1


def test_a_disabled_account_is_refused(sso, db):
    Browser().sign_in(sso["basic"].url, "erin")  # made at the first sign-in
    with db.connection() as conn:
        access.disable(conn, "erin")
    browser = Browser()
    refused = browser.sign_in(sso["basic"].url, "erin")
    assert refused.status_code == 403 and "Your account on this service is disabled" in refused.text
    assert browser.signed_in_as(sso["basic"].url) is None
    [row] = _refusals(db, "account_disabled")
    assert row["resource_id"] == str(_user(db, "erin")["id"]) and row["after"]["subject"] == "erin"


def test_private_key_jwt_with_accounts_linked_beforehand_and_no_passwords(sso, db):
    site = sso["jwt"]
    page = Browser().get(f"{site.url}/sign-in")
    assert "Sign in with Test NHS Identity" in page.text and 'id="password"' not in page.text
    refused = Browser().sign_in(site.url, "dave")
    assert refused.status_code == 403 and "There is no account on this service for you yet" in refused.text
    assert _refusals(db, "account_not_provisioned")[0]["after"]["subject"] == "dave"
    with db.connection() as conn:
        access.add_user(conn, "dave.davies", "Dave Davies (NHS)", None)
        oidc_accounts.link(conn, "dave.davies", sso["issuer"], "dave")
    browser = Browser()
    done = browser.sign_in(site.url, "dave")
    assert done.status_code == 200 and browser.signed_in_as(site.url) == "Dave Davies (NHS)"
    # passwords are off: the form is not there, and a password sent anyway is refused
    with_password = Browser()
    form = with_password.get(f"{site.url}/sign-in")
    posted = with_password.submit(form, {"username": "ed", "password": "correct horse battery"}, "sign-in-oidc")
    assert posted.url.startswith(sso["issuer"])  # the only form on the page goes to the provider
    direct = with_password.http.post(f"{site.url}/sign-in", data={"username": "ed", "password": "x"}, timeout=30)
    assert direct.status_code == 403 and "Passwords are turned off on this service" in direct.text

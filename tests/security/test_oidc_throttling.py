# ruff: noqa: F811 - fixtures imported from tests.security.i21_fixtures are parameters here
"""Issue 21: sign-in with the organisation's OpenID provider was not throttled. ``POST /sign-in/oidc`` and
``GET /sign-in/oidc/callback`` each make this service call the provider (discovery, keys, the token endpoint), and
an address could send as many as it liked while password sign-in answered 429.

Now the OpenID routes count against the same per-address sign-in allowance as the password form (one count, so
switching method does not buy more tries): a flood from one address gets 429 with ``Retry-After`` and the sign-in
page saying why, while another person from another address is still sent on to the provider. A real provider
(npm ``oidc-provider``, tests/access/oidc_provider.mjs) answers; nothing is mocked."""

from __future__ import annotations

import pytest

from tests.access.oidc_fixtures import SECRET, OidcProvider, client
from tests.conftest import make_app
from tests.security.i21_fixtures import PASSWORD, STRONG_KEY, csrf_of, secure_db  # noqa: F401

ALLOWANCE = 5  # attempts per address (the shipped 60 per minute, made small so the test is short)


@pytest.fixture(scope="module")
def sso_app(secure_db, tmp_path_factory):
    work = tmp_path_factory.mktemp("oidc-throttle")
    callback = "http://127.0.0.1:9/sign-in/oidc/callback"  # never followed: the test client stays in the app
    accounts = {"alice": {"name": "Alice Atkinson", "preferred_username": "alice"}}
    with OidcProvider(work, [client("geo-basic", [callback])], accounts) as provider:
        app = make_app(
            secure_db[0],
            GEO_COOKIE_SECURE=False,
            GEO_SECRET_KEY=STRONG_KEY,
            GEO_PUBLIC_URL="http://127.0.0.1:9",
            GEO_OIDC_ISSUER=provider.issuer,
            GEO_OIDC_CLIENT_ID="geo-basic",
            GEO_OIDC_CLIENT_SECRET=SECRET,
            GEO_SIGN_IN_LIMIT=f"{ALLOWANCE} per hour",
        )
        try:
            yield app
        finally:
            app.extensions["geo_db"].close()


def _browser(app, address: str):
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def _start(browser):
    return browser.post("/sign-in/oidc", data={"csrf_token": csrf_of(browser)})


def test_an_oidc_flood_is_refused_while_another_person_signs_in(sso_app):
    flooder = _browser(sso_app, "203.0.113.21")
    answers = [_start(flooder) for _ in range(ALLOWANCE)]
    assert [a.status_code for a in answers] == [302] * ALLOWANCE  # each sent on to the provider
    assert all(a.headers["Location"].startswith(sso_app.config["GEO_OIDC_ISSUER"]) for a in answers)

    refused = _start(flooder)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    page = refused.get_data(as_text=True)
    assert "Too many requests" in page and 'name="csrf_token"' in page  # the sign-in page, saying why

    # The callback is the same allowance: a flood of made-up codes never reaches the provider's token endpoint.
    callback = flooder.get("/sign-in/oidc/callback?code=made-up&state=made-up")
    assert callback.status_code == 429 and int(callback.headers["Retry-After"]) > 0
    # ... and so is the password form: switching method buys no more tries.
    password = flooder.post("/sign-in", data={"username": "ed", "password": PASSWORD, "csrf_token": csrf_of(flooder)})
    assert password.status_code == 429

    someone_else = _browser(sso_app, "198.51.100.21")
    served = _start(someone_else)
    assert served.status_code == 302 and served.headers["Location"].startswith(sso_app.config["GEO_OIDC_ISSUER"])
    assert someone_else.get("/sign-in").status_code == 200


def test_a_callback_flood_is_refused_before_the_provider_is_asked(sso_app):
    flooder = _browser(sso_app, "203.0.113.22")
    answers = [flooder.get(f"/sign-in/oidc/callback?code=c{i}&state=s{i}").status_code for i in range(ALLOWANCE)]
    assert 429 not in answers  # refused for their own reasons (no such sign-in was started), not throttled
    assert flooder.get("/sign-in/oidc/callback?code=c&state=s").status_code == 429
    assert _start(_browser(sso_app, "198.51.100.22")).status_code == 302

# ruff: noqa: F811 - fixtures imported from tests.security.i21_fixtures are parameters here
"""Issue 21 finding 6: no sign-in throttling (about 10 guesses a second per server; after 500 failures the right
password still worked; on the development server each guess held a pooled connection during the hash).

Now: failed sign-ins per account and all sign-ins per client address are limited (429 with Retry-After), other
users from other addresses stay served, and the hash runs with no pooled connection held."""

from __future__ import annotations

from geo_service.web.pipeline.throttling import SIGN_IN_PER_CLIENT
from tests.conftest import make_app
from tests.security.i21_fixtures import PASSWORD, STRONG_KEY, csrf_of, secure_app, secure_db  # noqa: F401


def _client(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _attempt(client, username: str, password: str):
    return client.post("/sign-in", data={"username": username, "password": password, "csrf_token": csrf_of(client)})


def test_guessing_one_account_is_stopped_and_others_stay_served(secure_app):
    attacker = _client(secure_app, "203.0.113.7")
    answers = [_attempt(attacker, "ed", f"guess number {i}").status_code for i in range(12)]
    assert answers[:10] == [401] * 10 and answers[10:] == [429, 429]
    refused = _attempt(attacker, "ed", PASSWORD)  # even the right password waits now
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    from_elsewhere = _client(secure_app, "198.51.100.9")
    assert _attempt(from_elsewhere, "ed2", PASSWORD).status_code == 302  # another user is served
    assert from_elsewhere.get("/healthz").status_code == 200


def test_one_address_spraying_many_accounts_is_stopped(secure_db):
    # The shipped allowance (60) over an hour rather than a minute: 61 argon2 hashes take over a minute on a loaded
    # machine, and the first attempts would leave the window before the 61st (a timing dependency, not a finding).
    allowance = SIGN_IN_PER_CLIENT.replace("per minute", "per hour")
    app = make_app(secure_db[0], GEO_COOKIE_SECURE=False, GEO_SECRET_KEY=STRONG_KEY, GEO_SIGN_IN_LIMIT=allowance)
    try:
        sprayer = _client(app, "203.0.113.99")
        codes = [_attempt(sprayer, f"user{i}", "wrong password").status_code for i in range(61)]
        assert codes[:60] == [401] * 60 and codes[60] == 429
        assert _client(app, "198.51.100.10").get("/sign-in").status_code == 200
    finally:
        app.extensions["geo_db"].close()


def test_bad_tokens_are_throttled_per_client(secure_app):
    prober = _client(secure_app, "203.0.113.50")
    codes = [
        prober.post("/api/v1/plans", json={}, headers={"Authorization": f"Bearer nope{i}"}).status_code
        for i in range(121)
    ]
    assert codes[:120] == [401] * 120 and codes[120] == 429


def test_password_hash_runs_without_a_pooled_connection(secure_app, monkeypatch):
    from geo_service.access import service as access

    db = secure_app.extensions["geo_db"]
    held = []
    real = access._hasher

    class Watching:  # the real hasher, noting how many pooled connections are lent out while it verifies
        def verify(self, stored, password):
            held.append(len(db._leased))
            return real.verify(stored, password)

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(access, "_hasher", Watching())
    client = _client(secure_app, "192.0.2.1")
    assert _attempt(client, "viewer", PASSWORD).status_code == 302
    assert held == [0]

# ruff: noqa: F811 - fixtures imported from tests.security.i21_fixtures are parameters here
"""Issue 21 finding 8: the audit log showed anyone the accounts (user creation, role grants, token labels and
every sign-in with username and time). Account events are now for admins only; scenario changes stay public."""

from __future__ import annotations

import csv
import io

from tests.security.i21_fixtures import bearer, make_plan, secure_app, secure_db, sign_in, tokens  # noqa: F401


def _record_account_events(secure_db) -> None:
    from geo_service.access import audit
    from geo_service.access import service as access
    from geo_service.db.pool import Database

    db = Database(secure_db[0], statement_timeout_ms=0)
    try:
        with db.connection() as conn:
            uid = access.add_user(conn, "newcomer", "Newcomer", "a long enough password")
            audit.record(conn, None, "user.add", "user", uid, None, {"username": "newcomer"})
            audit.record(conn, None, "role.grant", "user", "newcomer", None, {"role": "admin"})
            audit.record(conn, None, "token.create", "api_token", 99, None, {"label": "laptop of newcomer"})
    finally:
        db.close()


def test_account_events_are_for_admins_only(secure_app, secure_db, tokens):
    _record_account_events(secure_db)
    sign_in(secure_app.test_client(), "ed")  # a sign-in event too
    client = secure_app.test_client()
    make_plan(client, tokens["ed"], "audited-public", visibility="public")
    submitted = client.post("/api/v1/plans/audited-public/status", json={"status": "submitted"},
                            headers=bearer(tokens["ed"], **{"If-Match": "*"}))  # fmt: skip
    assert submitted.status_code == 200  # a public plan out of draft: its audit entries are public
    for who in (None, "ed", "viewer"):
        headers = bearer(tokens[who]) if who else {}
        listing = client.get("/api/v1/audit", headers=headers).get_json()
        kinds = {e["resource_kind"] for e in listing["entries"]}
        assert kinds and not kinds & {"user", "api_token"}, (who, kinds)
        assert "plan.create" in {e["action"] for e in listing["entries"]}  # scenario changes stay public
        text = client.get("/api/v1/audit.csv", headers=headers).get_data(as_text=True)
        assert "newcomer" not in text and "sign_in" not in text
        assert {r["resource_kind"] for r in csv.DictReader(io.StringIO(text))} == {"scenario"}
    admin = client.get("/api/v1/audit", headers=bearer(tokens["admin"])).get_json()
    actions = {e["action"] for e in admin["entries"]}
    assert {"user.add", "role.grant", "token.create", "sign_in", "plan.create"} <= actions

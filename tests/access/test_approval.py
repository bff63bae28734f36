"""Change requests to a baseline: propose, approve on an effective date, reject; roles; audit (issue 12)."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date

import psycopg2
import pytest

from geo_service.access import service as access
from geo_service.db.pool import Database
from geo_service.demo.generator import REGISTERED
from tests.access.conftest import sign_in

LIST = f"/api/v1/scenarios/{REGISTERED}/change-requests"


@pytest.fixture(scope="module")
def people(access_db_url):
    """Approvers limited to one commissioner each, and their tokens."""
    url, tokens = access_db_url
    db = Database(url, statement_timeout_ms=0)
    with db.connection() as conn:
        for name, code in (("appr-za1", "ZA1"), ("appr-za2", "ZA2")):
            access.add_user(conn, name, f"Approver {code}", "another long password")
            access.grant(conn, name, "approver", code)
            tokens[name] = access.create_token(conn, name, "tests")[1]
    db.close()
    return tokens


def _auth(tokens, who, **extra):
    return {"Authorization": f"Bearer {tokens[who]}", **extra}


def _sql(url, query, params=None):
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(query, params or {})
        return cur.fetchall()


def _member(url, ods, day: date):
    """Independent oracle: the network whose membership row covers ``day``, by plain date comparison in Python."""
    rows = _sql(
        url,
        """SELECT n.code, m.start_date, m.end_date FROM memberships m JOIN networks n ON n.id = m.network_id
             JOIN scenarios s ON s.id = m.scenario_id JOIN practices p ON p.id = m.practice_id
            WHERE s.slug = %(s)s AND p.ods_code = %(o)s""",
        {"s": REGISTERED, "o": ods},
    )
    return sorted(code for code, start, end in rows if (start is None or start <= day) and (end is None or end >= day))


def _pick(url, network):
    return _sql(
        url,
        """SELECT p.ods_code FROM memberships m JOIN networks n ON n.id = m.network_id
             JOIN scenarios s ON s.id = m.scenario_id JOIN practices p ON p.id = m.practice_id
            WHERE s.slug = %(s)s AND n.code = %(n)s AND m.end_date IS NULL ORDER BY p.ods_code""",
        {"s": REGISTERED, "n": network},
    )


def test_approve_applies_on_the_effective_date(access_app, access_db_url, people):
    url = access_db_url[0]
    client = access_app.test_client()
    ods = _pick(url, "UZ0001")[0][0]
    body = {"kind": "move", "practice": ods, "network": "UZ0002", "reason": "Closer to the hub",
            "effective_date": "2020-04-01"}  # fmt: skip
    assert client.post(LIST, json=body).status_code == 401
    assert client.post(LIST, json=body, headers=_auth(people, "viewer")).status_code == 403
    bad = client.post(LIST, json={**body, "reason": " "}, headers=_auth(people, "ed"))
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "reason"
    made = client.post(LIST, json=body, headers=_auth(people, "ed"))
    assert made.status_code == 201, made.get_data(as_text=True)
    cr = made.get_json()
    assert cr["status"] == "pending" and cr["from_network"]["code"] == "UZ0001" and cr["commissioners"] == ["ZA1"]
    pending = client.get(LIST).get_json()["change_requests"]
    assert [r["id"] for r in pending] == [cr["id"]]
    # proposing changes nothing yet
    assert _member(url, ods, date(2020, 4, 1)) == ["UZ0001"]
    # ... but the pending change shows on the area map (a layer of its own, with the request in words)
    shown = client.get(f"/api/v1/maps/{REGISTERED}/areas/ZA1/layers/pending_changes.geojson")
    assert shown.status_code == 200, shown.get_data(as_text=True)
    [feature] = shown.get_json()["features"]
    assert feature["properties"]["code"] == ods
    assert feature["properties"]["pending"].startswith(f"Change request {cr['id']} awaits approval: moves from ")
    assert "(UZ0002) from 1 Apr 2020, proposed by ed." in feature["properties"]["pending"]

    decide = f"/api/v1/change-requests/{cr['id']}/decision"
    yes = {"decision": "approve", "comment": "Agreed at the PCN panel"}
    assert client.post(decide, json=yes).status_code == 401
    assert client.post(decide, json=yes, headers=_auth(people, "ed", **{"If-Match": '"v1"'})).status_code == 403
    wrong_area = client.post(decide, json=yes, headers=_auth(people, "appr-za2", **{"If-Match": '"v1"'}))
    assert wrong_area.status_code == 403 and "ZA1" in wrong_area.get_json()["detail"]
    assert client.post(decide, json=yes, headers=_auth(people, "appr-za1")).status_code == 428
    stale = client.post(decide, json=yes, headers=_auth(people, "appr-za1", **{"If-Match": '"v7"'}))
    assert stale.status_code == 412 and stale.get_json()["current"]["status"] == "pending"
    # a cookie session without the CSRF token is refused
    browser = access_app.test_client()
    csrf_token = sign_in(browser, "appr-za1", "another long password")
    assert browser.post(decide, json=yes, headers={"If-Match": '"v1"'}).status_code == 403
    ok = browser.post(decide, json=yes, headers={"If-Match": '"v1"', "X-CSRFToken": csrf_token})
    assert ok.status_code == 200, ok.get_data(as_text=True)
    assert ok.get_json()["status"] == "approved" and ok.get_json()["decided_by"] == "appr-za1"
    # before the date the old membership holds, from it the new one (independent check on the rows)
    assert _member(url, ods, date(2020, 3, 31)) == ["UZ0001"]
    assert _member(url, ods, date(2020, 4, 1)) == ["UZ0002"]
    ends = _sql(url, """SELECT m.end_date FROM memberships m JOIN practices p ON p.id = m.practice_id
                        JOIN networks n ON n.id = m.network_id WHERE p.ods_code = %(o)s AND n.code = 'UZ0001'
                        AND m.scenario_id = (SELECT id FROM scenarios WHERE slug = %(s)s)""",
                {"o": ods, "s": REGISTERED})  # fmt: skip
    assert ends == [(date(2020, 3, 31),)]
    # the engine agrees: the scope service's members as of each date (the route is being reworked by others)
    from geo_service.db.repositories import analysis_compare
    from geo_service.scope import resolve_scope

    with psycopg2.connect(url) as conn:
        for day, code in (("2020-03-31", "UZ0001"), ("2020-04-01", "UZ0002")):
            for net in ("UZ0001", "UZ0002"):
                scope = resolve_scope(conn, REGISTERED, as_of=day, network=net)
                net_id = analysis_compare.network(conn, scope.scenario["id"], net)["id"]
                members = {m["code"] for m in analysis_compare.network_members(conn, scope.values(), net_id)}
                assert (ods in members) == (net == code), (day, net)
    # a second decision is a conflict, and nothing is pending now
    again = client.post(decide, json=yes, headers=_auth(people, "appr-za1", **{"If-Match": ok.headers["ETag"]}))
    assert again.status_code == 409
    assert client.get(LIST).get_json()["change_requests"] == []
    gone = client.get(f"/api/v1/maps/{REGISTERED}/areas/ZA1/layers/pending_changes.geojson")
    assert gone.status_code == 404  # decided: the layer is not drawn
    # the audit shows every step, newest first, with before → after
    log = client.get(f"/api/v1/audit?practice={ods}").get_json()["entries"]
    actions = [e["action"] for e in log]
    assert actions[:4] == ["change_request.approve", "membership.start", "membership.end", "change_request.propose"]
    assert log[0]["before"]["status"] == "pending" and log[0]["after"]["status"] == "approved"
    assert log[0]["actor_name"] == "appr-za1" and log[-1]["actor_name"] == "ed"
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/v1/audit.csv?practice={ods}").get_data(as_text=True))))
    assert [r["action"] for r in rows][:4] == actions[:4]
    page = client.get(f"/practices/{ods}/audit")
    assert page.status_code == 200 and "change_request.approve" in page.get_data(as_text=True)


def test_reject_changes_no_membership(access_app, access_db_url, people):
    url = access_db_url[0]
    client = access_app.test_client()
    ods = _pick(url, "UZ0003")[0][0]
    made = client.post(LIST, headers=_auth(people, "ed"), json={
        "kind": "leave", "practice": ods, "reason": "Wants to go alone", "effective_date": "2021-01-01"})  # fmt: skip
    assert made.status_code == 201
    decide = f"/api/v1/change-requests/{made.get_json()['id']}/decision"
    tag = {"If-Match": made.headers["ETag"]}
    no_comment = client.post(decide, json={"decision": "reject"}, headers=_auth(people, "appr-za1", **tag))
    assert no_comment.status_code == 400 and no_comment.get_json()["parameter"] == "comment"
    done = client.post(
        decide, json={"decision": "reject", "comment": "Not viable"}, headers=_auth(people, "appr", **tag)
    )
    assert done.status_code == 200 and done.get_json()["status"] == "rejected"
    assert _member(url, ods, date(2021, 6, 1)) == ["UZ0003"]
    # the page lists it under "rejected", escaped, with the comment
    html = client.get(f"/scenarios/{REGISTERED}/change-requests?status=rejected").get_data(as_text=True)
    assert "Not viable" in html and ods in html


def test_names_in_pages_are_escaped(access_app, access_db_url, people):
    client = access_app.test_client()
    ods = _pick(access_db_url[0], "UZ0004")[0][0]
    evil = "<img src=x onerror=alert(1)>"
    body = {"kind": "move", "practice": ods, "network": "UZ0005", "reason": evil, "effective_date": "2021-01-01"}
    made = client.post(LIST, headers=_auth(people, "ed"), json=body)
    assert made.status_code == 201
    html = client.get(f"/scenarios/{REGISTERED}/change-requests").get_data(as_text=True)
    assert evil not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    audit_html = client.get(f"/scenarios/{REGISTERED}/audit").get_data(as_text=True)
    assert evil not in audit_html


def test_audit_log_is_append_only(access_db_url):
    url = access_db_url[0]
    assert _sql(url, "SELECT count(*) FROM audit_log")[0][0] > 0
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(psycopg2.Error, match="append-only"):
            _sql(url, statement)


def test_passwords_and_tokens_at_rest(access_db_url, people):
    url = access_db_url[0]
    hashes = [h for (h,) in _sql(url, "SELECT password_hash FROM users")]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert all("correct horse" not in h for h in hashes)
    stored = {h for (h,) in _sql(url, "SELECT token_hash FROM api_tokens")}
    for token in people.values():
        assert token not in stored
        assert hashlib.sha256(token.encode()).hexdigest() in stored
    dump = _sql(url, "SELECT string_agg(t::text, ' ') FROM api_tokens t")[0][0]
    assert not any(token in dump for token in people.values())

"""Suggestions through the API, the CLI and the background jobs, on the synthetic demo (its own database)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from geo_service.access import service as access
from geo_service.cli import main
from geo_service.db.admin import drop_database
from geo_service.db.pool import Database
from geo_service.demo.load import load_demo
from geo_service.suggest import jobs
from tests.conftest import clone_database, make_app

USERS = {"ed": "editor", "ed2": "editor"}


@pytest.fixture(scope="module")
def suggest_db(maintenance_url, template_db):
    url = clone_database(maintenance_url, template_db, f"sg{os.getpid()}_api")
    db = Database(url, statement_timeout_ms=0)
    load_demo(db)
    tokens = {}
    with db.connection() as conn:
        for name, role in USERS.items():
            access.add_user(conn, name, name.title(), "correct horse battery")
            access.grant(conn, name, role, None)
            tokens[name] = access.create_token(conn, name, "tests")[1]
    db.close()
    yield url, tokens
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


@pytest.fixture(scope="module")
def app(suggest_db):
    app = make_app(suggest_db[0], GEO_COOKIE_SECURE=False)
    yield app
    worker = app.extensions.get("geo_suggest_worker")
    if worker is not None:
        worker.close()
    app.extensions["geo_db"].close()


@pytest.fixture
def client(app):
    return app.test_client()


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def post(client, token, body, slug="demo-as-registered"):
    return client.post(f"/api/v1/plans/{slug}/suggest", json=body, headers=auth(token) if token else {})


def checks(client, token, slug, area):
    resp = client.get(f"/api/v1/scenarios/{slug}/checks?area={area}&detail=summary", headers=auth(token))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_suggest_one_area_makes_a_draft_plan_of_the_caller(client, suggest_db):
    tokens = suggest_db[1]
    before = checks(client, tokens["ed"], "demo-as-registered", "ZA2")
    resp = post(client, tokens["ed"], {"area": "ZA2", "seed": 1})
    assert resp.status_code == 201, resp.get_json()
    out = resp.get_json()
    plan = out["plan"]
    assert plan["status"] == "draft" and plan["visibility"] == "private"
    assert resp.headers["Location"] == f"/api/v1/plans/{plan['slug']}"
    card = out["scorecard"]
    assert card["after"]["in_band"] == card["after"]["networks"]
    assert card["before"]["in_band"] < card["before"]["networks"]
    assert card["practices_moved"] == len(out["moves"]) > 0
    for move in out["moves"]:
        assert move["sentence"].startswith(f"{move['practice']} moves from ")
        assert "km from its new neighbours" in move["sentence"]
    assert out["links"]["compare"] == f"/maps/compare?a=demo-as-registered&b={plan['slug']}&area=ZA2"
    # The rule engine agrees on the new plan: nothing orphaned, undersized, oversized or crossing in the area.
    after = checks(client, tokens["ed"], plan["slug"], "ZA2")["summary"]
    assert before["summary"]["oversized_networks"] + before["summary"]["orphaned_practices"] > 0
    assert after["orphaned_practices"] == after["undersized_networks"] == after["oversized_networks"] == 0
    assert after["cross_boundary_networks"] == {"administrative": 0, "member_location": 0}
    assert checks(client, tokens["ed"], "demo-as-registered", "ZA2")["summary"] == before["summary"]
    # Owned by the caller: another editor cannot see it, the owner reads its scorecard again.
    assert client.get(f"/api/v1/plans/{plan['slug']}", headers=auth(tokens["ed2"])).status_code == 404
    again = client.get(f"/api/v1/plans/{plan['slug']}/suggestion", headers=auth(tokens["ed"]))
    assert again.status_code == 200
    assert again.get_json()["moves"] == out["moves"]


def test_same_seed_same_moves(client, suggest_db):
    tokens = suggest_db[1]
    a = post(client, tokens["ed"], {"area": "ZA1", "seed": 5}).get_json()
    b = post(client, tokens["ed"], {"area": "ZA1", "seed": 5}).get_json()
    assert a["plan"]["slug"] != b["plan"]["slug"]
    assert [m["sentence"] for m in a["moves"]] == [m["sentence"] for m in b["moves"]]


def test_locked_network_is_kept_whole(client, suggest_db):
    tokens = suggest_db[1]
    out = post(client, tokens["ed"], {"area": "ZA2", "locks": ["UZ0005"]}).get_json()
    assert all("UZ0005" not in (m["from"], m["to"]) for m in out["moves"])
    assert any(n["kind"] == "locks" and "UZ0005" in n["message"] for n in out["notes"])
    net = client.get(f"/api/v1/scenarios/{out['plan']['slug']}/networks/UZ0005", headers=auth(tokens["ed"]))
    assert net.status_code == 200


@pytest.mark.parametrize(
    ("body", "parameter", "message"),
    [
        ({"area": "ZA1", "min": 60000, "max": 50000}, "min", "'min' (60000) must not be greater than 'max' (50000)."),
        ({"area": "ZA1", "locks": ["NOPE1"]}, "locks", "Not networks of 'demo-as-registered': NOPE1."),
        ({"area": "ZA1", "apart": [["Z00001"]]}, "apart", "'apart[0]' must be two different practice ODS codes."),
        ({"area": "ZA1", "colour": "red"}, "colour", "Unknown field 'colour'."),
        ({"area": "ZA1", "seed": -1}, "seed", "'seed' must be a whole number from 0 to 2,147,483,647."),
        ({"area": "ZZ9"}, "area", None),
    ],
)
def test_bad_requests_are_refused_naming_the_field(client, suggest_db, body, parameter, message):
    resp = post(client, suggest_db[1]["ed"], body)
    assert resp.status_code in (400, 404), resp.get_json()
    problem = resp.get_json()
    assert resp.headers["Content-Type"].startswith("application/problem+json")
    assert problem.get("parameter") == parameter
    if message:
        assert problem["detail"] == message


def test_anonymous_is_refused(client):
    resp = post(client, None, {"area": "ZA1"})
    assert resp.status_code == 401


def test_whole_boundary_set_runs_as_a_job(client, suggest_db):
    tokens = suggest_db[1]
    resp = post(client, tokens["ed"], {"boundary_set": "demo-ccg", "seed": 3})
    assert resp.status_code == 202, resp.get_json()
    job = resp.get_json()
    assert resp.headers["Location"] == f"/api/v1/suggest-jobs/{job['id']}"
    assert client.get(f"/api/v1/suggest-jobs/{job['id']}", headers=auth(tokens["ed2"])).status_code == 404
    deadline = time.monotonic() + 120
    while True:
        state = client.get(f"/api/v1/suggest-jobs/{job['id']}", headers=auth(tokens["ed"])).get_json()
        if state["state"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert state["state"] == "done", state
    assert state["progress"] == state["total"] == 4
    found = client.get(f"/api/v1/plans/{state['plan']}/suggestion", headers=auth(tokens["ed"])).get_json()
    assert found["scorecard"]["areas"] == 4
    assert found["scorecard"]["after"]["in_band"] == found["scorecard"]["after"]["networks"]


def test_a_worker_process_runs_queued_jobs(app, suggest_db):
    """``geo-service worker`` (no web process) takes the queued job and runs it."""
    url, _ = suggest_db
    web_worker = app.extensions.pop("geo_suggest_worker", None)
    if web_worker is not None:  # the web app's thread would take it otherwise
        web_worker.close()
    db = Database(url, statement_timeout_ms=0)
    env = {**os.environ, "DATABASE_URL": url, "GEO_JOB_HEARTBEAT_SECONDS": "1", "GEO_JOB_STALLED_SECONDS": "3"}
    proc = None
    try:
        proc = subprocess.Popen([str(Path(sys.executable).parent / "geo-service"), "worker"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
        assert proc.stderr.readline().startswith("suggest worker: waiting for jobs"), proc.stderr.read()
        with db.connection() as conn:
            job_id = jobs.submit(conn, url, None, {"scenario": "demo-as-registered", "area": "ZA3", "seed": 0}, 1)
        row = jobs.wait_for(db, job_id, timeout=120)
        assert row["state"] == "done" and row["attempts"] == 1 and row["plan_slug"], row
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)  # stops when asked
            assert proc.wait(timeout=30) == 0, proc.stderr.read()
        db.close()


def test_cli_prints_the_new_plan_slug_last(suggest_db):
    url, _ = suggest_db
    result = CliRunner().invoke(
        main,
        [
            "suggest",
            "--scenario",
            "demo-as-registered",
            "--area",
            "ZA2",
            "--seed",
            "4",
            "--lock",
            "UZ0004",
            "--apart",
            "Z00011,Z00012",
        ],  # fmt: skip
        env={"DATABASE_URL": url},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    slug = lines[-1]
    assert slug.startswith("suggested-networks-")
    assert any(line.startswith("networks in band: ") for line in lines)
    db = Database(url, statement_timeout_ms=0)
    try:
        with db.connection() as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT status, owner_id, (SELECT locked_at IS NOT NULL FROM networks n WHERE n.scenario_id = s.id"
                " AND n.code = 'UZ0004') FROM scenarios s WHERE slug = %(s)s",
                {"s": slug},
            )
            assert cur.fetchone() == ("draft", None, True)
    finally:
        db.close()


def test_cli_refuses_a_bad_pair():
    result = CliRunner().invoke(main, ["suggest", "--scenario", "x", "--area", "ZA1", "--apart", "Z00011"])
    assert result.exit_code == 2
    assert "'Z00011' is not two ODS codes separated by a comma." in result.output

"""Issue 21: a waiting print tied up a web thread for up to ``GEO_PRINT_WAIT_S`` (25 s) plus the drawing.

Now the print is made in the background and the request waits only ``GEO_PRINT_ANSWER_S``: a print not ready by
then answers 202 Accepted with ``Retry-After`` and ``Location`` (the same address); asking again later gets the
file (the kept copy). A browser gets a small page that looks again by itself (in Chromium:
tests/browser/test_print_browser.py). Tests wait on the making's own event (``PrintJobs.wait_idle``), never a sleep."""

from __future__ import annotations

import pytest

from geo_service.demo.generator import REGISTERED
from tests.conftest import make_app
from tests.exports.print_flow import PRINT_DEADLINE_S as MAKING_DEADLINE_S
from tests.exports.print_flow import background_print_app

PRINT = f"/api/v1/scenarios/{REGISTERED}/areas/ZA3/print.pdf?paper=a4"


@pytest.fixture
def app(demo_db_url, tmp_path):
    with background_print_app(demo_db_url, tmp_path / "kept") as app:
        yield app


def test_a_print_not_ready_is_202_then_the_file(app):
    client = app.test_client()
    first = client.get(PRINT, headers={"Accept": "application/json"})
    assert first.status_code == 202, first.get_data(as_text=True)[:300]
    assert first.headers["Location"] == PRINT
    assert first.headers["Retry-After"] == "2" and first.headers["Cache-Control"] == "no-store"
    body = first.get_json()
    assert body["status"] == 202 and body["retry_after"] == 2 and body["location"] == PRINT
    assert "ask again in 2 seconds" in body["detail"]

    assert app.extensions["geo_print_jobs"].wait_idle(MAKING_DEADLINE_S)
    done = client.get(first.headers["Location"])
    assert done.status_code == 200 and done.mimetype == "application/pdf"
    assert done.data.startswith(b"%PDF") and done.headers["X-Print-Copy"] == "kept"


def test_bad_parameters_are_still_refused_at_once(app):
    client = app.test_client()
    resp = client.get(f"/api/v1/scenarios/{REGISTERED}/areas/QQ1/print.pdf")
    assert resp.status_code == 404 and resp.headers["Content-Type"] == "application/problem+json"
    resp = client.get(f"/api/v1/scenarios/{REGISTERED}/areas/ZA3/print.pdf?paper=letter")
    assert resp.status_code == 400 and resp.get_json()["parameter"] == "paper"


def test_a_print_waiting_for_a_slot_does_not_hold_the_request(demo_db_url, tmp_path):
    """Every print slot busy: before, this request waited in the queue for up to GEO_PRINT_WAIT_S holding its
    thread; now it is answered 202 while the print waits for its slot in the background."""
    app = make_app(demo_db_url, GEO_PRINT_KEEP_DIR=str(tmp_path), GEO_PRINT_ANSWER_S=0.2, GEO_PRINT_WAIT_S=600,
                   GEO_PRINT_SLOTS=1, GEO_PRINT_QUEUE=1)  # fmt: skip
    jobs = app.extensions["geo_print_jobs"]
    try:
        client = app.test_client()
        with app.extensions["geo_print_queue"].slot():  # another print is being drawn
            resp = client.get(PRINT)
            assert resp.status_code == 202
            assert jobs.state()["making"] == 1  # waiting for the slot, in the background
            assert client.get(PRINT).status_code == 202  # asking again joins the same making
            assert jobs.state()["making"] == 1
        assert jobs.wait_idle(MAKING_DEADLINE_S)
        done = client.get(PRINT)
        assert done.status_code == 200 and done.data.startswith(b"%PDF")
    finally:
        jobs.wait_idle(MAKING_DEADLINE_S)
        app.extensions["geo_db"].close()


def test_a_browser_gets_a_page_that_looks_again(app):
    resp = app.test_client().get(PRINT, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert resp.status_code == 202 and resp.mimetype == "text/html"
    page = resp.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "Your print is being made" in page
    assert f'href="{PRINT.replace("&", "&amp;")}"' in page


def test_a_full_queue_refuses_a_new_print_before_any_query(demo_db_url, tmp_path):
    """Every slot drawing and the queue full: a print this process has not met is refused (503 + Retry-After)
    before its scope is resolved, so a flood of different prints costs milliseconds each; the same address asked
    again when the queue has room gets its real answer (here a 404: no such area)."""
    app = make_app(demo_db_url, GEO_PRINT_KEEP_DIR=str(tmp_path), GEO_PRINT_SLOTS=1, GEO_PRINT_QUEUE=0)
    unknown = f"/api/v1/scenarios/{REGISTERED}/areas/QQ9/print.pdf"
    try:
        client = app.test_client()
        with app.extensions["geo_print_queue"].slot():
            refused = client.get(unknown)
            assert refused.status_code == 503 and refused.headers["Retry-After"] == "10"
            assert refused.get_json()["title"] == "Print queue full"
            bad = client.get(f"{unknown}?dpi=5000")  # parameters are still checked first (no query needed)
            assert bad.status_code == 400 and bad.get_json()["parameter"] == "dpi"
        answer = client.get(unknown)
        assert answer.status_code == 404 and "QQ9" in answer.get_json()["detail"]
    finally:
        app.extensions["geo_db"].close()

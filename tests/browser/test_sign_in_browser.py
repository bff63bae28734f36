"""Sign in and out in headless Chromium, by keyboard; a forged CSRF token is refused; an approver approves a
change request from its page (issue 12). The server listens on 127.0.0.1 in the access range 5670-5679."""

from __future__ import annotations

import socket

import psycopg2
import pytest

from geo_service.access import service as access
from geo_service.approval import service as approval
from geo_service.db.admin import drop_database
from geo_service.db.pool import Database
from geo_service.demo.generator import REGISTERED
from tests.access.conftest import PASSWORD, build_access_db
from tests.conftest import ServerThread, make_app

EVIL = "<img src=x onerror=alert(1)>"


def _port() -> int:
    for port in range(5670, 5680):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    pytest.skip("no free port in 5670-5679")


@pytest.fixture(scope="module")
def site(maintenance_url, demo_template):
    from werkzeug.serving import make_server

    url, _tokens = build_access_db(maintenance_url, demo_template, "browser")
    db = Database(url, statement_timeout_ms=0)
    with db.connection() as conn:  # a pending request for the approver, proposed by the editor
        with conn.cursor() as cur:
            cur.execute(
                """SELECT p.ods_code FROM memberships m JOIN networks n ON n.id = m.network_id
                     JOIN practices p ON p.id = m.practice_id JOIN scenarios s ON s.id = m.scenario_id
                    WHERE s.slug = %(s)s AND n.code = 'UZ0002' ORDER BY p.ods_code LIMIT 1""",
                {"s": REGISTERED},
            )
            ods = cur.fetchone()[0]
        editor = access.authenticate(conn, "ed", PASSWORD)
        made = approval.propose(conn, editor, REGISTERED, {"kind": "move", "practice": ods, "network": "UZ0003",
                                "reason": EVIL, "effective_date": "2020-06-01"})  # fmt: skip
    db.close()
    app = make_app(url, GEO_COOKIE_SECURE=False)
    with ServerThread(make_server("127.0.0.1", _port(), app, threaded=True)) as live:
        yield live, url, ods, made["id"]
    app.extensions["geo_db"].close()
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


def _sign_in_by_keyboard(page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(base + "/")
    page.get_by_role("link", name="Sign in").click()
    page.wait_for_url("**/sign-in**")
    page.focus("#username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_sign_in_out_and_csrf(site, browser_page):
    live, _url, _ods, _rid = site
    page, watch = browser_page
    # a wrong password with a hostile "username": a clear message, nothing runs
    _sign_in_by_keyboard(page, live.url, EVIL, "wrong password!")
    assert "username or password is not right" in page.inner_text("#sign-in-error-text")
    assert page.locator("input#username").count() == 1 and not watch.dialogs
    # right password: back on the home page, signed in; the session cookie is HttpOnly and SameSite=Lax
    _sign_in_by_keyboard(page, live.url, "ed")
    assert page.url == live.url + "/"
    assert "Signed in as Ed" in page.inner_text("header")
    cookie = next(c for c in page.context.cookies() if c["name"] == "session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    # sign out by the header button
    with page.expect_navigation():
        page.click("#sign-out-button")
    assert "Sign in" in page.inner_text("header") and "Signed in" not in page.inner_text("header")
    # a forged CSRF token: refused with 403 and a message, still signed out
    page.goto(live.url + "/sign-in")
    page.fill("#username", "ed")
    page.fill("#password", PASSWORD)
    page.evaluate("document.querySelector('input[name=csrf_token]').value = 'forged'")
    with page.expect_response(lambda r: r.url.endswith("/sign-in") and r.request.method == "POST") as resp:
        page.click("#sign-in-button")
    assert resp.value.status == 403
    assert "not sent by this site" in page.inner_text("main")
    page.goto(live.url + "/")
    assert "Signed in" not in page.inner_text("header")
    assert not watch.dialogs and not watch.page_errors and not watch.foreign_requests()


def test_approver_approves_from_the_page(site, browser_page):
    live, url, ods, rid = site
    page, watch = browser_page
    _sign_in_by_keyboard(page, live.url, "appr")
    page.goto(f"{live.url}/scenarios/{REGISTERED}/change-requests")
    row = page.locator(f"#cr-{rid}")
    assert EVIL in row.inner_text()  # shown as text, not run
    row.locator(f"#comment-{rid}").fill("Agreed")
    with page.expect_navigation():
        row.get_by_role("button", name="Approve").click()
    assert f"approved {rid}" in page.inner_text("#done-message")
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """SELECT n.code, m.start_date, m.end_date FROM memberships m JOIN networks n ON n.id = m.network_id
                 JOIN practices p ON p.id = m.practice_id JOIN scenarios s ON s.id = m.scenario_id
                WHERE s.slug = %(s)s AND p.ods_code = %(o)s ORDER BY m.start_date NULLS FIRST""",
            {"s": REGISTERED, "o": ods},
        )
        rows = cur.fetchall()
    assert [(r[0], str(r[2])) for r in rows][-2:] == [("UZ0002", "2020-05-31"), ("UZ0003", "None")]
    with page.expect_navigation():
        page.get_by_role("link", name="Changes to this scenario").click()
    assert "change_request.approve" in page.inner_text("#audit-table") and "appr" in page.inner_text("#audit-table")
    assert not watch.dialogs and not watch.page_errors

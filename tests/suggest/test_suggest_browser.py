"""The editor's Suggest button in real headless Chromium, on England 2019/20: an editor copies West Kent (99J) into
a plan, locks one network, presses Suggest, and sees the proposal with its scorecard; the locked network is
untouched in the new draft plan (read back from the database), though without the lock it would have changed."""

from __future__ import annotations

import os
import re

import psycopg2
import pytest

from geo_service.access import service as access
from geo_service.db.admin import drop_database
from geo_service.db.pool import Database
from geo_service.suggest import service
from tests.browser.accessibility import blocking, run_axe, summary
from tests.browser.conftest import browser_page, chromium, csp_violations  # noqa: F401 (fixtures)
from tests.conftest import ServerThread, clone_database, make_app

SOURCE = "epcn-december-2019"
AREA = "99J"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def suggest_server(maintenance_url, england_2019_db_url):
    url = clone_database(maintenance_url, england_2019_db_url.rsplit("/", 1)[1], f"sgbrowser{os.getpid()}")
    db = Database(url, statement_timeout_ms=0)
    with db.connection() as conn:
        access.add_user(conn, "planner1", "Pat Planner", PASSWORD)
        access.grant(conn, "planner1", "editor")
    db.close()
    app = make_app(url, GEO_COOKIE_SECURE=False)
    from werkzeug.serving import make_server

    with ServerThread(make_server("127.0.0.1", 0, app, threaded=True)) as live:
        yield live, url
    app.extensions["geo_db"].close()
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


def members(url: str, slug: str, code: str) -> list[str]:
    """Current members of a network of a scenario, read straight from the tables."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """SELECT p.ods_code FROM scenarios s JOIN networks n ON n.scenario_id = s.id AND n.code = %s
                 JOIN memberships m ON m.network_id = n.id AND m.end_date IS NULL
                 JOIN practices p ON p.id = m.practice_id
                WHERE s.slug = %s ORDER BY p.ods_code""",
            (code, slug),
        )
        return [r[0] for r in cur.fetchall()]


def network_touched_without_lock(url: str, slug: str) -> str:
    """A West Kent network the suggestion changes when nothing is locked (computed, nothing written)."""
    db = Database(url, statement_timeout_ms=0)
    try:
        with db.connection() as conn:
            comp = service.compute(conn, service.Request(slug, area=AREA))
            conn.rollback()
    finally:
        db.close()
    touched = sorted(
        comp.before[c]
        for c in comp.practices
        if comp.before[c] is not None and comp.before[c] != comp.after[c] and comp.practices[c].area == AREA
    )
    assert touched, "the suggestion for West Kent changes nothing: the test would prove nothing"
    return touched[0]


def test_lock_a_network_then_suggest_for_west_kent(suggest_server, browser_page):  # noqa: F811
    (live, url), (page, watch) = suggest_server, browser_page
    page.goto(f"{live.url}/sign-in?next=/plans")
    page.fill("#username", "planner1")
    page.fill("#password", PASSWORD)
    page.click("#sign-in-button")
    page.wait_for_url(re.compile(r".*/plans$"))
    page.fill("#plan-name", "West Kent starting point")
    page.select_option("#plan-copy", SOURCE)
    page.fill("#plan-area", AREA)
    page.click("#plan-create")
    page.wait_for_url(re.compile(r".*/plans/[a-z0-9-]+/edit\?area=99J$"))
    page.wait_for_function("() => /^Ready/.test(document.getElementById('plan-status').textContent)")
    slug = re.search(r"/plans/([a-z0-9-]+)/edit", page.url).group(1)

    locked = network_touched_without_lock(url, slug)
    before = members(url, slug, locked)
    assert before
    page.click(f'#plan-networks li[data-code="{locked}"] .plan-lock')
    page.wait_for_function("c => /^Locked /.test(document.getElementById('plan-status').textContent)", arg=locked)

    page.click("#plan-suggest")
    page.wait_for_selector("#plan-scorecard", timeout=60_000)
    card = page.locator("#plan-scorecard").inner_text()
    assert "Networks in band" in card and "Patients moved" in card
    in_band = page.locator("#plan-scorecard tr", has_text="Networks in band").inner_text()
    before_in_band, after_in_band = re.findall(r"(\d+) of (\d+)", in_band)
    assert int(after_in_band[0]) > int(before_in_band[0])
    sentences = page.locator("#plan-suggestion-moves li").all_inner_texts()
    assert sentences and all(" moves from " in s and "km from its new neighbours" in s for s in sentences)
    assert not any(locked in s for s in sentences)
    bad = blocking(run_axe(page))  # WCAG 2.2 AA with the proposal on screen (axe-core from npm)
    assert not bad, f"editor with a suggestion:\n{summary(bad)}"

    # The new draft plan: the locked network has exactly its members, and is still locked.
    href = page.locator("#plan-suggestion-plan a").first.get_attribute("href")
    new_slug = re.search(r"/plans/([a-z0-9-]+)/edit", href).group(1)
    assert new_slug != slug
    assert members(url, new_slug, locked) == before
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """SELECT s.status, u.username, n.locked_at IS NOT NULL FROM scenarios s
                 JOIN users u ON u.id = s.owner_id JOIN networks n ON n.scenario_id = s.id AND n.code = %s
                WHERE s.slug = %s""",
            (locked, new_slug),
        )
        assert cur.fetchone() == ("draft", "planner1", True)
    # The compare link opens the comparison of the two plans.
    page.locator("#plan-suggestion-plan a", has_text="compare").click()
    page.wait_for_url(re.compile(rf".*/maps/compare\?a={slug}&b={new_slug}&area=99J$"))
    assert watch.page_errors == [] and watch.dialogs == []
    assert csp_violations(page) == []
    assert watch.foreign_requests() == []


@pytest.fixture(scope="module")
def demo_suggest_server(maintenance_url, template_db):
    from geo_service.demo.load import load_demo

    url = clone_database(maintenance_url, template_db, f"sgdemo{os.getpid()}")
    db = Database(url, statement_timeout_ms=0)
    load_demo(db)
    with db.connection() as conn:
        access.add_user(conn, "planner2", "Sam Planner", PASSWORD)
        access.grant(conn, "planner2", "editor")
    db.close()
    app = make_app(url, GEO_COOKIE_SECURE=False)
    from werkzeug.serving import make_server

    with ServerThread(make_server("127.0.0.1", 0, app, threaded=True)) as live:
        yield live, url
    worker = app.extensions.get("geo_suggest_worker")
    if worker is not None:
        worker.close()
    app.extensions["geo_db"].close()
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


def test_suggest_for_every_area_shows_progress_then_the_scorecard(demo_suggest_server, browser_page):  # noqa: F811
    (live, url), (page, watch) = demo_suggest_server, browser_page
    page.goto(f"{live.url}/sign-in?next=/plans")
    page.fill("#username", "planner2")
    page.fill("#password", PASSWORD)
    page.click("#sign-in-button")
    page.wait_for_url(re.compile(r".*/plans$"))
    page.fill("#plan-name", "Whole demo")
    page.select_option("#plan-copy", "demo-as-registered")
    page.click("#plan-create")
    page.wait_for_url(re.compile(r".*/plans/[a-z0-9-]+/edit$"))
    page.wait_for_function("() => /^Ready/.test(document.getElementById('plan-status').textContent)")
    page.click("#plan-suggest-all")
    page.wait_for_selector("#plan-suggest-progress")
    page.wait_for_selector("#plan-scorecard", timeout=120_000)
    in_band = page.locator("#plan-scorecard tr", has_text="Networks in band").inner_text()
    (_, _), (after_in, after_all) = re.findall(r"(\d+) of (\d+)", in_band)
    assert after_in == after_all
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT state, progress, total FROM suggest_jobs ORDER BY id DESC LIMIT 1")
        assert cur.fetchone() == ("done", 4, 4)
    assert watch.page_errors == [] and watch.dialogs == []
    assert csp_violations(page) == []

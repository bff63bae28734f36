"""The plan editor in real headless Chromium, on England 2019/20 data: an editor signs in, copies the 2019 ePCN
scenario into a plan, opens it on West Kent (99J), moves a practice between networks by clicking, draws a polygon
with Leaflet-Geoman, sees the population bars and flags change, undoes and redoes, uploads and derives polygons,
and finds every write in the plan's audit page.

The approval half: the editor proposes a change request on the West Kent baseline from its map page, the West
Kent approver approves it, the membership moves on its effective date, and the scenario's audit shows both."""

from __future__ import annotations

import os
import re
from pathlib import Path

import psycopg2
import pytest

from geo_service.access import service as access
from geo_service.db.admin import drop_database
from geo_service.db.pool import Database
from tests.browser.accessibility import blocking, run_axe, summary
from tests.browser.conftest import csp_violations
from tests.conftest import ServerThread, clone_database, make_app
from tests.plans.test_plans_api import oracle_population

SOURCE = "epcn-december-2019"
AREA = "99J"
PASSWORD = "correct horse battery"
FIXTURES = Path(__file__).resolve().parent.parent / "plans" / "fixtures"


@pytest.fixture(scope="module")
def editor_server(maintenance_url, england_2019_db_url):
    url = clone_database(maintenance_url, england_2019_db_url.rsplit("/", 1)[1], f"plbrowser{os.getpid()}")
    db = Database(url, statement_timeout_ms=0)
    with db.connection() as conn:
        access.add_user(conn, "editor1", "Edith Editor", PASSWORD)
        access.grant(conn, "editor1", "editor")
        access.add_user(conn, "approver1", "Abe Approver", PASSWORD)
        access.grant(conn, "approver1", "approver", commissioner=AREA)  # approves West Kent's changes only
    db.close()
    app = make_app(url, GEO_COOKIE_SECURE=False)
    from werkzeug.serving import make_server

    with ServerThread(make_server("127.0.0.1", 0, app, threaded=True)) as live:
        yield live, url
    app.extensions["geo_db"].close()
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


def two_west_kent_networks(url: str) -> tuple[str, str, str]:
    """(network A, a member of A, network B): West Kent-led networks of the source, read independently."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """SELECT n.code, min(p.ods_code) FROM scenarios s
                 JOIN networks n ON n.scenario_id = s.id AND n.lead_commissioner_code = %s
                 JOIN memberships m ON m.network_id = n.id JOIN practices p ON p.id = m.practice_id
                WHERE s.slug = %s GROUP BY n.code ORDER BY n.code LIMIT 2""",
            (AREA, SOURCE),
        )
        (a, member), (b, _) = cur.fetchall()
        return a, member, b


def polygon_origin(url: str, slug: str, code: str) -> str | None:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """SELECT n.geom_origin FROM networks n JOIN scenarios s ON s.id = n.scenario_id
                WHERE s.slug = %s AND n.code = %s AND ST_IsValid(n.geom)""",
            (slug, code),
        )
        row = cur.fetchone()
        return row[0] if row else None


def population_shown(page, code: str) -> int:
    text = page.locator(f'#plan-networks li[data-code="{code}"] .plan-pop').inner_text()
    return int(re.match(r"([\d,]+) patients", text).group(1).replace(",", ""))


def flags_shown(page, code: str) -> str:
    return page.locator(f'#plan-networks li[data-code="{code}"] .plan-flags').inner_text()


def wait_status(page, pattern: str) -> str:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            "p => new RegExp(p).test(document.getElementById('plan-status').textContent)", arg=pattern, timeout=30_000
        )
    except PlaywrightTimeout:
        pytest.fail(f"waited for status /{pattern}/, the page says: {page.locator('#plan-status').inner_text()}")
    return page.locator("#plan-status").inner_text()


def signed_in_editor_walk(page, base: str) -> str:
    """Sign in by the form, create a copy of the 2019 scenario from the plans page, land in its editor."""
    page.goto(f"{base}/sign-in?next=/plans")
    page.fill("#username", "editor1")
    page.fill("#password", PASSWORD)
    page.click("#sign-in-button")
    page.wait_for_url(re.compile(r".*/plans$"))
    page.fill("#plan-name", "GP-led proposal West Kent")
    page.select_option("#plan-copy", SOURCE)
    page.fill("#plan-area", AREA)
    page.click("#plan-create")
    page.wait_for_url(re.compile(r".*/plans/[a-z0-9-]+/edit\?area=99J$"))
    wait_status(page, "^Ready")
    return re.search(r"/plans/([a-z0-9-]+)/edit", page.url).group(1)


def test_editor_move_draw_undo_redo(editor_server, browser_page):
    (live, url), (page, watch) = editor_server, browser_page
    a, member, b = two_west_kent_networks(url)
    slug = signed_in_editor_walk(page, live.url)
    pop_a, pop_b = population_shown(page, a), population_shown(page, b)
    assert (pop_a, pop_b) == (oracle_population(url, slug, a), oracle_population(url, slug, b))

    # move one practice from A to B by clicking: select B, click the practice
    page.click(f'#plan-networks li[data-code="{b}"] .plan-net-select')
    page.locator(f".plan-practice-{member}").click(force=True)
    status = wait_status(page, "^Assign 1 practice")
    page.wait_for_function(
        '([c, p]) => !document.querySelector(`#plan-networks li[data-code="${c}"] .plan-pop`).textContent'
        ".startsWith(p)",
        arg=[a, f"{pop_a:,}"],
    )
    moved_a, moved_b = population_shown(page, a), population_shown(page, b)
    assert moved_a == oracle_population(url, slug, a) < pop_a
    assert moved_b == oracle_population(url, slug, b) > pop_b
    assert f"({a}): {pop_a:,} → {moved_a:,}" in status and f"({b})" in status  # names beside codes
    # the bar of B is redrawn for its new population (its width is the population over 1.5 × the maximum)
    width = page.locator(f'#plan-networks li[data-code="{b}"] .plan-bar__fill').evaluate("e => e.style.width")
    assert abs(float(width.rstrip("%")) - min(100, moved_b / 75_000 * 100)) < 0.01
    flags_after_move = flags_shown(page, a), flags_shown(page, b)

    # draw a polygon for B with Geoman (rectangle tool), saved as B's polygon
    page.select_option("#plan-mode", "polygon")
    page.locator(".leaflet-pm-icon-rectangle").click()
    box = page.locator("#plan-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.4)
    page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.6)
    wait_status(page, f"^Polygon of .*\\({b}\\)")
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """SELECT n.geom_origin, ST_IsValid(n.geom) FROM networks n JOIN scenarios s ON s.id = n.scenario_id
                WHERE s.slug = %s AND n.code = %s""",
            (slug, b),
        )
        assert cur.fetchone() == ("drawn", True)

    # undo twice (button, then Ctrl+Z): the polygon, then the move
    page.click("#plan-undo")
    wait_status(page, "^Undo: Polygon")
    page.locator("h1").click()  # focus leaves the buttons; the keys go to the page
    page.keyboard.press("Control+z")
    wait_status(page, "^Undo: Assign")
    page.wait_for_function(
        '([c, p]) => document.querySelector(`#plan-networks li[data-code="${c}"] .plan-pop`).textContent.startsWith(p)',
        arg=[a, f"{pop_a:,} patients"],
    )
    assert (population_shown(page, a), population_shown(page, b)) == (pop_a, pop_b)
    # redo with Ctrl+Shift+Z: the practice moves again, and the flags are those after the move
    page.keyboard.press("Control+Shift+z")
    wait_status(page, "^Redo: Assign")
    page.wait_for_function(
        '([c, p]) => document.querySelector(`#plan-networks li[data-code="${c}"] .plan-pop`).textContent.startsWith(p)',
        arg=[a, f"{moved_a:,} patients"],
    )
    assert population_shown(page, b) == moved_b
    assert (flags_shown(page, a), flags_shown(page, b)) == flags_after_move
    assert oracle_population(url, slug, a) == moved_a

    # upload a polygon for B from a KML file (the form on the page), then derive every polygon from membership
    page.select_option("#plan-upload-network", b)
    page.set_input_files("#plan-upload-file", str(FIXTURES / "one.kml"))
    page.click("#plan-upload-send")
    wait_status(page, f"^Polygons uploaded for {b} \\(KML")
    assert polygon_origin(url, slug, b) == "uploaded"
    page.click("#plan-derive")
    wait_status(page, "^Derived polygons for")
    assert polygon_origin(url, slug, b) == "derived"

    assert watch.page_errors == [] and watch.dialogs == []
    assert csp_violations(page) == []
    assert watch.foreign_requests() == []
    # WCAG 2.2 AA on the signed-in editor, after all of the above (axe-core from npm)
    bad = blocking(run_axe(page))
    assert not bad, f"plan editor:\n{summary(bad)}"
    # the plan's audit (a link on the editor) shows every write above, by the editor
    page.click("#plan-audit-link")
    actions = audit_actions(page)
    for action in ("plan.create", "plan.edit.assign", "plan.undo", "plan.redo", "plan.polygons.upload",
                   "plan.polygons.derive"):  # fmt: skip
        assert action in actions, (action, actions)
    assert actions.count("plan.undo") == 2 and "editor1" in page.inner_text("#audit-table")
    assert not watch.dialogs and not watch.page_errors and not watch.foreign_requests()


def audit_actions(page) -> list[str]:
    page.wait_for_selector("#audit-table")
    return page.locator("#audit-table tbody tr td:nth-child(3)").all_inner_texts()


def memberships_of(url: str, scenario: str, ods: str) -> list[tuple]:
    """(network, start, end) of a practice in a scenario, read from the tables."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """SELECT n.code, m.start_date::text, m.end_date::text FROM memberships m
                 JOIN networks n ON n.id = m.network_id JOIN practices p ON p.id = m.practice_id
                 JOIN scenarios s ON s.id = m.scenario_id
                WHERE s.slug = %s AND p.ods_code = %s ORDER BY m.start_date NULLS FIRST, m.id""",
            (scenario, ods),
        )
        rows = cur.fetchall()
    conn.close()
    return rows


def sign_in(page, base: str, username: str, next_path: str) -> None:
    page.goto(f"{base}/sign-in?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#sign-in-button")
    page.wait_for_url(f"**{next_path}")


def test_change_request_on_the_west_kent_baseline_is_approved_and_applies_on_its_date(editor_server, browser_page):
    """The baseline changes only through an approved change request: the editor proposes from the area map's
    "Change requests" link, the West Kent approver approves, the membership moves on the effective date."""
    (live, url), (page, watch) = editor_server, browser_page
    a, member, b = two_west_kent_networks(url)
    before = memberships_of(url, SOURCE, member)
    assert [r[0] for r in before if r[2] is None] == [a]
    effective = "2020-04-01"

    sign_in(page, live.url, "editor1", f"/maps/{SOURCE}/areas/{AREA}")
    page.click("#change-requests-link")
    page.wait_for_selector("#propose-form")
    page.select_option("#kind", "move")
    page.fill("#practice", member)
    page.fill("#network", b)
    page.fill("#effective_date", effective)
    page.fill("#reason", "Closer to its patients <b>not bold</b>")
    with page.expect_navigation():
        page.locator("#propose-form button[type=submit]").click()
    assert memberships_of(url, SOURCE, member) == before  # proposed only: the baseline has not changed
    page.click("#sign-out-button")

    sign_in(page, live.url, "approver1", f"/scenarios/{SOURCE}/change-requests")
    row = page.locator("tr", has_text=member).filter(has=page.get_by_role("button", name="Approve")).first
    assert "<b>not bold</b>" in row.inner_text()  # the reason is shown as text
    row.locator("input[name=comment]").fill("Agreed at the March board")
    with page.expect_navigation():
        row.get_by_role("button", name="Approve").click()
    assert "approved" in page.inner_text("#done-message")

    after = memberships_of(url, SOURCE, member)
    assert (a, "2020-03-31") in [(r[0], r[2]) for r in after]  # the old membership ends the day before
    assert (b, effective, None) in after  # the new one starts on the effective date
    page.click("text=Changes to this scenario")
    actions = audit_actions(page)
    assert "change_request.propose" in actions and "change_request.approve" in actions, actions
    assert "approver1" in page.inner_text("#audit-table") and "editor1" in page.inner_text("#audit-table")
    assert not watch.dialogs and not watch.page_errors and not watch.foreign_requests()

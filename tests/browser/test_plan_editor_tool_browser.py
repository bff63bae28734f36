"""The plan editor as a complete tool (issue 20), in real headless Chromium on England 2019/20 data.

* By keyboard only: from the West Kent area map of the 2019 scenario, the "Plans (copy this scenario ...)" link
  opens the copy form with that scenario and area chosen; the copy opens in the editor; a practice is chosen on
  the map (Tab to its marker, Enter), a network in "Move a practice", Move; the feedback names the practice and
  both networks beside their codes; Submit (confirmed in the page) turns the page read-only; the plan's history
  says it in sentences.
* axe-core: no serious or critical violation and no "needs review" item of that impact on the plans page and the
  editor (editable and read-only) at 1366×850 and 390×844; on the phone the map comes first and is full width.
"""

from __future__ import annotations

import contextlib
import os
import re

import psycopg2
import pytest

from geo_service.access import service as access
from geo_service.db.admin import drop_database
from geo_service.db.pool import Database
from tests.browser.accessibility import BLOCKING, WCAG_TAGS, inject_axe
from tests.browser.conftest import PageWatch, csp_violations, tab
from tests.browser.test_editor_browser import two_west_kent_networks, wait_status
from tests.conftest import ServerThread, clone_database, free_port, make_app

SOURCE = "epcn-december-2019"
AREA = "99J"
PASSWORD = "correct horse battery"
SIZES = {"desktop": (1366, 850), "phone": (390, 844)}


@pytest.fixture(scope="module")
def tool_server(maintenance_url, england_2019_db_url):
    url = clone_database(maintenance_url, england_2019_db_url.rsplit("/", 1)[1], f"pltool{os.getpid()}")
    db = Database(url, statement_timeout_ms=0)
    with db.connection() as conn:
        access.add_user(conn, "editor1", "Edith Editor", PASSWORD)
        access.grant(conn, "editor1", "editor")
    db.close()
    app = make_app(url, GEO_COOKIE_SECURE=False)
    from werkzeug.serving import make_server

    with ServerThread(make_server("127.0.0.1", free_port(), app, threaded=True)) as live:  # a port per worker
        yield live, url
    app.extensions["geo_db"].close()
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


@contextlib.contextmanager
def new_page(chromium, size: str):
    width, height = SIZES[size]
    with tab(chromium, {"width": width, "height": height}) as page:
        watch = PageWatch()
        watch.attach(page)
        yield page, watch


def names(url: str, slug: str, member: str, codes: tuple[str, str]) -> tuple[str, dict[str, str]]:
    """(the practice's name, network code → name) as the tables hold them for the plan."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """SELECT ps.name FROM scenario_practice_state ps JOIN scenarios s ON s.id = ps.scenario_id
                WHERE s.slug = %s AND ps.ods_code = %s""",
            (slug, member),
        )
        practice = cur.fetchone()[0]
        cur.execute(
            """SELECT n.code, n.name FROM networks n JOIN scenarios s ON s.id = n.scenario_id
                WHERE s.slug = %s AND n.code = ANY (%s)""",
            (slug, list(codes)),
        )
        nets = dict(cur.fetchall())
    conn.close()
    return practice, nets


def focused(page, selector: str) -> bool:
    return page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector)


def tab_to(page, selector: str, limit: int = 1500) -> int:
    """Press Tab until ``selector`` has the focus; the number of presses."""
    for n in range(1, limit + 1):
        page.keyboard.press("Tab")
        if focused(page, selector):
            return n
    pytest.fail(f"{selector} not reached in {limit} Tab presses")


def choose_option(page, select: str, value: str) -> None:
    """Change a focused <select> with the arrow keys until it holds ``value``."""
    values = page.eval_on_selector(select, "s => Array.from(s.options).map(o => o.value)")
    for _ in range(len(values) + 1):
        now = page.eval_on_selector(select, "s => s.value")
        if now == value:
            return
        page.keyboard.press("ArrowDown" if values.index(value) > values.index(now) else "ArrowUp")
    pytest.fail(f"{select} never held {value}")


def axe_blocking(page) -> list[dict]:
    """Serious / critical violations and "needs review" items (axe's incomplete results) of the WCAG rules."""
    inject_axe(page)
    found = page.evaluate(
        """async ([tags]) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                               resultTypes: ['violations', 'incomplete']});
            const shape = (kind) => (v) => ({id: kind + ':' + v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({target: n.target.join(' '), summary: n.failureSummary,
                related: n.any.concat(n.all, n.none)
                    .flatMap((c) => c.relatedNodes.map((r) => r.html.slice(0, 120)))}))});
            return r.violations.map(shape('violation')).concat(r.incomplete.map(shape('needs review')));
        }""",
        [list(WCAG_TAGS)],
    )
    return [v for v in found if v["impact"] in BLOCKING]


def explain(found: list[dict]) -> str:
    """One line per rule and the reason axe gives for its first element."""
    return "\n".join(
        f"[{v['impact']}] {v['id']} ({len(v['nodes'])}): {v['nodes'][0]['target']}: {v['nodes'][0]['summary']}"
        f" {v['nodes'][0].get('related')}"
        for v in found
    )


def sign_in_by_keyboard(page, base: str, next_path: str) -> None:
    page.goto(f"{base}/sign-in?next={next_path}")
    tab_to(page, "#username")
    page.keyboard.type("editor1")
    tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("^" + re.escape(base + next_path) + "$"))


def test_keyboard_walk_copy_move_submit_read_only_and_history(tool_server, chromium):
    live, url = tool_server
    a, member, b = two_west_kent_networks(url)
    with new_page(chromium, "desktop") as (page, watch):
        area_page = f"/maps/{SOURCE}/areas/{AREA}"
        sign_in_by_keyboard(page, live.url, area_page)
        # the map page's link to the plans page copies the scenario (and area) we are on
        tab_to(page, "#plans-link")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.eval_on_selector("#plan-copy", "s => s.value") == SOURCE
        assert page.eval_on_selector("#plan-area", "i => i.value") == AREA
        tab_to(page, "#plan-name")
        page.keyboard.press("Control+a")
        page.keyboard.type("Keyboard plan West Kent")
        tab_to(page, "#plan-create")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/plans/[a-z0-9-]+/edit\?area=99J$"))
        slug = re.search(r"/plans/([a-z0-9-]+)/edit", page.url).group(1)
        wait_status(page, "^Ready")
        practice, nets = names(url, slug, member, (a, b))

        # the marker has a name, and Enter chooses it for "Move a practice"
        tab_to(page, f"path.plan-practice-{member}")
        label = page.eval_on_selector(f"path.plan-practice-{member}", "p => p.getAttribute('aria-label')")
        assert practice in label and f"({member})" in label and f"{nets[a]} ({a})" in label
        page.keyboard.press("Enter")
        assert focused(page, "#plan-move-network")
        assert page.eval_on_selector("#plan-move-practice", "s => s.value") == member
        choose_option(page, "#plan-move-network", b)
        tab_to(page, "#plan-move-send")
        page.keyboard.press("Enter")
        status = wait_status(page, "^Assign 1 practice")
        assert f"{practice}, {member}" in status, status  # names with codes in the feedback
        assert f"to {nets[b]} ({b})" in status and f"{nets[a]} ({a}): " in status, status
        assert "practice(s)" not in status

        # submit, confirmed in the page: the page turns read-only with a banner saying who can do what next
        tab_to(page, "#plan-submit")
        page.keyboard.press("Enter")
        assert focused(page, "#plan-confirm-yes")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_selector("#plan-banner[data-editable=no]")
        banner = page.inner_text("#plan-banner")
        assert "Submitted for approval" in banner and "read-only" in banner and "withdraw" in banner
        wait_status(page, "^Ready")
        for control in ("#plan-move-form", "#plan-undo", "#plan-redo", "#plan-upload", "#plan-derive",
                        ".plan-net-select", ".plan-lock", ".leaflet-pm-toolbar", "#plan-submit"):  # fmt: skip
            assert page.locator(control).count() == 0, control
        assert page.locator("#plan-withdraw").count() == 1
        assert page.locator("#plan-networks li").count() >= 2  # the key stays
        bad = axe_blocking(page)
        assert not bad, f"read-only editor:\n{explain(bad)}"

        # the plan's history in sentences, names beside codes
        tab_to(page, "#plan-history-link")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        text = page.inner_text("#plan-history")
        assert f"moved {practice} ({member}) from {nets[a]} ({a}) to {nets[b]} ({b})" in text, text
        assert "submitted the plan for approval" in text and f"created the plan as a copy of {SOURCE}" in text
        assert re.search(r"\d\d:\d\d\s+\S+.* moved ", text), text
        assert '"targets"' not in page.content()
        bad = axe_blocking(page)
        assert not bad, f"plan history:\n{explain(bad)}"
        assert not watch.page_errors and not watch.dialogs and not watch.foreign_requests()
        assert csp_violations(page) == []


@pytest.mark.parametrize("size", sorted(SIZES))
def test_plans_page_and_editor_pass_axe_and_the_map_comes_first(tool_server, chromium, size):
    live, url = tool_server
    width, height = SIZES[size]
    with new_page(chromium, size) as (page, watch):
        sign_in_by_keyboard(page, live.url, "/plans")
        page.goto(f"{live.url}/plans?copy_from={SOURCE}&area={AREA}")
        bad = axe_blocking(page)
        assert not bad, f"plans page at {size}:\n{explain(bad)}"
        page.fill("#plan-name", f"Axe plan {size}")
        with page.expect_navigation():
            page.click("#plan-create")
        wait_status(page, "^Ready")
        box = page.locator("#plan-map").bounding_box()
        assert box["y"] < height, box  # the map starts in the first screen
        assert box["width"] >= width * 0.85 if size == "phone" else box["width"] >= 600, box
        side = page.locator(".plan-side").bounding_box()
        if size == "phone":
            assert side["y"] >= box["y"] + box["height"] - 1  # the panels below the map
        assert page.locator(".plan-label").count() >= 2  # network names on the map
        bad = axe_blocking(page)
        assert not bad, f"editor at {size}:\n{explain(bad)}"
        assert not watch.page_errors and not watch.foreign_requests()

"""Layout, phone and accessibility of every page type (issue 20), in real Chromium at 1366×850 and 390×844.

For each page: on a map page the map starts inside the first screen and takes most of it; every visible control
can be tapped (the element at its centre is the control or inside it: nothing such as the map's attribution
lies over it); the header's links are readable (contrast from computed styles at least 4.5:1); axe-core finds
no violation and no "needs review" item of serious or critical impact. One browser, one page per screen size
reused across the page types; the editor has a writable clone of the demo and a signed-in editor of its own.
"""

from __future__ import annotations

import os
import re

import pytest

from geo_service.access import service as access
from geo_service.db.admin import drop_database
from geo_service.db.pool import Database
from tests.browser.accessibility import BLOCKING, run_axe_with_review, summary
from tests.browser.conftest import tab
from tests.browser.test_editor_browser import wait_status
from tests.conftest import LiveServer, clone_database, make_app

pytestmark = pytest.mark.browser

REG, PROP = "demo-as-registered", "demo-commissioner-proposal"
AREA, NETWORK, PRACTICE = "ZA1", "UZ0001", "Z00001"
SCREENS = {"desktop": {"width": 1366, "height": 850}, "phone": {"width": 390, "height": 844}}
PASSWORD = "correct horse battery"

# Page type → (path, selector of its main map or None). The editor (a plan on a writable clone, signed in) is
# checked the same way by test_editor_layout_and_accessibility below.
PAGES = {
    "home": ("/", None),
    "overview": (f"/maps/{REG}", "#map-frame"),
    "area": (f"/maps/{REG}/areas/{AREA}", "#map-frame"),
    "network": (f"/maps/{REG}/networks/{NETWORK}", "#map-frame"),
    "practice": (f"/practices/{PRACTICE}?scenario={REG}", "#map-frame"),
    "compare": (f"/maps/compare?a={REG}&b={PROP}&area={AREA}", "#map-frame"),
    "findings": (f"/maps/{REG}/findings", "#findings-map"),
    "plans": ("/plans", None),
    "audit": (f"/scenarios/{REG}/audit", None),
    "embed": (f"/embed/{REG}/areas/{AREA}", "#map-frame"),
}

CONTRAST = """() => {
  const lum = (rgb) => {
    const [r, g, b] = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const parse = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return Array.from(document.querySelectorAll('header a, header button')).filter((el) => {
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1 && getComputedStyle(el).visibility !== 'hidden';
  }).map((el) => {
    const fg = parse(getComputedStyle(el).color).slice(0, 3);
    const bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    return {text: el.textContent.trim(), ratio: (a + 0.05) / (b + 0.05), fg, bg};
  });
}"""

# Every visible control, scrolled into view (nested scrolling boxes too), then the element at its centre.
TAPPABLE = """() => {
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], '
    + '[tabindex]:not([tabindex="-1"])';
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    const outside = el.matches('details > summary') ? el.parentElement.parentElement : el;  // a summary shows
    if (outside && outside.closest('details:not([open])')) continue;  // when its own details is shut, not an outer one
    if (el.closest('[hidden], [inert]')) continue;
    if (el.disabled) continue;  // not offered for a tap (the editor's Undo before any edit): it lets taps through
    let r = el.getBoundingClientRect();
    const st = getComputedStyle(el);
    if (r.width <= 1 || r.height <= 1 || st.visibility === 'hidden' || st.display === 'none') continue;
    el.scrollIntoView({block: 'center', inline: 'center'});
    r = el.getClientRects()[0] || el.getBoundingClientRect();  // a link wrapped over lines: its first line
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;  // off-screen by design (skip link)
    const hit = document.elementFromPoint(x, y);
    const label = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null;
    const ok = hit && (hit === el || el.contains(hit) || (label && (label === hit || label.contains(hit)))
                       || (hit.closest('label') && hit.closest('label').contains(el)));
    if (!ok) {
      const cls = (e) => (typeof e.className === 'string' && e.className.trim()
        ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
      const who = (e) => e ? e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + cls(e) : 'nothing';
      const text = (el.textContent || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40);
      out.push(`${who(el)} "${text}" under ${who(hit)}`);
    }
  }
  window.scrollTo(0, 0);
  return out;
}"""


@pytest.fixture(scope="module", params=list(SCREENS))
def screen(request, chromium, demo_server):
    with tab(chromium, SCREENS[request.param]) as page:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.screen_name = request.param
        page.errors = errors
        page.base = demo_server.url
        yield page


def _open(page, path: str) -> None:
    page.goto(page.base + path, wait_until="load", timeout=60_000)
    if page.evaluate("() => !!window.GeoMaps"):
        page.wait_for_function("() => GeoMaps.isReady()", timeout=60_000)
    if page.evaluate("() => !!document.getElementById('findings-map')"):
        page.wait_for_function("() => !!document.getElementById('findings-map').getAttribute('data-drawn')")


def _problems(page, map_selector: str | None) -> list[str]:
    """What a planner would meet on the page now open: the map's place, header contrast, axe, untappable controls."""
    problems = []

    # Map first: its top inside the first screen, and it takes most of that screen.
    if map_selector:
        box = page.evaluate(
            "(s) => { const r = document.querySelector(s).getBoundingClientRect();"
            " return {top: r.top + scrollY, bottom: r.bottom + scrollY, width: r.width,"
            " vh: innerHeight, vw: innerWidth}; }",
            map_selector,
        )
        seen = max(0, min(box["bottom"], box["vh"]) - box["top"])
        share = seen * box["width"] / (box["vh"] * box["vw"])
        if box["top"] >= box["vh"] / 2:
            problems.append(f"the map starts at y = {box['top']:.0f} of a {box['vh']} px screen")
        if share < (0.45 if page.screen_name == "desktop" else 0.4):
            problems.append(f"the map takes only {share:.0%} of the first screen")

    # Header links readable.
    for link in page.evaluate(CONTRAST):
        if link["ratio"] < 4.5:
            ratio, fg, bg = link["ratio"], link["fg"], link["bg"]
            problems.append(f"header link {link['text']!r}: contrast {ratio:.2f}:1 ({fg} on {bg})")

    # axe (before the tap check scrolls anything):  no violation; no "needs review" item of serious or critical impact.
    violations, review = run_axe_with_review(page)
    if violations:
        problems.append("axe violations:\n" + summary(violations))
    serious_review = [v for v in review if v["impact"] in BLOCKING]
    if serious_review:
        problems.append("axe needs review (serious/critical):\n" + summary(serious_review))

    # Every visible control tappable.
    problems += [f"not tappable: {c}" for c in page.evaluate(TAPPABLE)]
    return problems


@pytest.mark.parametrize("page_type", list(PAGES))
def test_page_layout_and_accessibility(screen, page_type):
    page = screen
    path, map_selector = PAGES[page_type]
    _open(page, path)
    problems = _problems(page, map_selector)
    assert not page.errors, page.errors
    assert not problems, f"{page_type} ({page.screen_name}) {path}:\n" + "\n".join(problems)


@pytest.fixture(scope="module")
def editor_server(maintenance_url, demo_template):
    """A writable clone of the demo with an editor, served; dropped afterwards."""
    url = clone_database(maintenance_url, demo_template, f"layout{os.getpid()}")
    db = Database(url, statement_timeout_ms=0)
    with db.connection() as conn:
        access.add_user(conn, "editor1", "Edith Editor", PASSWORD)
        access.grant(conn, "editor1", "editor")
    db.close()
    app = make_app(url, GEO_COOKIE_SECURE=False)
    with LiveServer(app) as live:
        yield live
    app.extensions["geo_db"].close()
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


@pytest.mark.parametrize("screen_name", list(SCREENS))
def test_editor_layout_and_accessibility(chromium, editor_server, screen_name):
    """The plan editor (signed in as an editor, a copy of the demo's area ZA1) to the same checks as every page."""
    with tab(chromium, SCREENS[screen_name]) as page:
        page.screen_name, page.errors = screen_name, []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        base = editor_server.url
        page.goto(f"{base}/sign-in?next=/plans", wait_until="load")
        page.fill("#username", "editor1")
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.press("#password", "Enter")
        page.goto(f"{base}/plans?copy_from={REG}&area={AREA}", wait_until="load")
        page.fill("#plan-name", f"Layout plan {screen_name}")
        with page.expect_navigation():
            page.click("#plan-create")
        page.wait_for_url(re.compile(r".*/plans/[a-z0-9-]+/edit"))
        wait_status(page, "^Ready")
        problems = _problems(page, "#plan-map")
        assert not page.errors, page.errors
        assert not problems, f"editor ({screen_name}) {page.url}:\n" + "\n".join(problems)


def test_phone_home_is_summarised(screen):
    """The home page on a phone is a summary to scroll, not a wall: sections fold (boundary sets, extracts)."""
    if screen.screen_name != "phone":
        pytest.skip("a phone check")
    _open(screen, "/")
    folded = screen.evaluate("() => Array.from(document.querySelectorAll('details:not([open])')).map((d) => d.id)")
    assert any(i.startswith("extracts-") for i in folded), folded
    height = screen.evaluate("() => document.scrollingElement.scrollHeight")
    assert height < 4 * 844, f"home is {height} px tall on a phone"


FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {tag: 'body'};
  return {tag: el.tagName.toLowerCase(), cls: String(el.className.baseVal ?? el.className),
          id: el.id, inMap: !!el.closest('.leaflet-container'),
          shape: !!el.closest('.leaflet-overlay-pane, .leaflet-marker-pane, .leaflet-shadow-pane'),
          panel: !!el.closest('#area-panel'),
          name: el.getAttribute('aria-label') || el.textContent.trim().slice(0, 60)};
}"""


def test_keyboard_reaches_search_layers_and_network_list_and_no_shape(screen):
    """Tab from the top of an area page: the in-map search, the layer list and the network list come without a
    single map shape in between (shapes are not Tab stops; the list is the keyboard route to each network);
    ArrowDown then Enter in the search picks a result and opens its popup."""
    if screen.screen_name != "desktop":
        pytest.skip("one keyboard walk is enough")
    page = screen
    _open(page, f"/maps/{REG}/areas/{AREA}")
    reached: dict[str, int] = {}
    for n in range(1, 200):
        page.keyboard.press("Tab")
        f = page.evaluate(FOCUSED)
        assert not f["shape"], f"Tab stop {n} is a map shape: {f}"
        if "geo-search__input" in f.get("cls", ""):
            reached.setdefault("search", n)
        if "leaflet-control-layers" in f.get("cls", "") or f.get("cls") == "leaflet-control-layers-selector":
            reached.setdefault("layers", n)
        if f.get("panel") and "geo-panel__focus" in f.get("cls", ""):
            reached.setdefault("list", n)
            break
    assert {"search", "layers", "list"} <= reached.keys(), reached
    assert reached["search"] < 15, f"the map's search is Tab stop {reached['search']}"
    # The in-map search picks by keyboard.
    page.focus(".geo-search__input")
    page.keyboard.type("Synthetic")
    page.wait_for_selector('.geo-search__results [role="option"]')
    assert page.get_attribute(".geo-search__input", "aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    active = page.get_attribute(".geo-search__input", "aria-activedescendant")
    assert active and page.get_attribute(f"#{active}", "aria-selected") == "true"
    name = page.inner_text(f"#{active} strong")
    page.keyboard.press("Enter")
    popup = page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
    assert name in popup.inner_text()
    assert not page.errors, page.errors


def test_overview_areas_are_named_in_tooltips_and_to_assistive_technology(screen):
    """Each overview area carries the name its code had on the scenario's date (the boundary set's own name here,
    the demo's names being in force): the shape is named "name (code), Findings: n" and its tooltip reads the same."""
    page = screen
    if page.screen_name != "desktop":
        pytest.skip("one walk is enough")
    _open(page, f"/maps/{REG}")
    page.wait_for_function("() => document.querySelectorAll('#map-frame path[role=img][aria-label]').length >= 4")
    shapes = page.evaluate(
        """() => { const m = document.querySelector('#map-frame .folium-map');
            const g = GeoMaps.layers[m.id].find((x) => x._geoSpec.key === 'areas');
            const out = [];
            g.eachLayer((l) => out.push({code: l.feature.properties.code, name: l.feature.properties.name,
                                         n: l.feature.properties.n, label: l.getElement().getAttribute('aria-label'),
                                         role: l.getElement().getAttribute('role')}));
            return out; }"""
    )
    listed = page.evaluate(
        "() => Array.from(document.querySelectorAll('#overview-areas li a')).map((a) => a.textContent.trim())"
    )
    assert len(shapes) == 4, shapes
    for s in shapes:
        assert s["name"] and s["name"] != s["code"], s
        assert s["role"] == "img" and s["label"] == f"{s['name']} ({s['code']}), Findings: {s['n']}", s
        assert f"{s['name']} ({s['code']})" in listed, (s, listed)
    # The tooltip of a shape under the pointer reads its name beside its code.
    box = page.locator("#map-frame path[role=img]").first.bounding_box()
    first = page.locator("#map-frame path[role=img]").first.get_attribute("aria-label")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tip = page.wait_for_selector(".leaflet-tooltip .geo-tooltip", timeout=10_000).inner_text()
    assert tip.split("\n")[0] in {f"{s['name']} ({s['code']})" for s in shapes}, (tip, first)

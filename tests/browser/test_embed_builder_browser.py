"""Issue 20: the embed builder and the embed page in Chromium.

* the builder (a map page's "Embed this map"): each choice (layers, legend, basemap, height, live or pinned),
  made with the keyboard, updates the snippet, the oEmbed link and the preview, which loads that embed;
* the embed page at 300, 480 and 800 px high (and on a wide and a narrow frame): its footer is wholly inside the
  frame, nothing scrolls sideways, the map fills what is left, and it has a ``main`` landmark;
* axe-core: no violation and no "needs review" item of serious or critical impact on the builder or the embed.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.accessibility import WCAG_TAGS, inject_axe, summary
from tests.browser.conftest import tab
from tests.conftest import LiveServer, make_app

SCENARIO, AREA = "demo-as-registered", "ZA1"
MAP = f"/maps/{SCENARIO}/areas/{AREA}"
EMBED = f"/embed/{SCENARIO}/areas/{AREA}"


@pytest.fixture(scope="module")
def server(demo_db_url):
    app = make_app(demo_db_url)
    with LiveServer(app) as live:
        app.config["GEO_PUBLIC_URL"] = live.url  # what a deployment sets: the snippet and oEmbed use it
        yield live
    app.extensions["geo_db"].close()


def axe_blocking(page, context: str | None = None) -> list[dict]:
    """Violations and needs-review items of serious or critical impact (in ``context``, a selector, or the page);
    frames are not entered (the embed page is checked by itself)."""
    inject_axe(page)
    return page.evaluate(
        """async ([tags, context]) => {
            const r = await axe.run(context ? {include: [[context]]} : document,
                {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations', 'incomplete'], iframes: false});
            const keep = (v, kind) => ({id: v.id, impact: v.impact, help: v.help + ' (' + kind + ')',
                nodes: v.nodes.filter((n) => ['serious', 'critical'].includes(n.impact || v.impact))
                    .map((n) => ({target: n.target.join(' '), summary: n.failureSummary}))});
            const found = r.violations.map((v) => keep(v, 'violation'));
            return found.concat(r.incomplete.map((v) => keep(v, 'needs review'))).filter((v) => v.nodes.length);
        }""",
        [list(WCAG_TAGS), context],
    )


def _open_builder(page, server) -> None:
    page.goto(server.url + MAP, wait_until="load")
    page.wait_for_selector("#embed-this-map[data-builder='ready']", timeout=30_000)


def _snippet_src(page) -> tuple[str, dict, str]:
    """(the snippet's iframe src, its query, its height attribute)."""
    html = page.locator("#embed-snippet").input_value()
    src = html.split('src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    height = html.split('height="', 1)[1].split('"', 1)[0]
    return src, {k: v[-1] for k, v in parse_qs(urlsplit(src).query).items()}, height


def _wait_preview(page, fragment: str) -> None:
    page.wait_for_function(
        "(f) => document.getElementById('embed-preview').getAttribute('src').includes(f)", arg=fragment, timeout=10_000
    )


def test_builder_updates_snippet_oembed_link_and_preview(chromium, server):
    with tab(chromium) as page:
        _open_builder(page, server)
        src, q, height = _snippet_src(page)
        assert src.startswith(f"{server.url}{EMBED}") and "version" in q and height == "480"
        assert not {"legend", "basemap", "layers", "height"} & set(q)

        page.focus("#embed-legend")
        page.keyboard.press("Space")  # keyboard: a checkbox toggles with Space
        page.wait_for_function("() => document.getElementById('embed-snippet').value.includes('legend=off')")
        _wait_preview(page, "legend=off")

        boxes = page.locator("#embed-builder input[name='layers'][data-default='on']")
        assert boxes.count() >= 2
        dropped = boxes.nth(0).get_attribute("value")
        boxes.nth(0).focus()
        page.keyboard.press("Space")
        page.wait_for_function("() => document.getElementById('embed-snippet').value.includes('layers=')")
        _, q, _ = _snippet_src(page)
        layers = q["layers"].split(",")
        assert dropped not in layers and layers == sorted(layers) and len(layers) >= 1

        page.focus("#embed-live")  # radio: arrow keys move the choice
        page.keyboard.press("Space")
        page.wait_for_function("() => !document.getElementById('embed-snippet').value.includes('version=')")

        page.fill("#embed-height", "800")
        page.keyboard.press("Tab")
        page.wait_for_function("() => document.getElementById('embed-snippet').value.includes('height=\"800\"')")
        src, q, height = _snippet_src(page)
        assert height == "800" and q["height"] == "800" and q["legend"] == "off" and "version" not in q
        _wait_preview(page, "height=800")
        assert page.get_attribute("#embed-preview", "height") == "800"
        local = page.get_attribute("#embed-preview", "src")
        assert src == server.url + local  # the preview shows exactly what the snippet embeds
        page.locator("#embed-preview").scroll_into_view_if_needed()  # a lazy iframe loads once in view
        page.wait_for_function(
            """() => { const w = document.getElementById('embed-preview').contentWindow;
                       return w.location.href.includes('height=800') && w.GeoMaps && w.GeoMaps.isReady(); }""",
            timeout=60_000,
        )
        frame = page.query_selector("#embed-preview").content_frame()
        assert "legend=off" in frame.url and f"layers={q['layers'].replace(',', '%2C')}" in frame.url

        link = page.locator("#embed-oembed").input_value()
        assert link.startswith(f"{server.url}/oembed?") and "height%3D800" in link
        body = page.request.get(link)
        assert body.status == 200, body.text()
        answer = body.json()
        assert answer["type"] == "rich" and 'height="800"' in answer["html"] and "legend=off" in answer["html"]

        page.fill("#embed-height", "150")  # out of bounds: the snippet keeps to the lowest height, and says so
        page.keyboard.press("Tab")
        page.wait_for_function("() => document.getElementById('embed-height').getAttribute('aria-invalid') === 'true'")
        assert _snippet_src(page)[2] == "300"
        assert "300" in page.locator("#embed-status").inner_text()

        page.locator("button[data-copy='embed-snippet']").focus()
        page.keyboard.press("Enter")  # the copy button works from the keyboard
        page.wait_for_function(
            "() => document.querySelector(\"button[data-copy='embed-snippet']\").textContent === 'Copied'"
        )


@pytest.mark.parametrize("width", [720, 390])
@pytest.mark.parametrize("height", [300, 480, 800])
def test_embed_page_clips_nothing(chromium, server, height, width):
    with tab(chromium, {"width": width, "height": height}) as page:
        page.goto(f"{server.url}{EMBED}?height={height}", wait_until="load")
        page.wait_for_function("() => window.GeoMaps && GeoMaps.isReady()", timeout=60_000)
        box = page.evaluate(
            """() => {
                const f = document.querySelector('footer').getBoundingClientRect();
                const m = document.querySelector('.folium-map').getBoundingClientRect();
                const d = document.documentElement;
                return {footerTop: f.top, footerBottom: f.bottom, footerHeight: f.height,
                        footerScroll: document.querySelector('footer').scrollHeight,
                        mapHeight: m.height, mapWidth: m.width, viewH: window.innerHeight, viewW: window.innerWidth,
                        scrollW: d.scrollWidth, clientW: d.clientWidth, scrollH: d.scrollHeight,
                        mains: document.querySelectorAll('main').length};
            }"""
        )
        assert box["mains"] == 1, box
        assert box["footerBottom"] <= box["viewH"], box  # the footer is wholly inside the frame
        assert box["footerScroll"] <= box["footerHeight"] + 1, box  # and none of its lines is cut off
        assert box["scrollW"] <= box["clientW"], box  # nothing scrolls sideways
        assert box["scrollH"] <= box["viewH"], box
        assert box["mapHeight"] >= 120 and abs(box["mapWidth"] - box["viewW"]) <= 1, box


def test_builder_and_embed_pass_axe_with_nothing_to_review(chromium, server, artifacts_dir):
    with tab(chromium) as page:
        _open_builder(page, server)
        builder = axe_blocking(page, "#embed-this-map")
        page.goto(f"{server.url}{EMBED}", wait_until="load")
        page.wait_for_function("() => window.GeoMaps && GeoMaps.isReady()", timeout=60_000)
        embed = axe_blocking(page)
        (artifacts_dir / "axe-embed-builder.md").write_text(
            f"# builder\n\n{summary(builder)}\n\n# embed\n\n{summary(embed)}\n", encoding="utf-8"
        )
        assert not builder, summary(builder)
        assert not embed, (
            summary(embed, max_nodes=20) + "\n" + "\n".join(n["summary"][:300] for v in embed for n in v["nodes"][:20])
        )

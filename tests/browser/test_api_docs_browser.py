"""Issue 13: Swagger UI at /api/docs renders the generated document in real headless Chromium, under the
page CSP (no inline scripts), from our own static files (no CDN), with no console errors."""

from __future__ import annotations

from tests.browser.conftest import csp_violations


def test_swagger_ui_shows_every_tag_and_an_operation(demo_server, browser_page):
    page, watch = browser_page
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(demo_server.url + "/", wait_until="load")
    page.click("text=HTTP API reference")  # reachable by clicking from the home page
    page.wait_for_url("**/api/docs")
    # The home page's own console (its /favicon.ico is a 404, not ours to judge here) is left behind:
    watch.console_errors.clear()
    page.reload(wait_until="load")
    page.wait_for_selector(".opblock-tag", timeout=20_000)
    tags = {t.strip() for t in page.locator(".opblock-tag").all_inner_texts()}
    for tag in ("checks", "map layers", "exports", "prints", "embeds", "scenarios", "catalogue", "pages", "meta"):
        assert any(t.startswith(tag) for t in tags), (tag, tags)
    assert page.locator(".opblock-summary-path", has_text="/api/v1/scenarios/{slug}/checks").count() >= 1
    page.locator(".opblock-summary-path", has_text="/api/v1/scenarios/{slug}/checks").first.click()
    page.wait_for_selector(".parameters-container", timeout=10_000)
    assert "boundary_set" in page.locator(".parameters-container").first.inner_text()
    assert csp_violations(page) == []
    assert failed == []
    assert watch.console_errors == [] and watch.page_errors == [], (watch.console_errors, watch.page_errors)
    assert watch.foreign_requests() == []

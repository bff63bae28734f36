"""Plain pages in a real browser: nothing leaves 127.0.0.1 (no web fonts, no CDN), no console errors."""

import re

from geo_service.config import PROJECT_ROOT


def test_index_and_error_pages_make_no_outside_requests(browser_page, demo_server, artifacts_dir):
    page, watch = browser_page
    page.goto(demo_server.url + "/", wait_until="networkidle")
    assert page.locator("h1").inner_text() == "Primary care network planner"
    page.screenshot(path=str(artifacts_dir / "index.png"), full_page=True)
    page.goto(demo_server.url + "/no-such-page", wait_until="networkidle")
    assert "Back to the overview" in page.content()
    assert watch.foreign_requests() == []
    assert [e for e in watch.console_errors if "404" not in e] == [] and watch.page_errors == []


def test_vendored_assets_reference_no_other_host():
    remote = re.compile(r"url\(\s*[\"']?(https?:)?//", re.I)
    offenders = [
        str(p.relative_to(PROJECT_ROOT))
        for p in (PROJECT_ROOT / "static").rglob("*.css")
        if remote.search(p.read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == []


def test_content_security_policy_stops_requests_to_other_hosts(browser_page, demo_server):
    """Even a script that tried could not reach another host (127.0.0.2 stands in for a CDN; it stays local)."""
    page, watch = browser_page
    page.goto(demo_server.url + "/maps/demo-as-registered/areas/ZA1", wait_until="load")
    outcome = page.evaluate(
        """() => fetch('http://127.0.0.2:9/tracker.js').then(() => 'fetched', (e) => 'blocked: ' + e.message)"""
    )
    assert outcome.startswith("blocked")
    assert any("Content Security Policy" in e for e in watch.console_errors), watch.console_errors
    assert not any(u.startswith("http://127.0.0.2") for u in watch.requests)

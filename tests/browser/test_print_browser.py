"""Issue 21: the map page's print link in headless Chromium, now that a print not ready within
``GEO_PRINT_ANSWER_S`` answers 202 with a page that looks again by itself: the link shows "Your print is being
made", then the browser comes back and gets the PDF. Waits on the browser's events, with deadlines."""

from __future__ import annotations

import pytest

from geo_service.demo.generator import REGISTERED
from tests.browser.conftest import tab
from tests.conftest import LiveServer
from tests.exports.print_flow import PRINT_DEADLINE_S as MAKING_DEADLINE_S
from tests.exports.print_flow import background_print_app


@pytest.fixture
def app(demo_db_url, tmp_path):
    with background_print_app(demo_db_url, tmp_path / "kept") as app:
        yield app


def test_the_map_pages_print_link_ends_in_the_pdf_in_chromium(chromium, app):
    with LiveServer(app) as live:
        with tab(chromium, {"width": 1280, "height": 720}) as page:  # Playwright's default viewport
            page.goto(f"{live.url}/maps/{REGISTERED}/areas/ZA3")
            link = page.get_by_role("link", name="Print this area (PDF)")
            with page.expect_response(
                lambda r: "/print.pdf" in r.url and r.status == 200, timeout=MAKING_DEADLINE_S * 1000
            ) as got:
                link.click()
                page.get_by_role("heading", name="Your print is being made").wait_for(timeout=30_000)
            pdf = got.value
            assert pdf.headers["content-type"] == "application/pdf"
            assert int(pdf.headers["content-length"]) > 10_000 and pdf.headers["x-print-copy"] in ("new", "kept")
            # (Chromium's PDF viewer takes the body over: the file itself is read back in tests/exports/.)
            page.wait_for_url(pdf.url, timeout=30_000)  # the viewer shows the print in the tab

"""The browser tests' kept tabs (tests/browser/conftest.py ``tab``): a tab lent again is what a new context's page
would be, and a tab whose test failed is never lent again."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.browser.conftest import tab
from tests.conftest import CALL_FAILED

PERMISSION = "() => navigator.permissions.query({name: 'geolocation'}).then((p) => p.state)"


def test_a_kept_tab_comes_back_as_a_new_contexts_page(chromium, demo_server):
    url = demo_server.url + "/"
    heard: list[str] = []
    with tab(chromium, {"width": 390, "height": 844}) as page:
        first = page
        page.on("console", lambda msg: heard.append(msg.text))
        page.goto(url, wait_until="load")
        page.evaluate("() => { localStorage.setItem('k', 'v'); document.cookie = 'c=1; path=/'; }")
        page.context.grant_permissions(["geolocation"], origin=demo_server.url)
        assert page.evaluate(PERMISSION) == "granted"
        assert page.context.cookies() and page.viewport_size == {"width": 390, "height": 844}
        page.context.new_page()  # a pop-up the test left open
    with tab(chromium) as page:
        assert page is first  # the same tab, lent again
        assert page.url == "about:blank" and page.context.pages == [page]
        assert page.viewport_size == {"width": 1280, "height": 900}
        assert page.context.cookies() == []
        page.goto(url, wait_until="load")
        assert page.evaluate("() => localStorage.getItem('k')") is None
        assert page.evaluate(PERMISSION) != "granted"
        with page.expect_console_message() as message:  # the event has reached every listener
            page.evaluate("() => console.log('to nobody')")
        assert message.value.text == "to nobody"
        assert heard == []  # the first test's listener went with it
        assert page.evaluate("() => Array.isArray(window.__cspViolations)")  # CSP violations are still recorded


def test_a_tab_whose_block_raised_is_closed_not_lent_again(chromium):
    with pytest.raises(RuntimeError, match="the test broke"):
        with tab(chromium) as page:
            broken = page
            raise RuntimeError("the test broke")
    assert broken.is_closed()
    with tab(chromium) as page:
        assert page is not broken and not page.is_closed()


def test_a_tab_whose_test_failed_is_closed_not_lent_again(chromium):
    failed = SimpleNamespace(node=SimpleNamespace(stash={CALL_FAILED: True}))
    with tab(chromium, request=failed) as page:
        used = page
    assert used.is_closed()
    passed = SimpleNamespace(node=SimpleNamespace(stash={CALL_FAILED: False}))
    with tab(chromium, request=passed) as page:
        kept = page
    assert not kept.is_closed()

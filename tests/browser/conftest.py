"""Headless Chromium from Debian (/usr/bin/chromium) driven by Playwright; never a downloaded browser.

``browser_page`` gives a clean page plus a :class:`PageWatch` that records console errors,
uncaught exceptions, dialogs (an executed XSS probe would open one) and every request URL. Every
document of the context (frames too) records its Content-Security-Policy violations in
``window.__cspViolations`` (:func:`csp_violations`).

Pages are kept tabs (:func:`tab`): a new tab costs /usr/bin/chromium (the full browser in its headless mode)
about 0.45 s of CPU, its window in the browser process and a renderer started, where a navigation in a kept tab
costs 0.05 s. A whole run takes a page 112 times and now opens 3 tabs: Chromium's CPU in the browser tests went
from 213 s to 146 s. Between tests a tab is reset to what a new context gives (:class:`TabPool`), and a tab whose
test failed is closed with its context.

One Chromium per worker process: ``chromium`` is a session fixture, and a module outside tests/browser that imports
it (tests/suggest) gets the same browser rather than a second Playwright inside the first one's event loop.
``shared_server`` serves the plain app of a read-only database (``make_app(url)``, no extra settings) once per
worker, so every module that reads England-sized pages from it shares its warm caches instead of recomputing them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

from tests.conftest import CALL_FAILED, LiveServer, make_app

CHROMIUM = os.environ.get("GEO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass
class PageWatch:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("console", lambda msg: self.console_errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("request", lambda req: self.requests.append(req.url))

        def _dialog(dialog):
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", _dialog)

    def foreign_requests(self) -> list[str]:
        """Requests to any host but 127.0.0.1 (data: and blob: URLs never leave the browser)."""
        out = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if parts.hostname != "127.0.0.1":
                out.append(url)
        return out


DEFAULT_VIEWPORT = {"width": 1280, "height": 900}
DEFAULT_TIMEOUT_MS = 30_000  # Playwright's own default


class TabPool:
    """Chromium tabs kept for a worker's session, each lent to one test at a time and reset when given back to
    what a new context would give: about:blank, the listeners the test added removed, other pages of its context
    closed, cookies, permissions, the HTTP cache and the storage of every origin it visited cleared (the app uses
    no web storage; local storage and IndexedDB are cleared all the same), the mouse at the corner, Playwright's
    default timeouts. A tab that was closed, whose test failed or whose reset fails is closed with its context,
    never lent again. Every tab's context records CSP violations (``CSP_RECORDER``)."""

    def __init__(self, browser) -> None:
        self.browser = browser
        self.idle: list = []

    def take(self, viewport: dict | None = None):
        page = self.idle.pop() if self.idle else self._new()
        page.set_viewport_size(viewport or DEFAULT_VIEWPORT)
        return page

    def _new(self):
        context = self.browser.new_context(viewport=DEFAULT_VIEWPORT)
        context.add_init_script(CSP_RECORDER)
        page = context.new_page()
        origins: set[str] = set()
        page.on("framenavigated", lambda frame: origins.add(_origin(frame.url)))
        added: list[tuple[str, object]] = []
        on = page.on

        def recorded_on(event, handler):  # what the test adds, removed when the tab is given back
            added.append((event, handler))
            return on(event, handler)

        page.on = recorded_on
        page._kept = {"origins": origins, "added": added, "cdp": context.new_cdp_session(page)}
        return page

    def give_back(self, page, discard: bool = False) -> None:
        if not discard and not page.is_closed():
            try:
                self._reset(page)
                self.idle.append(page)
                return
            except Exception:  # noqa: BLE001 - a tab that cannot be reset is closed below
                pass
        with contextlib.suppress(Exception):
            page.context.close()

    @staticmethod
    def _reset(page) -> None:
        kept = page._kept
        for event, handler in kept["added"]:
            page.remove_listener(event, handler)
        kept["added"].clear()
        for other in page.context.pages:
            if other != page:
                other.close()
        page.unroute_all()
        page.goto("about:blank", timeout=10_000)
        page.mouse.move(0, 0)
        for origin in sorted(kept["origins"] - {""}):
            kept["cdp"].send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
        kept["origins"].clear()
        kept["cdp"].send("Network.clearBrowserCache")
        page.context.clear_cookies()
        page.context.clear_permissions()
        page.set_default_timeout(DEFAULT_TIMEOUT_MS)
        page.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""


@contextlib.contextmanager
def tab(chromium, viewport: dict | None = None, request=None) -> Iterator:
    """A kept tab of ``chromium`` at ``viewport`` (default 1280×900), clean as a new context's page; given back when
    the block ends, or closed if the block raised or the test of ``request`` failed."""
    if "tabs" not in _BROWSER:
        _BROWSER["tabs"] = TabPool(chromium)
    pool = _BROWSER["tabs"]
    page = pool.take(viewport)
    ok = False
    try:
        yield page
        ok = True
    finally:
        failed = not ok or (request is not None and request.node.stash.get(CALL_FAILED, False))
        pool.give_back(page, discard=failed)


_BROWSER: dict = {"users": 0}  # this process's Playwright and Chromium, and how many session fixtures hold them


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make test does)")
    if _BROWSER["users"] == 0:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        _BROWSER["playwright"] = playwright
        _BROWSER["browser"] = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    _BROWSER["users"] += 1
    try:
        yield _BROWSER["browser"]
    finally:
        _BROWSER["users"] -= 1
        if _BROWSER["users"] == 0:
            _BROWSER.pop("tabs", None)
            _BROWSER.pop("browser").close()
            _BROWSER.pop("playwright").stop()


@pytest.fixture(scope="session")
def shared_server():
    """``shared_server(database_url)``: the live server of ``make_app(database_url)`` (its app as ``.app``), made
    on first use and kept for the worker's session. Only for read-only databases and apps without extra settings:
    a test that changes settings or data makes its own."""
    servers: dict[str, LiveServer] = {}
    with contextlib.ExitStack() as stack:

        def serve(database_url: str) -> LiveServer:
            if database_url not in servers:
                app = make_app(database_url)
                stack.callback(app.extensions["geo_db"].close)  # after the server below has stopped
                server = stack.enter_context(LiveServer(app))
                server.app = app
                servers[database_url] = server
            return servers[database_url]

        yield serve


@pytest.fixture(scope="session")
def all_bundles_server(shared_server, all_bundles_db_url):
    """The demo and every real bundle (``mixed_db_url`` is the same database), served once per worker."""
    return shared_server(all_bundles_db_url)


@pytest.fixture(scope="session")
def england_2019_server(shared_server, england_2019_db_url):
    """England 2019/20, served once per worker."""
    return shared_server(england_2019_db_url)


CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


def csp_violations(page) -> list[str]:
    """CSP violations reported in the page and each of its loaded frames (a lazy iframe not loaded yet has no
    document to ask: evaluating in it would wait for one)."""
    out = []
    for frame in page.frames:
        if not frame.is_detached() and frame.url.startswith(("http://", "https://")):
            out += frame.evaluate("() => window.__cspViolations || []")
    return out


@pytest.fixture
def browser_page(chromium, request):
    with tab(chromium, request=request) as page:
        watch = PageWatch()
        watch.attach(page)
        yield page, watch

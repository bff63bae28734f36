"""Headless Chromium from Debian (/usr/bin/chromium) driven by Playwright; never a downloaded browser.

``browser_page`` gives a fresh page plus a :class:`PageWatch` that records console errors,
uncaught exceptions, dialogs (an executed XSS probe would open one) and every request URL. Every
document of the context (frames too) records its Content-Security-Policy violations in
``window.__cspViolations`` (:func:`csp_violations`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

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


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


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
def browser_page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(CSP_RECORDER)
    page = context.new_page()
    watch = PageWatch()
    watch.attach(page)
    yield page, watch
    context.close()

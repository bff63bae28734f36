"""What a browser test's page costs Chromium (issue 23): a new context and tab per test, against a kept tab reset
the way tests/browser/conftest.py's TabPool resets it, in the same browser, same run (a ratio, not a goal).

    .venv/bin/python benchmarks/chromium_tabs.py [--database-url URL] [--repeat 10] [--path /]
                                                 [--chromium /usr/bin/chromium]

The app (the demo database by default: ``DATABASE_URL``, or the project-local cluster's ``geo_service``) is served
by werkzeug on 127.0.0.1 in this process. Each case opens ``--path`` ``--repeat`` times; the figure is the CPU of
this process's children per page (``abuse_load.tree_cpu``: Playwright's driver and Chromium, ended renderers
included; the server's threads are this process's own and not counted).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.abuse_load import tree_cpu  # noqa: E402
from geo_service import create_app  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, CSP_RECORDER, TabPool  # noqa: E402
from tests.conftest import LiveServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--path", default="/")
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    config = {"GEO_TILES_URL": "none"} | ({"DATABASE_URL": args.database_url} if args.database_url else {})
    with LiveServer(create_app(config)) as live, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True)
        url = live.url + args.path

        def new_context_each_time() -> None:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_init_script(CSP_RECORDER)
            context.new_page().goto(url, wait_until="load")
            context.close()

        pool = TabPool(browser)

        def kept_tab() -> None:
            page = pool.take()
            page.goto(url, wait_until="load")
            pool.give_back(page)

        figures = {}
        for name, case in (("new context and tab", new_context_each_time), ("kept tab, reset", kept_tab)):
            case()  # the first page of a case starts what it needs
            time.sleep(1)
            cpu, start = tree_cpu(os.getpid()), time.perf_counter()
            for _ in range(args.repeat):
                case()
            time.sleep(1)  # ended renderers are reaped
            figures[name] = (tree_cpu(os.getpid()) - cpu) / args.repeat
            wall = (time.perf_counter() - start - 1) / args.repeat
            print(f"{name:22s} {figures[name]:.2f} s of Playwright and Chromium CPU per page, {wall:.2f} s wall")
        browser.close()
    new, kept = figures["new context and tab"], figures["kept tab, reset"]
    print(f"ratio: a new context and tab costs {new / kept:.1f}x a kept tab ({args.chromium}, {args.path})")


if __name__ == "__main__":
    main()

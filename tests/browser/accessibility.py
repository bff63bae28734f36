"""axe-core (from npm: ``node_modules/axe-core/axe.min.js``) run inside a page by Playwright.

The pages send a nonce-based Content-Security-Policy (no ``unsafe-inline``, no ``unsafe-eval``), which blocks
``page.add_script_tag``; so axe's source is evaluated through the DevTools protocol (``page.evaluate`` of the
script text), which CSP does not govern, and nothing about the page's policy is loosened for the test.
:func:`run_axe` runs the WCAG 2.0/2.1/2.2 A and AA rules and returns the violations; :func:`blocking` keeps
the ``serious`` and ``critical`` ones; :func:`summary` writes them for people.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
BLOCKING = ("serious", "critical")


@cache
def axe_source() -> str:
    """The axe-core script text (read once per test session)."""
    if not AXE_JS.is_file():
        raise FileNotFoundError(f"{AXE_JS} is missing: run npm ci (axe-core is in package.json)")
    return AXE_JS.read_text(encoding="utf-8")


def inject_axe(page) -> None:
    """Make ``window.axe`` available in the page (once per document)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source() + "\n;true")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        raise RuntimeError(f"axe-core did not load into {page.url}")


def run_axe(page, tags: tuple[str, ...] = WCAG_TAGS, exclude: tuple[str, ...] = ()) -> list[dict]:
    """Violations of the WCAG rules in ``tags`` on the current document: each a dict with id, impact, help,
    helpUrl and nodes (target selectors and a failure summary)."""
    inject_axe(page)
    result = page.evaluate(
        """async ([tags, exclude]) => {
            const context = exclude.length ? {exclude: exclude.map((s) => [s])} : document;
            const r = await axe.run(context, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({target: n.target.join(' '), summary: n.failureSummary,
                                             html: n.html.slice(0, 200)})),
            }));
        }""",
        [list(tags), list(exclude)],
    )
    return result


def blocking(violations: list[dict]) -> list[dict]:
    """The serious and critical violations (the ones the acceptance test refuses)."""
    return [v for v in violations if v["impact"] in BLOCKING]


def summary(violations: list[dict], max_nodes: int = 3) -> str:
    """One line per violation, with up to ``max_nodes`` of the elements it concerns."""
    lines = []
    for v in violations:
        targets = "; ".join(n["target"] for n in v["nodes"][:max_nodes])
        more = f" (+{len(v['nodes']) - max_nodes} more)" if len(v["nodes"]) > max_nodes else ""
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} — {len(v['nodes'])} element(s): {targets}{more}")
    return "\n".join(lines) or "none"


def run_axe_with_review(page, tags: tuple[str, ...] = WCAG_TAGS) -> tuple[list[dict], list[dict]]:
    """Violations and "needs review" (axe's ``incomplete``) items of the WCAG rules in ``tags``: axe files a
    contrast it cannot compute, or an ARIA pattern it cannot judge, there, so a check of violations alone
    misses them (the blue-on-blue header links of issue 20 were one)."""
    inject_axe(page)
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                               resultTypes: ['violations', 'incomplete']});
            const out = (items) => items.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({target: n.target.join(' '), summary: n.failureSummary,
                                             html: n.html.slice(0, 200)})),
            }));
            return [out(r.violations), out(r.incomplete)];
        }""",
        list(tags),
    )

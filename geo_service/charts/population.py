"""Network populations against the size band, and one network's members' shares.

``population_distribution_svg(populations, band, title)``: how many networks fall in each 5,000-patient
step, the band (e.g. 30,000–50,000) shaded and labelled, bars below / above the band hatched differently.
``member_shares_svg(members, dominance, title)``: one bar per member with its share written beside it and
the dominance threshold drawn as a labelled line. Both return :class:`markupsafe.Markup` (safe to put in a
template as is): a ``<figure>`` with the SVG and a table of the same numbers.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from geo_service.analysis import wording
from geo_service.analysis.parameters import SPECS

WIDTH = 640
INK = "#212b32"  # NHS text colour: every mark is readable in black and white
IN_BAND = "#005eb8"
OUT_OF_BAND = "#ffffff"
_ids = itertools.count(1)


def _default(name: str) -> float:
    return SPECS[name].kind(SPECS[name].default)


def _figure(chart_id: str, title: str, desc: str, svg_body: str, height: int, table: str, caption: str) -> Markup:
    t, d = escape(title), escape(desc)
    return Markup(
        f'<figure class="geo-chart" id="{chart_id}">'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" font-family="Frutiger W01, Arial, sans-serif" font-size="13">'
        f'<title id="{chart_id}-t">{t}</title><desc id="{chart_id}-d">{d}</desc>{svg_body}</svg>'
        f'<figcaption class="nhsuk-body-s">{escape(caption)}</figcaption>'
        f'<details class="nhsuk-details geo-chart__table"><summary class="nhsuk-details__summary">'
        f'<span class="nhsuk-details__summary-text">{t}: as a table</span></summary>'
        f'<div class="nhsuk-details__text">{table}</div></details></figure>'
    )


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f'<table class="nhsuk-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _patterns(chart_id: str) -> str:
    # Below the band: diagonal hatching; above: cross-hatching; in the band: solid. Shape, not colour.
    return (
        "<defs>"
        f'<pattern id="{chart_id}-below" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{INK}" stroke-width="2"/></pattern>'
        f'<pattern id="{chart_id}-above" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="#fff"/><path d="M0 0L6 6M6 0L0 6" stroke="{INK}" stroke-width="1.2"/>'
        "</pattern></defs>"
    )


def population_distribution_svg(
    populations: Iterable[Any], band: tuple[int, int] | None = None, title: str = "Network populations"
) -> Markup:
    """Histogram of network populations (5,000-patient steps) against the band; ``band`` = (min, max)."""
    pops = [int(p) for p in populations if p is not None]
    low, high = band if band is not None else (int(_default("min")), int(_default("max")))
    chart_id = f"chart-pop-{next(_ids)}"
    step = 5_000 if high <= 150_000 else 10 ** math.ceil(math.log10(high / 30))
    top = max([high + 3 * step, *[p + 1 for p in pops]])
    bins = min(24, math.ceil(top / step))
    counts = [0] * bins
    for p in pops:
        counts[min(bins - 1, max(0, p // step))] += 1
    last_open = top > bins * step or any(p >= bins * step for p in pops)

    def bin_label(i: int) -> str:
        lo = i * step
        if i == bins - 1 and last_open:
            return f"{wording.count(lo)} or more"
        return f"{wording.count(lo)}–{wording.count(lo + step - 1)}"

    def where(i: int) -> str:
        lo, hi = i * step, (i + 1) * step
        if hi <= low:
            return "below"
        if lo >= high:
            return "above"
        return "in"

    left, right, plot_top, plot_h = 48, 16, 48, 180
    height = plot_top + plot_h + 62
    plot_w = WIDTH - left - right
    bw = plot_w / bins
    ymax = max(counts + [1])
    scale = (plot_h - 16) / ymax  # room for the count above the tallest bar
    x_of = lambda v: left + plot_w * min(v, bins * step) / (bins * step)  # noqa: E731
    parts = [_patterns(chart_id)]
    # The band, shaded light and labelled with its thresholds.
    bx1, bx2 = x_of(low), x_of(high)
    parts.append(
        f'<rect x="{bx1:.1f}" y="{plot_top}" width="{bx2 - bx1:.1f}" height="{plot_h}" fill="#e8edee"/>'
        f'<text x="{(bx1 + bx2) / 2:.1f}" y="{plot_top - 30}" text-anchor="middle" fill="{INK}">'
        f"Band {escape(wording.count(low))}–{escape(wording.count(high))}</text>"
    )
    for v, name in ((low, "minimum"), (high, "maximum")):
        x = x_of(v)
        parts.append(
            f'<line x1="{x:.1f}" y1="{plot_top - 14}" x2="{x:.1f}" y2="{plot_top + plot_h}" stroke="{INK}" '
            f'stroke-dasharray="4 3"/><text x="{x:.1f}" y="{plot_top - 4}" text-anchor="middle" '
            f'font-size="11" fill="{INK}">{name}</text>'
        )
    for i, n in enumerate(counts):
        x = left + i * bw
        h = n * scale
        fill = {"below": f"url(#{chart_id}-below)", "above": f"url(#{chart_id}-above)", "in": IN_BAND}[where(i)]
        if n:
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{plot_top + plot_h - h:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" '
                f'fill="{fill}" stroke="{INK}"><title>{escape(bin_label(i))}: {plural_networks(n)}</title></rect>'
                f'<text x="{x + bw / 2:.1f}" y="{plot_top + plot_h - h - 3:.1f}" text-anchor="middle" '
                f'font-size="11" fill="{INK}">{n}</text>'
            )
    base = plot_top + plot_h
    parts.append(f'<line x1="{left}" y1="{base}" x2="{WIDTH - right}" y2="{base}" stroke="{INK}"/>')
    tick_every = max(1, math.ceil(bins / 8))
    for i in range(0, bins + 1, tick_every):
        x = left + i * bw
        parts.append(
            f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle" font-size="11" fill="{INK}">'
            f"{escape(_short(i * step))}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{base + 34}" text-anchor="middle" fill="{INK}">'
        "Network population (patients)</text>"
        f'<text x="12" y="{plot_top + plot_h / 2:.1f}" text-anchor="middle" fill="{INK}" '
        f'transform="rotate(-90 12 {plot_top + plot_h / 2:.1f})">Networks</text>'
    )
    # Key: pattern swatches with words.
    ky = base + 50
    for j, (fill, text) in enumerate(
        ((f"url(#{chart_id}-below)", "below the band"), (IN_BAND, "in the band"), (f"url(#{chart_id}-above)", "above"))
    ):
        kx = left + j * 170
        parts.append(
            f'<rect x="{kx}" y="{ky - 10}" width="14" height="12" fill="{fill}" stroke="{INK}"/>'
            f'<text x="{kx + 20}" y="{ky}" fill="{INK}">{text}</text>'
        )
    below = sum(1 for p in pops if p < low)
    above = sum(1 for p in pops if p > high)
    inside = len(pops) - below - above
    desc = (
        f"{plural_networks(len(pops))}: {below:,} below {wording.count(low)} patients, {inside:,} within the band "
        f"{wording.count(low)}–{wording.count(high)}, {above:,} above {wording.count(high)}."
    )
    table = _table(
        ("Population", "Networks", "Against the band"),
        [
            (bin_label(i), wording.count(n), {"below": "below", "above": "above", "in": "in or across"}[where(i)])
            for i, n in enumerate(counts)
            if n
        ],
    )
    return _figure(chart_id, title, desc, "".join(parts), height, table, desc)


def plural_networks(n: int) -> str:
    return wording.plural(n, "network")


def _short(v: int) -> str:
    return f"{v // 1000:,}k" if v >= 1000 else str(v)


def member_shares_svg(
    members: Iterable[Mapping[str, Any]], dominance: float | None = None, title: str = "Members' shares of the patients"
) -> Markup:
    """One bar per member (``name``, ``code``, ``list_size``): its share of the known population, written beside
    the bar; the dominance threshold drawn and labelled. Members without a list size are listed as not known."""
    rows = list(members)
    threshold = _default("dominance") if dominance is None else float(dominance)
    chart_id = f"chart-shares-{next(_ids)}"
    total = sum(int(m["list_size"]) for m in rows if m.get("list_size") is not None)
    label_w, left, right, bar_h, gap, top = 230, 236, 110, 18, 8, 30
    plot_w = WIDTH - left - right
    height = top + len(rows) * (bar_h + gap) + 24
    parts = [_patterns(chart_id)]
    tx = left + plot_w * threshold
    parts.append(
        f'<line x1="{tx:.1f}" y1="{top - 12}" x2="{tx:.1f}" y2="{height - 18}" stroke="{INK}" stroke-dasharray="4 3"/>'
        f'<text x="{tx:.1f}" y="{top - 16}" text-anchor="middle" font-size="11" fill="{INK}">'
        f"dominance {escape(wording.percent(threshold, 0))}</text>"
    )
    table_rows = []
    for i, m in enumerate(rows):
        y = top + i * (bar_h + gap)
        name = wording.named(m.get("code"), m.get("name"))
        short = name if len(name) <= 34 else name[:32] + "…"
        size = m.get("list_size")
        share = share_of(m, total)
        over = share is not None and share >= threshold
        parts.append(
            f'<text x="{label_w}" y="{y + bar_h - 5}" text-anchor="end" fill="{INK}">{escape(short)}'
            f"<title>{escape(name)}</title></text>"
        )
        if share is None:
            value_text = "list size not known"
        else:
            w = max(1.0, plot_w * share)
            fill = f"url(#{chart_id}-above)" if over else IN_BAND
            parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{fill}" stroke="{INK}"/>')
            value_text = f"{wording.percent(share)} · {wording.count(size)}" + (" (dominant)" if over else "")
        parts.append(
            f'<text x="{left + (plot_w * share if share else 0) + 6:.1f}" y="{y + bar_h - 5}" font-size="12" '
            f'fill="{INK}">{escape(value_text)}</text>'
        )
        table_rows.append((name, wording.count(size), wording.percent(share), "yes" if over else "no"))
    known = [(share_of(m, total), wording.named(m.get("code"), m.get("name"))) for m in rows]
    largest = max(((v, n) for v, n in known if v is not None), default=None)
    desc = f"{wording.plural(len(rows), 'member')}, {wording.patients(total)} known"
    if largest:
        desc += (
            f"; the largest, {largest[1]}, holds {wording.percent(largest[0])} "
            f"(dominance threshold {wording.percent(threshold, 0)})"
        )
    desc += "."
    table = _table(("Practice", "List size", "Share", "Over the dominance threshold"), table_rows)
    return _figure(chart_id, title, desc, "".join(parts), height, table, desc)


def share_of(member: Mapping[str, Any], total: int) -> float | None:
    """A member's share of the network's known population (None when its list size is not known)."""
    size = member.get("list_size")
    return int(size) / total if size is not None and total else None

"""The area map's side panel (issue 11): every network of the area against the population band, as HTML.

Like the population tab of Districtr or Dave's Redistricting App: one row per network with a bar against
the band (band and thresholds drawn and written), member count, largest-member share and its flags (symbol
and text, never colour alone), plus a plain-text summary of what the map shows (WCAG). Built from the
engine's :class:`~geo_service.analysis.area_summary.AreaSummary`, so its counts are the checks' counts.
No Flask here; the template renders the dict.
"""

from __future__ import annotations

from geo_service.analysis import rules, wording
from geo_service.analysis.area_summary import FLAG_SYMBOLS, AreaSummary, flag_label, percent
from geo_service.charts import population_distribution_svg

_plural = wording.plural


def summary_sentences(s: AreaSummary, area_name: str, not_drawn: list[str], practices_on_map: int) -> list[str]:
    """The map's content as plain sentences (the text alternative of the map)."""
    c = s.counts()
    t = s.thresholds
    out = [
        f"{area_name} has {_plural(c['networks'], 'network')} with {s.population():,} registered patients "
        f"and {_plural(c['practices'], 'practice')} in the area.",
        f"Population band {t.band_text()}: {c['undersized_networks']:,} below, {c['oversized_networks']:,} above, "
        f"{sum(1 for r in s.networks if r.member_count and t.min <= r.population <= t.max):,} within.",
        f"{_plural(c['dominated_networks'], 'network')} where one practice holds over {percent(t.dominance)} "
        "of the population.",
    ]
    if c["cross_boundary_networks"]:
        out.append(f"{_plural(c['cross_boundary_networks'], 'network')} crossing a boundary.")
    if c["orphaned_practices"]:
        out.append(f"{_plural(c['orphaned_practices'], 'practice')} in no network.")
    if c["empty_networks"]:
        out.append(f"{_plural(c['empty_networks'], 'network')} with no current member.")
    # Every other headline number of the registry, in its own words (a rule added later shows here too).
    said = {"undersized_networks", "oversized_networks", "dominated_networks", "orphaned_practices", "empty_networks"}
    params = (s.result or {}).get("parameters") or {"min": t.min, "max": t.max, "dominance": t.dominance}
    for _rule, headline in rules.headlines():
        key = headline.path[0] if len(headline.path) == 1 else None
        if key is None or key in said or not c.get(key):
            continue
        out.append(f"{c[key]:,} {wording.agree(c[key], headline.label(params))}.")
    unlocated = c["practices"] - practices_on_map
    if unlocated > 0:
        out.append(f"{_plural(unlocated, 'practice')} of the area without a location, not on the map.")
    if not_drawn:
        out.append(f"Not drawn (no polygon and no located member): {', '.join(not_drawn)}.")
    return out


def panel(s: AreaSummary, area_name: str, colours: dict[str, str], not_drawn: list[str], practices_on_map: int):
    """Rows and texts for templates/maps/area.html (largest population first, as a planner scans)."""
    t = s.thresholds
    top = max([t.max * 1.25, *(r.population for r in s.networks)])
    rows = []
    for r in sorted(s.networks, key=lambda r: (-r.population, r.code)):
        band = "below" if r.population < t.min else "above" if r.population > t.max else "within"
        if r.member_count == 0:
            band = "empty"
        rows.append(
            {
                "code": r.code,
                "name": r.name,
                "colour": colours.get(r.code, "#768692"),
                "drawn": r.code not in not_drawn,
                "population": r.population,
                "population_text": f"{r.population:,}"
                + (f" (+{r.unknown_list_sizes} unknown)" if r.unknown_list_sizes else ""),
                "members": r.member_count,
                "share": r.largest_share,
                "share_text": percent(r.largest_share),
                "largest_name": r.largest_name,
                "band": band,
                "bar_pct": round(min(100.0, 100.0 * r.population / top), 1),
                "flags": [{"key": f, "symbol": FLAG_SYMBOLS.get(f, "•"), "text": flag_label(f, r, t)} for f in r.flags],
            }
        )
    return {
        "rows": rows,
        "band_left_pct": round(100.0 * t.min / top, 1),
        "band_width_pct": round(100.0 * (t.max - t.min) / top, 1),
        "thresholds": {
            "min": f"{t.min:,}",
            "max": f"{t.max:,}",
            "band": t.band_text(),
            "dominance": percent(t.dominance),
        },
        "counts": s.counts(),
        "sentences": summary_sentences(s, area_name, not_drawn, practices_on_map),
        # The same networks and band as the rows, drawn on the server (readable without colour).
        "chart_svg": population_distribution_svg(
            [r.population for r in s.networks if r.member_count],
            (t.min, t.max),
            f"Network populations in {area_name} against the {t.min:,}–{t.max:,} band",
        ),
    }

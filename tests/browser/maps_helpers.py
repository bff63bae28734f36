"""Shared steps of the map browser tests: open a page, wait for every layer, read what it shows."""

from __future__ import annotations

import json


def open_map(page, url: str, timeout_ms: int = 60_000) -> dict:
    """Load a map page, wait until every layer (inline or fetched) is in, return what the map reports."""
    page.goto(url, wait_until="load", timeout=timeout_ms)
    page.wait_for_function("() => window.GeoMaps && GeoMaps.isReady()", timeout=timeout_ms)
    return page.evaluate(
        """() => {
            const maps = Array.from(document.querySelectorAll('.folium-map'));
            return maps.map((m) => ({
                id: m.id,
                counts: JSON.parse(m.getAttribute('data-layer-counts') || '{}'),
                // features actually drawn by Leaflet, per layer key
                drawn: Object.fromEntries((GeoMaps.layers[m.id] || []).map((g) =>
                    [g._geoSpec.key, g.getLayers().length])),
                legend: Array.from(m.querySelectorAll('[data-legend-layer]')).map((li) =>
                    li.getAttribute('data-legend-layer')),
                legendTitles: Array.from(m.querySelectorAll('[data-legend-layer] .geo-legend__label')).map((s) =>
                    s.textContent),
                controlTitles: Array.from(
                    m.querySelectorAll('.leaflet-control-layers-overlays label > span > span')
                ).map((s) => s.textContent.trim()),
                errors: GeoMaps.errors.slice(),
            }));
        }"""
    )


def dumps(obj) -> str:
    return json.dumps(obj, indent=1, default=str)

"""Every JS/CSS file a map page loads is served from our ``/static`` (installed from npm).

Folium and its plugins point at CDNs by default (jsdelivr, cdnjs, code.jquery.com,
netdna.bootstrapcdn.com). :func:`self_host` walks a built map and rewrites every asset to
its vendored copy, drops the Folium defaults we do not use (jQuery, Bootstrap, Font
Awesome, awesome-markers), and refuses any asset it has no copy of, so a CDN URL can never
reach a page. This matters for privacy: LMC sites must not leak visitors to third parties.
"""

from __future__ import annotations

from branca.element import Element

from geo_service.errors import SetupError

# Folium asset name → file under /static (copied from node_modules by scripts/vendor_assets.py).
SELF_HOSTED = {
    "leaflet": "vendor/leaflet/leaflet.js",
    "leaflet_css": "vendor/leaflet/leaflet.css",
    "Control.Fullscreen.js": "vendor/leaflet.fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "vendor/leaflet.fullscreen/Control.FullScreen.css",
    "Leaflet.Sync": "vendor/leaflet.sync/L.Map.Sync.js",
    "geo_maps_js": "js/maps.js",
    "geo_maps_css": "css/maps.css",
}

# Folium's Map defaults that our maps do not use: dropped instead of served.
UNUSED = {
    "jquery",
    "bootstrap",
    "awesome_markers",
    "bootstrap_css",
    "glyphicons_css",
    "awesome_markers_font_css",
    "awesome_markers_css",
    "awesome_rotate_css",
}


def _walk(element: Element):
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def _rewrite(assets: list[tuple[str, str]], static_url: str) -> list[tuple[str, str]]:
    out = []
    for name, url in assets:
        if name in UNUSED:
            continue
        if name not in SELF_HOSTED:
            raise SetupError(f"Map asset '{name}' ({url}) has no self-hosted copy; add it to vendor-assets.json.")
        out.append((name, static_url.rstrip("/") + "/" + SELF_HOSTED[name]))
    return out


def self_host(root: Element, static_url: str = "/static") -> None:
    """Point every asset of ``root`` and its descendants at ``static_url`` (call before rendering)."""
    for element in _walk(root):
        for attr in ("default_js", "default_css"):
            assets = getattr(element, attr, None)
            if assets:
                setattr(element, attr, _rewrite(list(assets), static_url))

"""Folium map builder: turns a :class:`~geo_service.maps.views.MapView` into Leaflet HTML/JS.

Used by the map pages and (issue 7) the embeds: :class:`MapOptions` chooses the layers,
basemap, legend, search and controls. The result is three strings (``header`` for <head>,
``html`` for the map container, ``script`` to run after it) so a page can wrap them in its own
chrome, or none. Every asset is self-hosted (:mod:`geo_service.maps.assets`).

CSP: with ``MapOptions.script_nonce`` every ``<script>`` tag Folium writes carries that nonce, and
``RenderedMap.nonce`` tells the page to put it on the tag around ``script``, so pages need no
``'unsafe-inline'`` (:mod:`geo_service.maps.script_policy`).

Escaping: layer data goes to the browser as JSON inside <script> with <, >, & and ' escaped;
maps.js then writes every value with textContent. Layer names shown by Leaflet's layer
control (which uses innerHTML) are HTML-escaped here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

import folium
import folium.plugins
from branca.element import Figure, MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer as FoliumLayer
from folium.template import Template
from markupsafe import escape

from geo_service.maps import assets, script_policy
from geo_service.maps.layers import Layer
from geo_service.maps.legend import legend_entries
from geo_service.maps.views import MapView

ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right",
    "Contains public sector information licensed under the Open Government Licence v3.0",
    "NHS Digital (ODS) data",
)


def to_script_json(value) -> str:
    """JSON safe to place inside a <script> element (no </script>, no HTML comment, no entity tricks)."""
    return (
        json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@dataclass(frozen=True)
class MapOptions:
    tiles_url: str | None = None
    tiles_attribution: str = ""
    layers: frozenset[str] | None = None  # layer keys to include; None = all
    legend: bool = True
    legend_collapsed: bool = False
    search: bool = True
    fullscreen: bool = True
    layer_control: bool = True
    layer_control_collapsed: bool = False
    static_url: str = "/static"
    prefer_canvas: bool = False  # Canvas draws many detailed polygons faster than SVG (overview)
    script_nonce: str | None = None  # CSP nonce for the inline scripts (None: allowed by hash, e.g. embeds)


@dataclass
class RenderedMap:
    header: str
    html: str
    script: str
    legend: list[dict] = field(default_factory=list)
    layer_titles: list[str] = field(default_factory=list)
    counts: dict[str, int | None] = field(default_factory=dict)
    nonce: str | None = None  # to put on the <script> element that wraps ``script``


class PlannerMap(folium.Map):
    """folium.Map whose header styles only its own container (Folium's default also restyles
    <html> and <body>, which would break the page around the map)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>
                #{{ this.get_name() }} {
                    position: {{this.position}};
                    width: {{this.width[0]}}{{this.width[1]}};
                    height: {{this.height[0]}}{{this.height[1]}};
                    left: {{this.left[0]}}{{this.left[1]}};
                    top: {{this.top[0]}}{{this.top[1]}};
                }
            </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
            <div class="folium-map" id={{ this.get_name()|tojson }} ></div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{this.options|tojavascript}}
                }
            );
            {%- if this.control_scale %}
            L.control.scale({imperial: false}).addTo({{ this.get_name() }});
            {%- endif %}
            {%- if this.initial_bounds_js %}
            {{ this.get_name() }}.fitBounds({{ this.initial_bounds_js }}, {animate: false});
            {%- endif %}
        {% endmacro %}
        """
    )


class FeatureLayer(FoliumLayer):
    """A GeoJSON layer drawn by maps.js: inline features, or fetched from our /api/v1 URL."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = GeoMaps.featureLayer(
                {{ this._parent.get_name() }}, {{ this.spec_js }}, {{ this.data_js }});
        {% endmacro %}
        """
    )

    def __init__(self, layer: Layer) -> None:
        super().__init__(name=str(escape(layer.title)), overlay=True, control=True, show=layer.show)
        self._name = "FeatureLayer"
        self.spec_js = to_script_json(layer.spec())
        self.data_js = "null" if layer.features is None else to_script_json(layer.feature_collection())


class MapControls(JSCSSMixin, MacroElement):
    """Legend, search, fit-to-bounds and attribution (maps.js), after the layers exist."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (map) {
                {%- if this.legend_js %}
                GeoMaps.legend(map, {{ this.legend_js }}, {{ this.legend_options_js }});
                {%- endif %}
                {%- if this.search %}
                GeoMaps.search(map, {{ this.search_js }});
                {%- endif %}
                {%- if this.bounds_js %}
                GeoMaps.fitControl(map, {{ this.bounds_js }});
                {%- endif %}
                GeoMaps.attribution(map, {{ this.attribution_js }});
                GeoMaps.arrange(map, {{ this.title_js }});
            })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )
    default_js = [("geo_maps_js", "js/maps.js")]
    default_css = [("geo_maps_css", "css/maps.css")]

    def __init__(
        self,
        legend: list[dict] | None,
        legend_collapsed: bool,
        search: bool,
        bounds,
        attribution,
        search_options=None,
        title: str = "",
    ) -> None:
        super().__init__()
        self._name = "MapControls"
        self.search_js = to_script_json({"label": "Search this map", **(search_options or {})})
        self.legend_js = to_script_json(legend) if legend else None
        self.legend_options_js = to_script_json({"collapsed": legend_collapsed})
        self.search = search
        self.bounds_js = to_script_json(bounds) if bounds else None
        self.attribution_js = to_script_json(list(attribution))
        self.title_js = to_script_json(title)


class SyncMaps(JSCSSMixin, MacroElement):
    """Keep two maps' views in step (Leaflet.Sync, self-hosted)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this.a }}.sync({{ this.b }});
            {{ this.b }}.sync({{ this.a }});
        {% endmacro %}
        """
    )
    default_js = [("Leaflet.Sync", "vendor/leaflet.sync/L.Map.Sync.js")]

    def __init__(self, a: folium.Map, b: folium.Map) -> None:
        super().__init__()
        self._name = "SyncMaps"
        self.a, self.b = a.get_name(), b.get_name()


def data_text(view: MapView) -> str:
    """What the map's data is: its scope's data line (date, extracts, boundaries)."""
    return f"Data: {view.data_line}"


def _selected(view: MapView, options: MapOptions) -> list[Layer]:
    if options.layers is None:
        return list(view.layers)
    return [layer for layer in view.layers if layer.key in options.layers]


def _populate(m: folium.Map, view: MapView, options: MapOptions) -> tuple[list[Layer], list[dict]]:
    if options.tiles_url:
        folium.TileLayer(
            tiles=options.tiles_url, attr=options.tiles_attribution or "Basemap", name="Basemap", control=False
        ).add_to(m)
    layers = _selected(view, options)
    for layer in layers:
        FeatureLayer(layer).add_to(m)
    legend = legend_entries(layers) if options.legend else []
    attribution = (*ATTRIBUTION, data_text(view))
    MapControls(
        legend,
        options.legend_collapsed,
        options.search,
        view.bounds,
        attribution,
        view.extra.get("search"),
        title=view.title,
    ).add_to(m)
    if options.fullscreen:
        folium.plugins.Fullscreen(title="Full screen", title_cancel="Leave full screen").add_to(m)
    if options.layer_control:
        folium.LayerControl(collapsed=options.layer_control_collapsed).add_to(m)
    # Set at creation, without animation: the first frame already shows the data.
    m.initial_bounds_js = to_script_json(view.bounds) if view.bounds else None
    return layers, legend


def _new_map(options: MapOptions, **kwargs) -> PlannerMap:
    return PlannerMap(
        location=[52.8, -1.5],
        zoom_start=7,
        tiles=None,
        control_scale=True,
        prefer_canvas=options.prefer_canvas,
        **kwargs,
    )


def _render(fig: Figure, options: MapOptions) -> tuple[str, str, str]:
    assets.self_host(fig, options.static_url)
    fig.render()
    nonce = options.script_nonce
    return (
        script_policy.add_nonce(fig.header.render(), nonce),
        script_policy.add_nonce(fig.html.render(), nonce),
        fig.script.render(),
    )


def render_map(view: MapView, options: MapOptions) -> RenderedMap:
    m = _new_map(options)
    fig = Figure()
    fig.add_child(m)
    layers, legend = _populate(m, view, options)
    header, html, script = _render(fig, options)
    return RenderedMap(
        header,
        html,
        script,
        legend=legend,
        layer_titles=[layer.title for layer in layers],
        counts={layer.key: layer.count for layer in layers},
        nonce=options.script_nonce,
    )


def render_pair(view_a: MapView, view_b: MapView, options: MapOptions) -> RenderedMap:
    """Two synchronised maps side by side (compare page)."""
    fig = Figure()
    left = _new_map(options, width="50%", height="100%", left="0%", top="0%", position="absolute")
    right = _new_map(options, width="50%", height="100%", left="50%", top="0%", position="absolute")
    fig.add_child(left)
    fig.add_child(right)
    layers, legend = _populate(left, view_a, options)
    _populate(right, view_b, replace(options, search=True))
    SyncMaps(left, right).add_to(fig)
    header, html, script = _render(fig, options)
    return RenderedMap(
        header,
        html,
        script,
        legend=legend,
        layer_titles=[layer.title for layer in layers],
        nonce=options.script_nonce,
    )

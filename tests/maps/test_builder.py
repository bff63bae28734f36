"""Folium builder: self-hosted assets only, options honoured, data escaped inside <script>."""

from __future__ import annotations

import re

import folium
import folium.plugins
import pytest
from branca.element import Figure

from geo_service.errors import SetupError
from geo_service.maps import assets
from geo_service.maps.builder import MapOptions, render_map, to_script_json
from geo_service.maps.layers import Layer
from geo_service.maps.views import MapView

XSS = "<img src=x onerror=alert(1)>"


def _view(name: str = "Practice") -> MapView:
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [-1.5, 52.5]},
        "properties": {"code": "A1", "name": name, "f": []},
    }
    return MapView(
        title="t",
        bounds=[[52.0, -2.0], [53.0, -1.0]],
        layers=[
            Layer("practices", f"Layer {name}", "point", [feature], style={"color": "#000"}),
            Layer("hidden", "Hidden layer", "polygon", [], style={"fill": False}, show=False),
        ],
        scenario={"slug": "s", "name": "S"},
        boundary_set={"slug": "b", "name": "B"},
        data_version=1,
        data_line="as of 4 Dec 2019 · register Dec 2019",
    )


def _urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_every_asset_is_served_from_static():
    rendered = render_map(_view(), MapOptions(static_url="/static/"))
    urls = _urls(rendered.header + rendered.html)
    assert urls and all(u.startswith("/static/") for u in urls), urls
    assert "/static/vendor/leaflet/leaflet.js" in urls
    assert "/static/vendor/leaflet.fullscreen/Control.FullScreen.js" in urls
    everything = rendered.header + rendered.html + rendered.script
    for cdn in ("jsdelivr", "cdnjs", "jquery", "bootstrap", "fontawesome", "unpkg", "http://", "https://"):
        assert cdn not in everything.lower()


def test_an_unknown_plugin_asset_is_refused():
    m = folium.Map(tiles=None)
    fig = Figure()
    fig.add_child(m)
    folium.plugins.MiniMap().add_to(m)
    with pytest.raises(SetupError, match="no self-hosted copy"):
        assets.self_host(fig, "/static")


def test_basemap_only_when_configured():
    off = render_map(_view(), MapOptions())
    assert "L.tileLayer" not in off.script
    on = render_map(_view(), MapOptions(tiles_url="http://127.0.0.1:9/{z}/{x}/{y}.png", tiles_attribution="Tiles X"))
    assert "L.tileLayer" in on.script and "Tiles X" in on.script


def test_the_data_line_is_in_the_attribution():
    rendered = render_map(_view(), MapOptions())
    assert "Data: as of 4 Dec 2019 · register Dec 2019" in rendered.script


def test_options_choose_layers_legend_and_controls():
    rendered = render_map(_view(), MapOptions(layers=frozenset({"hidden"}), legend=False, search=False))
    assert rendered.layer_titles == ["Hidden layer"] and rendered.legend == []
    assert "GeoMaps.legend" not in rendered.script and "GeoMaps.search" not in rendered.script
    full = render_map(_view(), MapOptions())
    assert [e["key"] for e in full.legend] == ["practices", "hidden"]
    assert "GeoMaps.legend" in full.script and "GeoMaps.search" in full.script
    assert "L.control.layers" in full.script and "L.control.fullscreen" in full.script


def test_data_is_escaped_in_the_script_and_in_layer_names():
    rendered = render_map(_view(XSS), MapOptions())
    assert XSS not in rendered.script
    assert "<img" not in rendered.script and "</script" not in to_script_json("</script>")
    # Leaflet's layer control writes names with innerHTML: the name is HTML-escaped first.
    # (then JSON-escaped like all script data: & becomes \u0026).
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in rendered.script


def test_overview_classes_follow_the_data():
    from geo_service.maps.palette import GRADUATED, finding_classes

    classes = finding_classes([0, 0, 3, 5, 7, 9, 12, 40, 80])
    assert classes[0].low == classes[0].high == 0 and classes[-1].high is None
    assert [c.colour for c in classes] == list(GRADUATED)
    # contiguous, ascending, covering every count
    for prev, nxt in zip(classes, classes[1:], strict=False):
        assert nxt.low == prev.high + 1
    assert len(finding_classes([1, 2])) == 5  # too few areas: fixed breaks

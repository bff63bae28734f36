"""Render an embed: the same map builders as the map pages, without site chrome."""

from __future__ import annotations

from flask import render_template, url_for

from geo_service.embeds.snapshots import Rendered
from geo_service.embeds.views import EmbedView
from geo_service.errors import InvalidParameter
from geo_service.maps import views
from geo_service.maps.builder import data_date_text, render_map
from geo_service.web.maps import links, map_options


def render_embed(conn, embed: EmbedView) -> Rendered:
    map_links = links(embed.scenario, embed.boundary_set)
    if embed.kind == "area":
        view = views.area_view(conn, embed.scenario, embed.code, embed.boundary_set, map_links)
        full = url_for(
            "maps.area_map", scenario=embed.scenario, code=embed.code, boundary_set=embed.boundary_set, _external=True
        )
    else:
        view = views.network_view(conn, embed.scenario, embed.code, embed.boundary_set, map_links)
        full = url_for(
            "maps.network_map",
            scenario=embed.scenario,
            code=embed.code,
            boundary_set=embed.boundary_set,
            _external=True,
        )
    available = [layer.key for layer in view.layers]
    if embed.layers is not None:
        unknown = sorted(set(embed.layers) - set(available))
        if unknown:
            raise InvalidParameter("layers", f"Unknown layer '{unknown[0]}' for this map.", allowed=available)
    overrides = {"legend": embed.legend, "legend_collapsed": True, "layer_control_collapsed": True}
    if not embed.basemap:
        overrides["tiles_url"] = None
    if embed.layers is not None:
        overrides["layers"] = frozenset(embed.layers)
    rendered = render_map(view, map_options(**overrides))
    html = render_template(
        "embed/map.html",
        view=view,
        rendered=rendered,
        embed=embed,
        full_map_url=full,
        data_date=data_date_text(view.data_dates),
    )
    return Rendered(title=view.title, html=html)

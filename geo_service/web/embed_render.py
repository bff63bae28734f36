"""Render an embed: the same map builders and scope as the map pages, without site chrome."""

from __future__ import annotations

from flask import render_template

from geo_service.embeds.snapshots import Rendered
from geo_service.embeds.views import EmbedView
from geo_service.errors import InvalidParameter
from geo_service.maps import views
from geo_service.maps.builder import render_map
from geo_service.scope import Scope
from geo_service.web.maps import boundary_set_args, links, map_options
from geo_service.web.public_urls import public_url_for


def render_embed(conn, embed: EmbedView, scope: Scope) -> Rendered:
    map_links = links(scope)
    extra = boundary_set_args(scope)
    slug = scope.scenario["slug"]
    if embed.kind == "area":
        view = views.area_view(conn, scope, map_links)
        full = public_url_for("maps.area_map", scenario=slug, code=scope.area["code"], **extra)
    else:
        view = views.network_view(conn, scope, map_links)
        full = public_url_for("maps.network_map", scenario=slug, code=scope.network["code"], **extra)
    available = [layer.key for layer in view.layers]
    if embed.layers is not None:
        unknown = sorted(set(embed.layers) - set(available))
        if unknown:
            raise InvalidParameter("layers", f"Unknown layer '{unknown[0]}' for this map.", allowed=available)
    # No nonce: a stored embed is served for years, its inline scripts are allowed by their hashes instead.
    overrides = {
        "legend": embed.legend,
        "legend_collapsed": True,
        "layer_control_collapsed": True,
        "script_nonce": None,
    }
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
        data_line=view.data_line,
    )
    return Rendered(title=view.title, html=html)

"""What a map page and an embed are built from: map options from settings, the links between map pages, the
"Embed this map" snippets, and the embed's own rendering (the same map builders and scope as the map pages,
without site chrome). Not a blueprint: the map page routes and the embed routes both use it."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, render_template, request, url_for
from werkzeug.routing import BuildError

from geo_service.embeds.snapshots import Rendered
from geo_service.embeds.snippet import embed_url, iframe_html
from geo_service.embeds.views import DEFAULT_HEIGHT, MAX_HEIGHT, EmbedView, parse_view
from geo_service.errors import InvalidParameter
from geo_service.maps import views
from geo_service.maps.builder import MapOptions, render_map
from geo_service.scope import Scope
from geo_service.web.pipeline.public_urls import public_base, public_url_for
from geo_service.web.pipeline.security_headers import csp_nonce

_PLACEHOLDER = "__CODE__"
BUILDER_MIN_HEIGHT = 300  # the embed builder offers heights from here (issue 20: nothing is clipped from 300 px)


def requested_boundary_set() -> str | None:
    return request.args.get("boundary_set") or None


def map_options(**overrides) -> MapOptions:
    """Options from settings: basemap URL and attribution (None/"none" = no basemap), our /static, the CSP
    nonce of the page being rendered (``script_nonce=None``: none, the scripts are allowed by hash)."""
    cfg = current_app.config
    opts = MapOptions(
        tiles_url=cfg.get("GEO_TILES_URL"),
        tiles_attribution=cfg.get("GEO_TILES_ATTRIBUTION") or "",
        static_url=url_for("static", filename=""),
        script_nonce=overrides["script_nonce"] if "script_nonce" in overrides else csp_nonce(),
    )
    return MapOptions(**{**opts.__dict__, **overrides})


def _template(endpoint: str, **values) -> str:
    """A URL with ``{code}`` where the browser fills in a (URL-encoded) code."""
    return url_for(endpoint, code=_PLACEHOLDER, **values).replace(_PLACEHOLDER, "{code}")


def boundary_set_args(scope: Scope) -> dict:
    """``boundary_set`` for links from a page, when its set is not the scenario's default."""
    return {"boundary_set": scope.boundary_set["slug"]} if views.boundary_set_is_explicit(scope) else {}


def links(scope: Scope) -> views.Links:
    extra = boundary_set_args(scope)
    slug = scope.scenario["slug"]
    return views.Links(
        area=_template("maps.area_map", scenario=slug, **extra),
        network=_template("maps.network_map", scenario=slug, **extra),
        overview_data=url_for("layers_api.overview_areas", scenario=slug, **extra),
    )


def optional_url(endpoint: str, **values) -> str | None:
    """URL of another blueprint's view (exports, checks) if that blueprint is registered."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def share_context(kind: str, scope: Scope, version: int, title: str, layers: list | None = None) -> dict:
    """What a map page needs for "Embed this map": pinned and live snippets, preview URL, oEmbed discovery, and
    what the embed builder (issue 20) chooses from: the map's ``layers`` (key, title, on by default), the embed's
    address without options, and the height bounds. Codes are the scope's canonical ones; the boundary set is
    named when it is not the scenario's default."""
    scenario = scope.scenario["slug"]
    code = scope.area["code"] if kind == "area" else scope.network["code"]
    boundary_set = scope.boundary_set["slug"] if views.boundary_set_is_explicit(scope) else None
    view = parse_view(scenario, kind, code, {"boundary_set": boundary_set} if boundary_set else {})
    base = public_base()
    page_url = public_url_for(f"maps.{kind}_map", scenario=scenario, code=code, boundary_set=boundary_set)
    return {
        "title": title,
        "version": version,
        "pinned": iframe_html(base, view, version, title),
        "live": iframe_html(base, view, None, title),
        # Shown on our own page: relative, so it loads from wherever the page was loaded from.
        "preview_url": embed_url("", view, None),
        "oembed_url": public_url_for("embed.oembed", url=page_url, format="json"),
        # The embed builder: the oEmbed link of the embed address as chosen, made in the page.
        "oembed_link": public_url_for("embed.oembed")
        + "?"
        + urlencode({"format": "json", "url": embed_url(base, view, version)}),
        "oembed_endpoint": public_url_for("embed.oembed"),
        "base": base.rstrip("/"),
        "path": view.path,
        "fixed_query": view.query(),
        "height": view.height,
        "min_height": BUILDER_MIN_HEIGHT,
        "max_height": MAX_HEIGHT,
        "default_height": DEFAULT_HEIGHT,
        "layers": [{"key": layer.key, "title": layer.title, "show": layer.show} for layer in (layers or [])],
    }


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
        # issue 20: an embed is a map in someone's page, a few hundred pixels high; searching is the full map's job
        "search": False,
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

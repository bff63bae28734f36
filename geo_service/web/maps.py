"""Map pages: overview, area, network and compare (server-rendered around a Folium map)."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, current_app, render_template, request, url_for
from werkzeug.routing import BuildError

from geo_service.caching import LRUCache, data_state
from geo_service.errors import InvalidParameter
from geo_service.maps import views
from geo_service.maps.builder import MapOptions, data_date_text, render_map, render_pair
from geo_service.web.connection import get_conn
from geo_service.web.embed import share_context

bp = Blueprint("maps", __name__, url_prefix="/maps")

_PLACEHOLDER = "__CODE__"
_pages: LRUCache[str] = LRUCache(64)


def cached_page(view):
    """Keep rendered map pages per (database, data version, URL, basemap): the same data and URL
    always give the same page, and a new import moves the data version."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        cfg = current_app.config
        key = (
            *data_state(get_conn()),
            request.host_url,
            request.full_path,
            cfg.get("GEO_TILES_URL"),
            cfg.get("GEO_TILES_ATTRIBUTION"),
        )
        return _pages.get_or_build(key, lambda: view(*args, **kwargs))

    return wrapper


def map_options(**overrides) -> MapOptions:
    """Options from settings: basemap URL and attribution (None/"none" = no basemap), our /static."""
    cfg = current_app.config
    opts = MapOptions(
        tiles_url=cfg.get("GEO_TILES_URL"),
        tiles_attribution=cfg.get("GEO_TILES_ATTRIBUTION") or "",
        static_url=url_for("static", filename=""),
    )
    return MapOptions(**{**opts.__dict__, **overrides})


def _template(endpoint: str, **values) -> str:
    """A URL with ``{code}`` where the browser fills in a (URL-encoded) code."""
    return url_for(endpoint, code=_PLACEHOLDER, **values).replace(_PLACEHOLDER, "{code}")


def links(scenario: str, boundary_set: str | None) -> views.Links:
    extra = {"boundary_set": boundary_set} if boundary_set else {}
    return views.Links(
        area=_template("maps.area_map", scenario=scenario, **extra),
        network=_template("maps.network_map", scenario=scenario, **extra),
        overview_data=url_for("layers_api.overview_areas", scenario=scenario, **extra),
    )


def optional_url(endpoint: str, **values) -> str | None:
    """URL of another blueprint's view (exports, checks) if that blueprint is registered."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _page(template: str, view: views.MapView, rendered, **context):
    return render_template(
        template,
        view=view,
        rendered=rendered,
        data_date=data_date_text(view.data_dates),
        optional_url=optional_url,
        **context,
    )


@bp.get("/<scenario>")
@cached_page
def overview(scenario: str):
    boundary_set = request.args.get("boundary_set") or None
    view = views.overview_view(get_conn(), scenario, boundary_set, links(scenario, boundary_set))
    view.layers[0].url = url_for("layers_api.overview_areas", scenario=scenario, boundary_set=view.boundary_set["slug"])
    view.layers[0].link = _template("maps.area_map", scenario=scenario, boundary_set=view.boundary_set["slug"])
    view.extra["search"] = {
        "label": "Search areas and practices",
        "placeholder": "Area, practice name, ODS code or postcode",
        "remote": url_for("layers_api.search_practices", scenario=scenario, boundary_set=view.boundary_set["slug"]),
        "remoteLink": view.layers[0].link,
    }
    rendered = render_map(view, map_options(prefer_canvas=True))
    return _page("maps/overview.html", view, rendered)


@bp.get("/<scenario>/areas/<code>")
@cached_page
def area_map(scenario: str, code: str):
    boundary_set = request.args.get("boundary_set") or None
    conn = get_conn()
    view = views.area_view(conn, scenario, code, boundary_set, links(scenario, boundary_set))
    rendered = render_map(view, map_options())
    share = share_context("area", scenario, code, boundary_set, view.data_version, view.title)
    return _page("maps/area.html", view, rendered, area=view.extra["area"], share=share)


@bp.get("/<scenario>/networks/<code>")
@cached_page
def network_map(scenario: str, code: str):
    boundary_set = request.args.get("boundary_set") or None
    view = views.network_view(get_conn(), scenario, code, boundary_set, links(scenario, boundary_set))
    rendered = render_map(view, map_options())
    share = share_context("network", scenario, code, boundary_set, view.data_version, view.title)
    return _page("maps/network.html", view, rendered, network=view.extra["network"], share=share)


@bp.get("/compare")
@cached_page
def compare():
    args = request.args
    for name in ("a", "b", "area"):
        if not args.get(name):
            raise InvalidParameter(name, f"'{name}' is required: /maps/compare?a=<scenario>&b=<scenario>&area=<code>.")
    boundary_set = args.get("boundary_set") or None
    view_a, view_b, moved = views.compare_views(
        get_conn(), args["a"], args["b"], args["area"], boundary_set, links(args["a"], boundary_set)
    )
    # Half-width maps: layer control and legend start folded so the maps stay visible.
    rendered = render_pair(view_a, view_b, map_options(layer_control_collapsed=True, legend_collapsed=True))
    return _page("maps/compare.html", view_a, rendered, view_b=view_b, moved=moved, area=view_a.extra["area"])

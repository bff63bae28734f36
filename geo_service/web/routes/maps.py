"""Map pages: overview, area, network and compare (server-rendered around a Folium map).

Each page resolves one scope per map (:func:`geo_service.scope.resolve_scope`: the scenario's date,
dataset and extracts, the boundary set asked for or the scenario's default, canonical area/network code)
and hands it to the view. Pages are kept per data version and scope (never per ``Host``: links that leave
the service are built on ``GEO_PUBLIC_URL``); each response gets its own CSP nonce.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, current_app, render_template, request, url_for

from geo_service.analysis.findings import SUMMARY_KEYS
from geo_service.caching import LRUCache, data_state, listing_state, scope_state
from geo_service.maps import area_panel, compare_page, practice_map, views
from geo_service.maps.builder import render_map, render_pair
from geo_service.maps.population_chart import distribution_for  # issue 11: populations against the band
from geo_service.navigation import practice_timeline
from geo_service.scope import Scope, resolve_scope
from geo_service.web.map_context import (
    boundary_set_args,
    links,
    map_options,
    optional_url,
    requested_boundary_set,
    share_context,
)
from geo_service.web.openapi import operation
from geo_service.web.pipeline.connection import get_conn
from geo_service.web.pipeline.public_urls import public_base
from geo_service.web.pipeline.security_headers import cached_rendering, with_request_nonce
from geo_service.web.pipeline.visibility_guard import hidden_for_request, visible_scenarios
from geo_service.web.schemas import common
from geo_service.web.schemas import pages as page_schemas

bp = Blueprint("maps", __name__, url_prefix="/maps")

_pages: LRUCache[tuple[str, str]] = LRUCache(64)  # (nonce marker, page)


def cached_page(resolve):
    """Resolve the page's scope(s) with ``resolve(conn, **route values)``, then keep the rendered page per
    (database, data version, scopes, URL, public base URL, basemap): the same data, scope and URL always give
    the same page, and a new import moves the data version. The view is called with the scopes. The page is
    kept with a nonce marker that each response replaces with its own CSP nonce."""

    def decorate(view):
        @wraps(view)
        def wrapper(**kwargs):
            conn = get_conn()
            query = kwargs.pop("query", None)  # a view that takes its parsed query gets it (issue 20: ?practice=)
            scopes = resolve(conn, **kwargs)
            cfg = current_app.config
            # Keyed on each shown scenario's own version and on the scenario listing the switchers show
            # (issue 19): an edit inside another scenario (a private draft) keeps this page.
            key = (
                *((scope_state(conn, s) for s in scopes) if scopes else (data_state(conn),)),
                listing_state(conn),
                tuple(s.key() for s in scopes),
                public_base(),
                request.full_path,
                cfg.get("GEO_TILES_URL"),
                cfg.get("GEO_TILES_ATTRIBUTION"),
                tuple(sorted(hidden_for_request())),  # issue 12: switchers list only the plans this viewer may see
            )

            def build() -> tuple[str, str]:
                with cached_rendering() as marker:
                    return marker, view(*scopes, **({} if query is None else {"query": query}))

            marker, page = _pages.get_or_build(key, build)
            return with_request_nonce(page, marker)

        return wrapper

    return decorate


def _page(template: str, view: views.MapView, rendered, **context):
    return render_template(
        template,
        view=view,
        rendered=rendered,
        data_line=view.data_line,
        optional_url=optional_url,
        **context,
    )


def _overview_scope(conn, scenario: str):
    return (resolve_scope(conn, scenario, requested_boundary_set()),)


def _area_scope(conn, scenario: str, code: str):
    return (resolve_scope(conn, scenario, requested_boundary_set(), area=code),)


def _network_scope(conn, scenario: str, code: str):
    return (resolve_scope(conn, scenario, requested_boundary_set(), network=code),)


def _compare_scopes(conn):
    """Both sides of the compare page (issue 20): any scenario missing gets a sensible default (the newest baseline
    on the right, the one before it on the left), and no area means all of England."""
    args = request.args
    a, b = compare_page.default_pair(conn, args.get("a"), args.get("b"), visible_scenarios(conn))
    return views.compare_scopes(conn, a, b, args.get("area") or None, requested_boundary_set())


@bp.get("/<scenario>")
@operation(
    tags=["pages"],
    summary="Overview map of a scenario (every area and its findings)",
    query=page_schemas.MapPageQuery,
    responses={200: common.html(), **common.problems(400, 404)},
)
@cached_page(_overview_scope)
def overview(scope: Scope):
    map_links = links(scope)
    view = views.overview_view(get_conn(), scope, map_links)

    view.extra["population_chart"] = distribution_for(get_conn(), scope)
    view.extra["search"] = {
        "label": "Search areas and practices",
        "placeholder": "Area, practice name, ODS code or postcode",
        "remote": url_for("layers_api.search_practices", scenario=scope.scenario["slug"], **boundary_set_args(scope)),
        "remoteLink": map_links.area,
    }
    # SVG, not canvas: each area is a shape of its own, named (name in force beside code) to assistive technology.
    rendered = render_map(view, map_options())
    return _page("maps/overview.html", view, rendered)


@bp.get("/<scenario>/areas/<code>")
@operation(
    tags=["pages"],
    summary="Area map: networks, practices and findings in one area",
    query=page_schemas.MapPageQuery,
    responses={200: common.html(), **common.problems(400, 404)},
)
@cached_page(_area_scope)
def area_map(scope: Scope):
    map_links = links(scope)
    view = views.area_view(get_conn(), scope, map_links)
    x = view.extra
    x["panel"] = area_panel.panel(x["summary"], x["area"]["name"], x["colours"], x["not_drawn"], x["practices_on_map"])
    # The layer list folds to Leaflet's icon: the finding layers the planner needs are on when the map opens.
    rendered = render_map(view, map_options(layer_control_collapsed=True))
    share = share_context("area", scope, view.data_version, view.title, layers=view.layers)
    return _page(
        "maps/area.html", view, rendered, area=x["area"], share=share, network_url=map_links.network, chart_svg=None
    )


@bp.get("/<scenario>/networks/<code>")
@operation(
    tags=["pages"],
    summary="Network map: members, polygon and findings of one network",
    path=common.NetworkPath,
    query=page_schemas.NetworkPageQuery,
    responses={200: common.html(), **common.problems(400, 404)},
)
@cached_page(_network_scope)
def network_map(scope: Scope, query: dict):
    conn = get_conn()
    view = practice_map.highlight(views.network_view(conn, scope, links(scope)), query.get("practice"))
    if view.extra["highlight"]:  # issue 20: the practice in the other scenarios ("also in ...")
        code, slug = view.extra["highlight"]["code"], scope.scenario["slug"]
        view.extra["highlight"]["also"] = practice_timeline.also_in(conn, code, visible_scenarios(conn), slug)
    rendered = render_map(view, map_options(layer_control_collapsed=True))
    share = share_context("network", scope, view.data_version, view.title, layers=view.layers)
    return _page("maps/network.html", view, rendered, network=view.extra["network"], share=share)


@bp.get("/compare")
@operation(
    tags=["pages"],
    summary="Two scenarios side by side in one area",
    query=page_schemas.ComparePageQuery,
    responses={200: common.html(), **common.problems(400, 404)},
)
@cached_page(_compare_scopes)
def compare(scope_a: Scope, scope_b: Scope):
    conn = get_conn()
    view_a, view_b, moved, checks, story = compare_page.compare_any(
        conn, scope_a, scope_b, links(scope_a), links(scope_b)
    )
    # Half-width maps: layer control and legend start folded so the maps stay visible.
    rendered = render_pair(view_a, view_b, map_options(layer_control_collapsed=True, legend_collapsed=True))
    check_rows = [{"key": k, "label": SUMMARY_KEYS.get(k, k), **v} for k, v in checks.items()]
    england = scope_a.area is None
    return _page(
        "maps/compare.html",
        view_a,
        rendered,
        view_b=view_b,
        moved=moved[: compare_page.MOVED_SHOWN] if england else moved,
        moved_total=len(moved),
        populations=compare_page.populations_shown(story["network_population"], england),
        list_folded=compare_page.LIST_FOLDED,
        checks=check_rows,
        story=story,
        area=view_a.extra["area"] if not england else {"code": None, "name": "England"},
        england=england,
        pickers=compare_page.pickers(conn, scope_a, visible_scenarios(conn)),
    )

"""Server-rendered HTML pages: the home page that starts the work, and the switch that the scenario and
boundary-set pickers of every map page submit to (a plain GET form: works without JavaScript)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from geo_service import catalogue
from geo_service.analysis import wording
from geo_service.errors import GeoServiceError
from geo_service.navigation import home as home_service
from geo_service.plans.visibility import without_hidden
from geo_service.scope import resolve_scope
from geo_service.web.openapi import operation
from geo_service.web.pipeline.connection import get_conn
from geo_service.web.pipeline.visibility_guard import hidden_for_request
from geo_service.web.schemas import common
from geo_service.web.schemas.search import SwitchQuery

bp = Blueprint("pages", __name__)


@bp.get("/")
@operation(tags=["pages"], summary="Home page: what is loaded, links to every map", responses={200: common.html()})
def index():
    return render_template("index.html", summary=home_service.home(get_conn(), hidden_for_request()))


@bp.get("/switch")
@operation(
    tags=["pages"],
    summary="Switch scenario or boundary set: to the same area or network there, else to that overview",
    query=SwitchQuery,
    responses={
        303: {"description": "To the map page in the other scenario or boundary set."},
        **common.problems(400, 404),
    },
)
def switch(query: dict):
    """Go to the same kind of page in another scenario or boundary set: the area (or network) there when it
    exists, else that scenario's overview on that boundary set."""
    args = query
    conn = get_conn()
    scope = resolve_scope(conn, args.get("scenario") or "")
    bs = args.get("boundary_set") or None
    if bs:
        row = catalogue.boundary_set_row(conn, bs)
        bs = row["slug"] if row is not None and row["dataset"] == scope.dataset else None
    slug = scope.scenario["slug"]
    extra = {"boundary_set": bs} if bs and bs != scope.boundary_set["slug"] else {}
    for key, endpoint in (("area", "maps.area_map"), ("network", "maps.network_map")):
        code = args.get(key)
        if not code:
            continue
        try:
            found = resolve_scope(conn, slug, bs, **{key: code})
        except GeoServiceError:  # not in that scenario / boundary set: its overview instead
            break
        code = found.area["code"] if key == "area" else found.network["code"]
        return redirect(url_for(endpoint, scenario=slug, code=code, **extra), code=303)
    return redirect(url_for("maps.overview", scenario=slug, **extra), code=303)


@bp.app_template_filter("counted")
def counted_filter(n, noun: str, many: str | None = None) -> str:
    """``{{ 3|counted('network') }}`` -> "3 networks", ``{{ 1|counted('practice') }}`` -> "1 practice"."""
    return wording.counted(n, noun, many)


@bp.app_template_filter("agree")
def agree_filter(phrase: str, n) -> str:
    """``{{ label|agree(count) }}``: "networks under 30,000 patients" reads "network under ..." when count is 1."""
    return wording.agree(n, phrase)


@bp.app_context_processor
def switcher_context():
    """``switcher_options(view)``: the scenarios and the boundary sets (of the view's dataset) to switch to."""

    def switcher_options(view) -> dict:
        conn = get_conn()
        dataset = view.scenario["dataset"]
        return {
            # issue 12: draft / private plans only for those who may see them (pages are cached per hidden set)
            "scenarios": without_hidden(catalogue.scenario_rows(conn), hidden_for_request()),
            "boundary_sets": catalogue.boundary_set_rows(conn, dataset),
        }

    return {"switcher_options": switcher_options}

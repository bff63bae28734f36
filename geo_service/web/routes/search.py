"""The one search box: ``/search?q=`` (a page, or straight to the map of one confident hit) and
``/api/v1/search?q=`` (JSON). ``scenario`` / ``boundary_set`` say which page the search came from; its
hits rank first."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from geo_service.navigation import search as search_service
from geo_service.web.openapi import operation
from geo_service.web.pipeline.connection import get_conn
from geo_service.web.pipeline.visibility_guard import visible_scenarios
from geo_service.web.schemas import common
from geo_service.web.schemas.search import SearchPageQuery, SearchQuery, SearchResult

bp = Blueprint("search", __name__)

_ENDPOINTS = {"area": "maps.area_map", "network": "maps.network_map"}


def target_url(target: dict) -> str:
    """The map page of a hit (its boundary set only when it is not the scenario's default)."""
    extra = {"boundary_set": target["boundary_set"]} if target.get("boundary_set") else {}
    if target["page"] == "findings":  # issue 19: the findings browser, filtered by the rule searched for
        return url_for("findings_browser.page", scenario=target["scenario"], rule=target["code"], **extra)
    if target["page"] == "practice":  # issue 20: the practice page, scoped to the scenario searched from
        return url_for("practices.practice_page", ods=target["code"], scenario=target["scenario"])
    if target.get("practice"):  # issue 20: its network's map with the practice shown
        extra["practice"] = target["practice"]
    return url_for(_ENDPOINTS[target["page"]], scenario=target["scenario"], code=target["code"], **extra)


def _run(query: dict):
    args = query
    conn = get_conn()
    return search_service.search(
        conn, args.get("q"), args.get("scenario"), args.get("boundary_set"), visible=visible_scenarios(conn)
    )


@bp.get("/search")
@operation(
    tags=["pages"],
    summary="Search page: areas, networks and practices; one confident hit goes straight to its map",
    query=SearchPageQuery,
    responses={
        200: common.html("The hits, grouped by kind."),
        303: {"description": "To the map of the one confident hit."},
        **common.problems(400),
    },
)
def search_page(query: dict):
    result = _run(query)
    if result.confident is not None and query.get("all") is None:
        return redirect(target_url(result.confident.target), code=303)
    return render_template("search.html", result=result, target_url=target_url, query=result.query)


@bp.get("/api/v1/search")
@operation(
    tags=["search"],
    summary="Search areas, networks and practices of the scenarios you may see",
    query=SearchQuery,
    responses={200: common.json_response(SearchResult), **common.problems(400)},
)
def search_api(query: dict):
    result = _run(query)
    body = result.as_dict()
    for hit in body["hits"] + ([body["confident"]] if body["confident"] else []):
        hit["url"] = target_url(hit["target"])
        for other in hit["also"]:
            other["url"] = target_url(other["target"])
    return body

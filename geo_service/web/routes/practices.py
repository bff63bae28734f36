"""The practice page (issue 20): ``/practices/<ods>`` and ``/api/v1/practices/<ods>``: one practice in every
scenario the viewer may see, side by side, each linking to that scenario's map with the practice shown."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from geo_service.maps.builder import render_map
from geo_service.maps.practice_map import practice_view
from geo_service.navigation import practice_timeline as service
from geo_service.web.map_context import map_options
from geo_service.web.openapi import operation
from geo_service.web.pipeline.connection import get_conn
from geo_service.web.pipeline.visibility_guard import private_reply, visible_scenarios
from geo_service.web.schemas import common
from geo_service.web.schemas import practices as sch

bp = Blueprint("practices", __name__)


def entry_url(tl: service.Timeline, entry: service.Entry) -> str:
    """That scenario's map with the practice shown: its network's map ringing it, else the area map it counts in,
    else this page scoped to the scenario."""
    slug = entry.scenario["slug"]
    if entry.map and entry.map["page"] == "network":
        return url_for("maps.network_map", scenario=slug, code=entry.map["code"], practice=tl.code)
    if entry.map and entry.map["page"] == "area" and entry.map.get("code"):
        return url_for("maps.area_map", scenario=slug, code=entry.map["code"])
    return url_for("practices.practice_page", ods=tl.code, scenario=slug)


def _timeline(ods: str) -> service.Timeline:
    conn = get_conn()
    tl = service.timeline(conn, ods, visible_scenarios(conn))
    if any(e.scenario["visibility"] != "public" or e.scenario["status"] == "draft" for e in tl.entries):
        private_reply()  # it lists a plan not everyone may see
    return tl


@bp.get("/practices/<ods>")
@operation(
    tags=["pages"],
    summary="A practice in every scenario side by side: network, commissioner, list size and findings",
    path=sch.PracticePath,
    query=sch.PracticeQuery,
    responses={200: common.html(), 308: common.CANONICAL_REDIRECT, **common.problems(400, 404)},
)
def practice_page(ods: str, query: dict):
    tl = _timeline(ods)
    scenario = query.get("scenario")
    if tl.code != ods:
        return redirect(url_for("practices.practice_page", ods=tl.code, **query), code=308)
    current = tl.entry(scenario)
    view = practice_view(get_conn(), tl)
    rendered = render_map(view, map_options(layer_control_collapsed=True, search=False)) if view else None
    profile = service.profile_in(get_conn(), tl, scenario)  # issue 25: the practice's profile in the year in view
    return render_template(
        "practices/practice.html",
        tl=tl,
        current=current,
        practice_map=view,
        view={"scenario": current.scenario} if current else None,  # the search box stays in that scenario
        rendered=rendered,
        profile=profile,
        entry_url=entry_url,
        states=service.STATES,
    )


@bp.get("/api/v1/practices/<ods>")
@operation(
    tags=["practices"],
    summary="A practice in every scenario you may see: state, network, commissioner, list size, findings",
    path=sch.PracticePath,
    responses={
        200: common.json_response(sch.PracticeTimeline),
        308: common.CANONICAL_REDIRECT,
        **common.problems(400, 404),
    },
)
def practice_json(ods: str):
    tl = _timeline(ods)
    if tl.code != ods:
        return redirect(url_for("practices.practice_json", ods=tl.code), code=308)
    body = tl.as_dict()
    for entry, out in zip(tl.entries, body["scenarios"], strict=True):
        out["url"] = entry_url(tl, entry)
    body["url"] = url_for("practices.practice_page", ods=tl.code)
    return body

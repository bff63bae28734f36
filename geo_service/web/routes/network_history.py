"""A network's own history across vintages (issue 20): ``/maps/<scenario>/networks/<code>/history``, what the
network page's "Changes to <network>" opens (members joined and left, closed, renamed, list size per vintage)."""

from __future__ import annotations

from flask import Blueprint, render_template

from geo_service.navigation import network_history as service
from geo_service.web.openapi import operation
from geo_service.web.pipeline.connection import get_conn
from geo_service.web.pipeline.visibility_guard import private_reply, visible_scenarios
from geo_service.web.schemas import common

bp = Blueprint("network_history", __name__)


@bp.get("/maps/<scenario>/networks/<code>/history")
@operation(
    tags=["pages"],
    summary="A network across vintages: members joined and left, closed, renamed, list size per scenario",
    path=common.NetworkPath,
    responses={200: common.html(), **common.problems(400, 404)},
)
def history_page(scenario: str, code: str):
    conn = get_conn()
    found = service.history(conn, scenario, code, visible_scenarios(conn))
    if any(e["scenario"]["status"] == "draft" or e["scenario"]["visibility"] != "public" for e in found["entries"]):
        private_reply()  # it lists a plan not everyone may see
    return render_template("maps/network_history.html", h=found)

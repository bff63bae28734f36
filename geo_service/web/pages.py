"""Server-rendered HTML pages (index)."""

from __future__ import annotations

from flask import Blueprint, render_template

from geo_service import catalogue
from geo_service.web.connection import get_conn

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    conn = get_conn()
    summary = catalogue.overview(conn)
    areas_by_set = {bs["slug"]: catalogue.areas(conn, bs["slug"]) for bs in summary["boundary_sets"]}
    return render_template("index.html", summary=summary, areas_by_set=areas_by_set)

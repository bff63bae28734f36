"""Server-rendered HTML pages (index)."""

from __future__ import annotations

from flask import Blueprint, render_template

from geo_service import catalogue
from geo_service.web.connection import get_conn

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    summary = catalogue.overview(get_conn())
    return render_template("index.html", summary=summary)

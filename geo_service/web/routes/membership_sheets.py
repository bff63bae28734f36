"""Issue 20: plans exchanged as spreadsheets. A scenario's (or visible plan's) membership as CSV or XLSX, and a new
plan made from such a file: the plans page's upload form and the API (``geo-service plan import`` is the CLI).

Reads are checked by the one visibility guard (the ``<slug>`` path value); the uploads are write routes (sign-in,
editor role, CSRF) whose use case (:func:`geo_service.plans.sheet_import.plan_from_sheet`) checks that the caller
may see the source scenario. A refused file changes nothing (the request's transaction is rolled back).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect, url_for

from geo_service.errors import InvalidParameter
from geo_service.plans import sheet_import, spreadsheet
from geo_service.web.auth import current_actor, write_route
from geo_service.web.openapi import operation, parser
from geo_service.web.pipeline.connection import get_conn
from geo_service.web.schemas import common
from geo_service.web.schemas import membership_sheets as sch

bp = Blueprint("membership_sheets", __name__)


def _sheet(slug: str, fmt: str) -> Response:
    scenario, rows = sheet_import.membership(get_conn(), slug)
    if fmt == "csv":
        data = spreadsheet.write_csv(rows)
    else:
        data = spreadsheet.write_xlsx(rows, title=scenario["name"])
    resp = Response(data, mimetype=spreadsheet.MEDIA_TYPES[fmt].split(";")[0])
    if fmt == "csv":
        resp.headers["Content-Type"] = spreadsheet.MEDIA_TYPES["csv"]
    resp.headers["Content-Disposition"] = f'attachment; filename="{scenario["slug"]}-membership.{fmt}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/api/v1/scenarios/<slug>/membership.csv")
@operation(
    tags=["exports"],
    summary="A scenario's membership as CSV: practice, network, list size, commissioner (one row per membership)",
    responses={200: sch.sheet_responses("csv"), **common.problems(400, 404)},
)
def membership_csv(slug: str):
    return _sheet(slug, "csv")


@bp.get("/api/v1/scenarios/<slug>/membership.xlsx")
@operation(
    tags=["exports"],
    summary="A scenario's membership as an Excel workbook (XLSX): the columns of membership.csv",
    responses={200: sch.sheet_responses("xlsx"), **common.problems(400, 404)},
)
def membership_xlsx(slug: str):
    return _sheet(slug, "xlsx")


def _import() -> dict:
    """Parse the multipart form and the file, and make the plan (the use case); answers the new plan."""
    form = parser.parse(sch.SheetForm(), location="form", unknown="exclude")
    files = parser.parse(sch.SheetFile(), location="files", unknown="exclude")
    sent = files["file"]
    if not getattr(sent, "filename", ""):
        raise InvalidParameter("file", "Send the file in a multipart form field named 'file'.")
    sheet = spreadsheet.read_sheet(sent.read(spreadsheet.MAX_BYTES + 1), sent.filename)
    body = {k: v.strip() for k, v in form.items() if k != "csrf_token" and isinstance(v, str) and v.strip()}
    return sheet_import.plan_from_sheet(get_conn(), current_actor(), body, sheet)


@bp.post("/api/v1/plans/from-spreadsheet")
@operation(
    tags=["plans"],
    summary="Create a plan from a membership spreadsheet (CSV or XLSX): a copy of a scenario with the file's "
    "memberships (editor)",
    description="The file is refused whole (400 naming the file, row and field) when a row is wrong: unknown "
    "practice, a practice twice, an empty network code, one network code with two names, a bad header, not CSV or "
    "XLSX, too large. Nothing is created then. One undoable edit ('import') and audit rows.",
    body=sch.SheetUpload,
    body_media_type="multipart/form-data",
    responses={201: common.json_response(sch.ImportResult), **common.problems(400, 401, 403, 404, 409)},
    security=[{"apiToken": []}],
)
@write_route(role="editor")
def import_api():
    resp = jsonify(_import())
    resp.status_code = 201
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.post("/plans/from-spreadsheet")
@operation(
    tags=["plans"],
    summary="Create a plan from a membership spreadsheet, from the plans page (editor; CSRF token)",
    body=sch.SheetUpload,
    body_media_type="multipart/form-data",
    responses={303: {"description": "To the new plan's editor."}, **common.problems(400, 401, 403, 404, 409)},
)
@write_route(role="editor")
def import_form():
    out = _import()
    return redirect(url_for("plans.editor_page", slug=out["slug"]), code=303)

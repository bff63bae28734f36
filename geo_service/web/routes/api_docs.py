"""The API's own description: ``/api/openapi.json`` (generated from the routes) and Swagger UI at ``/api/docs``.

Swagger UI is served from ``static/vendor/swagger-ui`` (npm swagger-ui-dist, no CDN) and started by the static
``static/js/api_docs.js`` (the CSP allows no inline scripts without a nonce). The document is built once per
app, on first request: routes do not change after the app is made.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from geo_service.web.openapi import build_document, operation
from geo_service.web.schemas import common

bp = Blueprint("api_docs", __name__, url_prefix="/api")
_DOCUMENT = "geo_openapi_document"


def document() -> dict:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    doc = app.extensions.get(_DOCUMENT)
    if doc is None:
        doc = app.extensions[_DOCUMENT] = build_document(app)
    return doc


@bp.get("/openapi.json")
@operation(
    tags=["meta"],
    summary="This OpenAPI 3 document",
    responses={200: common.json_response({"type": "object", "required": ["openapi", "info", "paths"]})},
)
def openapi_json():
    return document(), 200, {"Cache-Control": "no-cache"}


@bp.get("/docs")
def docs_page():
    """Swagger UI over /api/openapi.json (not itself an API operation)."""
    return render_template("api_docs/swagger.html")

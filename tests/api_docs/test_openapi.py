"""Issue 13: one OpenAPI 3 document, generated from the routes, served at /api/openapi.json with Swagger UI.

The document must validate (openapi-spec-validator), hold every route the app registers (read from
``url_map`` here, independently of the generator: a new route without ``@operation`` fails, named), and the
webargs layer that reads the same declarations must refuse bad requests as problem+json naming the parameter.
"""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from geo_service.web.pipeline.errors import problem_only

# Only these may be missing from the document: files, and the page that shows the document.
NOT_OPERATIONS = {"static", "api_docs.docs_page"}
_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
METHODS = ("GET", "PUT", "POST", "PATCH", "DELETE")


@pytest.fixture(scope="module")
def document(demo_app):
    resp = demo_app.test_client().get("/api/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    return resp.get_json()


def test_the_document_is_valid_openapi_3(document):
    validate(document)  # raises with the first error
    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": "/", "description": document["servers"][0]["description"]}]


def test_every_route_of_the_app_is_in_the_document(demo_app, document):
    missing = []
    for rule in demo_app.url_map.iter_rules():
        if rule.endpoint in NOT_OPERATIONS:
            continue
        path = _ARG.sub(r"{\1}", rule.rule)
        for method in sorted(set(rule.methods or ()) & set(METHODS)):
            if method.lower() not in document["paths"].get(path, {}):
                missing.append(f"{method} {rule.rule} (endpoint {rule.endpoint})")
    assert not missing, (
        "Routes missing from /api/openapi.json: declare them with @operation "
        "(see geo_service/web/openapi.py and /work/notes/openapi/HOWTO.md):\n  " + "\n  ".join(sorted(missing))
    )


def test_every_operation_has_id_tag_summary_and_problem_responses(document):
    ids = []
    for path, item in document["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            assert op.get("operationId") and op.get("tags") and op.get("summary"), where
            ids.append(op["operationId"])
            default = set(op["responses"]["default"]["content"])
            # /api/ answers problem+json only; pages, /ogc and /embed answer an error page to a browser.
            assert default == (
                {"application/problem+json"} if problem_only(path) else {"application/problem+json", "text/html"}
            ), where
            for status, response in op["responses"].items():
                if status.startswith(("4", "5")):
                    assert "application/problem+json" in response["content"], (where, status)
            for name in re.findall(r"{([^}]+)}", path):
                declared = [p for p in op.get("parameters", []) if p["in"] == "path" and p["name"] == name]
                assert declared and declared[0]["required"], (where, name)
    assert len(ids) == len(set(ids)), "operationIds must be unique"


def test_json_geojson_csv_pdf_and_html_have_their_content_types(document):
    paths = document["paths"]

    def media(path, status="200"):
        return set(paths[path]["get"]["responses"][status]["content"])

    assert media("/api/v1/scenarios/{slug}/checks") == {"application/json"}
    assert media("/api/v1/maps/{scenario}/areas.geojson") == {"application/geo+json"}
    assert media("/api/v1/scenarios/{slug}/checks.csv") == {"text/csv"}
    assert media("/api/v1/scenarios/{slug}/areas/{code}/print.{fmt}") == {"image/png", "application/pdf"}
    assert "application/geopackage+sqlite3" in media("/api/v1/scenarios/{slug}/export")
    assert media("/maps/{scenario}") == {"text/html"}
    collection = document["components"]["schemas"]["FeatureCollection"]
    assert set(collection["required"]) == {"type", "features"}


def test_query_parameters_carry_the_input_validation_rules(document):
    """One rule per name: the document's pattern and length for ``area`` are the before_request layer's."""
    from geo_service.web.pipeline.input_validation import RULES

    params = document["paths"]["/api/v1/scenarios/{slug}/checks"]["get"]["parameters"]
    area = next(p for p in params if p["name"] == "area" and p["in"] == "query")
    assert area["schema"]["pattern"] == f"^(?:{RULES['area'].pattern.pattern})$"
    assert area["schema"]["maxLength"] == RULES["area"].max_length
    slug = next(p for p in params if p["name"] == "slug" and p["in"] == "path")
    assert slug["schema"]["pattern"] == f"^(?:{RULES['slug'].pattern.pattern})$"
    names = {p["name"] for p in params}
    assert {"min", "max", "dominance", "as_of", "boundary_set", "detail"} <= names


@pytest.mark.parametrize(
    "url, parameter, detail",
    [
        ("/api/v1/scenarios/compare?b=demo-as-registered", "a", "'a' (a scenario slug) is required."),
        ("/api/v1/scenarios/compare?a=demo-as-registered", "b", "'b' (a scenario slug) is required."),
        ("/oembed?format=json", "url", "'url' is required."),
        # issue 20: /maps/compare needs none (default scenarios, all of England): tests/web/test_compare_england.py
    ],
)
def test_required_parameters_are_refused_by_the_declaration_as_problem_json(demo_client, url, parameter, detail):
    resp = demo_client.get(url, headers={"Accept": "application/json"})
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["parameter"] == parameter and body["detail"] == detail, body


def test_the_declaration_validates_even_without_the_before_request_layer(demo_app):
    """webargs reads the schema itself: with the general layer switched off, a bad area is still a 400."""
    from geo_service.web.pipeline import input_validation

    client = demo_app.test_client()
    funcs = demo_app.before_request_funcs[None]
    index = funcs.index(input_validation.check_request)
    funcs.pop(index)
    try:
        resp = client.get("/api/v1/scenarios/demo-as-registered/checks?area=ZA1;drop")
    finally:
        funcs.insert(index, input_validation.check_request)
    assert resp.status_code == 400 and resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["parameter"] == "area" and body["detail"].startswith("'area' must be an ODS, GSS or network code")


def test_swagger_ui_is_served_by_us_without_inline_scripts(demo_client):
    resp = demo_client.get("/api/docs")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    csp = resp.headers["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src and "http" not in script_src
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all(body.strip() == "" for _, body in scripts), "no inline script bodies"
    for attrs, _ in scripts:
        src = re.search(r'src="([^"]+)"', attrs)[1]
        assert src.startswith("/static/"), src
        assert demo_client.get(src).status_code == 200, src
    assert 'data-spec-url="/api/openapi.json"' in html
    home = demo_client.get("/").get_data(as_text=True)
    assert 'href="/api/docs"' in home  # reachable by clicking

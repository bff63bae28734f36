"""One OpenAPI 3 document for the whole HTTP API, generated from the routes themselves.

Each route declares its parameters and responses once, with :func:`operation` (marshmallow schemas for the
path and query values, response helpers from :mod:`geo_service.web.schemas.common`). The same declaration

* validates the request: webargs parses the path and query values through the schemas before the view runs,
  and a refusal is the project's problem+json 400 naming the parameter
  (:class:`~geo_service.errors.InvalidParameter`); a view that takes ``query`` gets the parsed values, and a
  view that takes ``body`` gets the request body (JSON object, or form fields and files) holding only the fields
  its declared body schema names: any other field is refused (400 naming it), so the document describes every
  body field a route can read;
* documents it: :func:`build_document` walks ``app.url_map`` and hands every declared route to apispec
  (apispec-webframeworks' FlaskPlugin rule conversion turns ``<slug>`` into ``{slug}``; we walk the rules
  ourselves, so an endpoint with several rules gets each; MarshmallowPlugin turns the schemas into
  parameters and JSON Schema), so a registered blueprint's routes are in ``/api/openapi.json`` with no
  registry call.

Why apispec + marshmallow + webargs rather than spectree or flask-openapi3: both of those want to own the
view (pydantic models as view arguments, their own blueprint/app class, their own validation error body),
which would mean rewriting every route of several shared files and a second error envelope. apispec only
*describes*, webargs only *parses*, both are maintained by the marshmallow-code organisation, work with plain
Flask blueprints, and let us keep our one error hierarchy. Path values that share a name share a rule: the
fields come from :data:`geo_service.web.pipeline.input_validation.RULES` (the ``before_request`` layer that guards
every route, documented or not), so each rule is written in one place.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache, wraps
from typing import Any

import marshmallow as ma
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask, request
from webargs.flaskparser import FlaskParser

from geo_service.errors import InvalidParameter
from geo_service.web.pipeline.errors import problem_only
from geo_service.web.schemas import common

OPENAPI_VERSION = "3.0.3"
TITLE = "geo_service HTTP API"
API_VERSION = "1"
DESCRIPTION = (
    "Checks, map layers, exports, prints, embeds and OGC API of the GP primary care network planning service. "
    "Every error is `application/problem+json` (RFC 9457): `title`, `status`, `detail` and, for a bad "
    "parameter, `parameter` naming it."
)
UNDOCUMENTED = ("static",)  # endpoints that are files, not operations
_DECLARED = "__geo_operation__"


@dataclass(frozen=True, eq=False)  # hashed by identity: one per route
class Operation:
    """What :func:`operation` recorded on a view: enough to validate its request and document it."""

    tags: tuple[str, ...]
    summary: str
    description: str | None
    path: type[ma.Schema] | None
    query: type[ma.Schema] | None
    body: type[ma.Schema] | dict[str, Any] | None  # a schema, or an OpenAPI schema object (oneOf schemas)
    responses: Mapping[int | str, dict[str, Any]]
    operation_id: str | None = None
    body_media_type: str = "application/json"
    extra: dict[str, Any] = field(default_factory=dict)
    # the body schema when it depends on the path values (an edit's kind picks its body): view_args → schema
    body_for: Callable[[dict[str, Any]], type[ma.Schema] | None] | None = None


class _Parser(FlaskParser):
    """webargs' Flask parser whose refusals are our :class:`InvalidParameter` (problem+json 400)."""

    DEFAULT_VALIDATION_STATUS = 400

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):  # noqa: ANN001, ANN201
        name, message = _first_message(error.messages)
        raise InvalidParameter(name, message)


def _first_message(messages: Any, name: str = "request") -> tuple[str, str]:
    """The first (parameter, message) of webargs' nested ``{location: {field: [messages]}}``."""
    while isinstance(messages, dict) and messages:
        key, messages = next(iter(messages.items()))
        if key not in ("query", "view_args", "json", "_schema"):
            name = str(key)
    if isinstance(messages, list) and messages:
        messages = messages[0]
    text = str(messages)
    if text == "Missing data for required field.":
        text = f"'{name}' is required."
    elif not text.startswith(("'", '"')) and name not in text:
        text = f"'{name}': {text}"
    return name, text


parser = _Parser()


def operation(
    *,
    tags: tuple[str, ...] | list[str],
    summary: str,
    responses: Mapping[int | str, dict[str, Any]],
    description: str | None = None,
    path: type[ma.Schema] | None = None,
    query: type[ma.Schema] | None = None,
    body: type[ma.Schema] | dict[str, Any] | None = None,
    operation_id: str | None = None,
    body_media_type: str = "application/json",
    body_for: Callable[[dict[str, Any]], type[ma.Schema] | None] | None = None,
    **extra: Any,
) -> Callable:
    """Declare a route for validation and documentation. Put it under ``@bp.get(...)``.

    ``path`` / ``query``: marshmallow schemas (fields named like the path values / query parameters); path
    values not in ``path`` get their field from ``input_validation.RULES`` by name. ``responses``: status →
    a helper's result (``common.json_response(Schema)``, ``common.geojson_collection()``,
    ``common.content("text/csv")``, ``common.html()``...). Unknown query parameters are ignored, as before.
    A view with a ``query`` parameter is handed the parsed query values (a dict of the declared parameters
    present, checked): it never reads ``request.args``. ``body``: the request body's schema, documented as
    ``body_media_type`` (a form: ``application/x-www-form-urlencoded``); a view with a ``body`` parameter is
    handed the body with the declared fields only (:func:`_request_body`; ``body_for`` picks the schema from the
    path values when ``body`` is a ``oneOf``). The use case checks the values and names the field it refuses.
    Other keywords (``security``, ``deprecated``...) go into the operation as they are.
    """
    declared = Operation(
        tuple(tags),
        summary,
        description,
        path,
        query,
        body,
        dict(responses),
        operation_id,
        body_media_type,
        dict(extra),
        body_for,
    )

    def decorate(view: Callable) -> Callable:
        wants_query = "query" in inspect.signature(view).parameters
        wants_body = "body" in inspect.signature(view).parameters

        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            if request.view_args:
                parser.parse(_path_schema(declared, tuple(request.view_args)), location="view_args")
            if declared.query is not None:
                parsed = parser.parse(_instance(declared.query), location="query", unknown=ma.EXCLUDE)
                if wants_query:  # the view takes the parsed values: only the declared parameters, checked
                    kwargs["query"] = parsed
            if wants_body:
                kwargs["body"] = _request_body(declared)
            return view(*args, **kwargs)

        setattr(wrapper, _DECLARED, declared)
        return wrapper

    return decorate


FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
ALWAYS_ALLOWED = frozenset({"csrf_token"})  # checked by CSRFProtect before any view; every form carries it


def _request_body(declared: Operation) -> Any:
    """The request body as the view may read it: a JSON value (an object keeps only the declared fields, any
    other is refused naming it; anything else is handed on for the use case to refuse), or a form's fields and
    files as one dict, checked the same way."""
    schema = declared.body_for(request.view_args or {}) if declared.body_for else declared.body
    if declared.body_media_type in FORM_MEDIA_TYPES:
        sent: Any = {**request.form.to_dict(), **request.files.to_dict()}
    else:
        sent = request.get_json(silent=True)
    if isinstance(sent, dict) and isinstance(schema, type) and issubclass(schema, ma.Schema):
        allowed = set(_instance(schema).fields) | ALWAYS_ALLOWED
        unknown = sorted(set(sent) - allowed)
        if unknown:
            raise InvalidParameter(
                unknown[0], f"Unknown field '{unknown[0]}'.", allowed=sorted(allowed - ALWAYS_ALLOWED)
            )
    return sent


@lru_cache(maxsize=256)
def _instance(schema: type[ma.Schema]) -> ma.Schema:
    """One instance per schema class: loading does not change a schema, and making one per request costs."""
    return schema()


@lru_cache(maxsize=256)
def _path_schema(declared: Operation, names: tuple[str, ...]) -> ma.Schema:
    """Every path value of the route: the route's own field, else the shared rule of its name (as documented)."""
    own = declared.path().fields if declared.path else {}
    return ma.Schema.from_dict({name: own.get(name) or common.rule_field(name) for name in names})()


def declared_operation(view: Callable | None) -> Operation | None:
    return getattr(view, _DECLARED, None)


_METHODS = ("get", "put", "post", "patch", "delete")


def _path_parameters(rule, declared: Operation, spec: APISpec) -> list[dict[str, Any]]:  # noqa: ANN001
    """One ``in: path`` parameter per value in the rule, from the route's path schema or the shared rules."""
    own = declared.path().fields if declared.path else {}
    converter = spec.plugins[-1].converter  # the MarshmallowPlugin
    out = []
    for name in sorted(rule.arguments, key=rule.rule.index):
        fld = own.get(name) or common.rule_field(name)
        prop = converter.field2property(fld)
        param = {"name": name, "in": "path", "required": True, "schema": prop}
        if fld.metadata.get("description"):
            param["description"] = fld.metadata["description"]
        if "example" in fld.metadata:
            param["example"] = fld.metadata["example"]
        out.append(param)
    return out


def openapi_path(rule_text: str) -> str:
    return FlaskPlugin.flaskpath2openapi(rule_text)


def build_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI document of every declared route of ``app`` (undeclared routes are left out; the test in
    ``tests/api_docs`` names them)."""
    spec = APISpec(
        title=TITLE,
        version=API_VERSION,
        openapi_version=OPENAPI_VERSION,
        info={"description": DESCRIPTION},
        servers=[{"url": "/", "description": "this server (behind GEO_PUBLIC_URL when set)"}],
        plugins=[MarshmallowPlugin(schema_name_resolver=common.schema_name)],
    )
    common.register_components(spec)
    seen_ids: set[str] = set()
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
    for rule in rules:
        if rule.endpoint in UNDOCUMENTED:
            continue
        declared = declared_operation(app.view_functions.get(rule.endpoint))
        if declared is None:
            continue
        op_id = declared.operation_id or rule.endpoint.replace(".", "_")
        while op_id in seen_ids:
            op_id += "_"
        seen_ids.add(op_id)
        body: dict[str, Any] = {
            "tags": list(declared.tags),
            "summary": declared.summary,
            "operationId": op_id,
            "responses": {str(k): v for k, v in declared.responses.items()},
        }
        body["responses"].setdefault("default", common.PROBLEM_RESPONSE)
        if set(rule.arguments) & {"scenario", "slug", "code"}:  # web/canonical_urls.py
            body["responses"].setdefault("308", common.CANONICAL_REDIRECT)
        if not problem_only(rule.rule):  # a browser asking for a page gets its error as a page
            for status, response in body["responses"].items():
                if response is common.PROBLEM_RESPONSE:
                    body["responses"][status] = common.PROBLEM_OR_PAGE_RESPONSE
        if declared.description:
            body["description"] = declared.description
        parameters = _path_parameters(rule, declared, spec)
        if declared.query is not None:
            parameters.append({"in": "query", "schema": declared.query})
        if parameters:
            body["parameters"] = parameters
        if declared.body is not None:
            body["requestBody"] = {
                "required": True,
                "content": {declared.body_media_type: {"schema": declared.body}},
            }
        body.update(declared.extra)
        methods = [m for m in _METHODS if m.upper() in (rule.methods or ())]
        spec.path(path=openapi_path(rule.rule), operations={m: dict(body) for m in methods})
    return spec.to_dict()

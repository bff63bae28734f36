"""Shared schema pieces: a field per parameter name, problem+json, GeoJSON and response helpers.

A parameter's field comes from :data:`geo_service.web.pipeline.input_validation.RULES` (pattern and length), so the
``before_request`` layer, webargs and the document agree on one rule per name.
"""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from geo_service.web.pipeline.input_validation import MAX_LENGTH, RULES

PROBLEM_JSON = "application/problem+json"
GEOJSON = "application/geo+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_RESPONSE = {
    "description": "A problem (RFC 9457): what was wrong and, for a bad parameter, which one.",
    "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
}
PROBLEM_OR_PAGE_RESPONSE = {
    "description": "A problem: problem+json when the client asks for JSON (Accept), else a friendly error page.",
    "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}, "text/html": {"schema": {"type": "string"}}},
}


class Body(ma.Schema):
    """A response body: the fields listed are guaranteed; others may be added (clients ignore them)."""

    class Meta:
        unknown = ma.INCLUDE


# Working values on the demo data (`geo-service demo`): Swagger UI's "Try it out" and schemathesis start there.
PATH_EXAMPLES = {"scenario": "demo-as-registered", "slug": "demo-as-registered", "code": "ZA1", "key": "practices"}


class WholeMatch(validate.Regexp):
    """The whole value must match (marshmallow's Regexp matches a prefix); "" is left to ``required``."""

    def __call__(self, value: str) -> str:
        if value != "" and self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


def anchored(pattern: re.Pattern[str]) -> str:
    """The pattern as JSON Schema reads it (a search, so anchored at both ends)."""
    return f"^(?:{pattern.pattern})$"


def rule_field(name: str, **metadata: Any) -> fields.Field:
    """A string field for parameter ``name`` with the shape its input-validation rule demands.

    The messages repeat the rule's own, so a value refused here reads the same as one refused earlier."""
    rule = RULES.get(name)
    limit = rule.max_length if rule else MAX_LENGTH
    checks: list[validate.Validator] = [
        validate.Length(max=limit, error=f"'{name}' is too long: at most {limit} characters.")
    ]
    meta = {"description": f"Must be {rule.meaning}." if rule else "Text."}
    if rule and rule.pattern is not None:
        checks.append(WholeMatch(rule.pattern, error=f"'{name}' must be {rule.meaning}, got '{{input}}'."))
        meta["pattern"] = anchored(rule.pattern)
    meta |= metadata
    if name == "as_of":
        meta.setdefault("format", "date")
    if name in PATH_EXAMPLES:
        meta.setdefault("example", PATH_EXAMPLES[name])
    return fields.String(validate=checks, metadata=meta)


def param(
    name: str, description: str, required: bool = False, required_message: str | None = None, **metadata: Any
) -> fields.Field:
    """:func:`rule_field` with a description (and ``required``): what a route's query schema is made of.

    ``required_message`` is the sentence a missing value gets (default "'name' is required.")."""
    fld = rule_field(name, description=description, **metadata)
    if required:
        fld.required = True
        fld.error_messages = {**fld.error_messages, "required": required_message or f"'{name}' is required."}
    return fld


def schema_name(schema: Any) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__
    return name[:-6] if name.endswith("Schema") and len(name) > 6 else name


class Problem(Body):
    """application/problem+json (RFC 9457) as every error of the service is sent."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True, metadata={"example": "Invalid parameter"})
    status = fields.Integer(required=True, metadata={"example": 400})
    detail = fields.String(required=True, metadata={"example": "'as_of' must be a date like 2019-12-04, got 'x'."})
    instance = fields.String(metadata={"description": "The path that was asked for."})
    parameter = fields.String(metadata={"description": "The parameter that was wrong."})
    allowed = fields.List(fields.Raw(), metadata={"description": "The values that would have been accepted."})


class Geometry(Body):
    type = fields.String(
        required=True,
        validate=validate.OneOf(["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"]),
    )
    coordinates = fields.List(fields.Raw(), required=True)


class Feature(Body):
    """A GeoJSON Feature (RFC 7946), coordinates in longitude/latitude (CRS84)."""

    type = fields.String(required=True, validate=validate.Equal("Feature"))
    id = fields.Raw(metadata={"description": "string or number"})
    geometry = fields.Nested(Geometry, required=True, allow_none=True)
    properties = fields.Dict(required=True, allow_none=True)


class FeatureCollection(Body):
    """A GeoJSON FeatureCollection (RFC 7946); extra members (scope, data line, links) may follow."""

    type = fields.String(required=True, validate=validate.Equal("FeatureCollection"))
    features = fields.List(fields.Nested(Feature), required=True)


def register_components(spec) -> None:  # noqa: ANN001 - apispec.APISpec
    spec.components.schema("Problem", schema=Problem)
    spec.components.schema("Feature", schema=Feature)
    spec.components.schema("FeatureCollection", schema=FeatureCollection)
    spec.components.security_scheme(
        "apiToken",
        {"type": "http", "scheme": "bearer", "description": "An API token (or GEO_ADMIN_TOKEN, the bootstrap admin)."},
    )


def json_response(schema: type[ma.Schema] | dict, description: str = "OK", media_type: str = "application/json"):
    """A JSON body described by a marshmallow schema (or a ready JSON Schema dict)."""
    return {"description": description, "content": {media_type: {"schema": schema}}}


def geojson_collection(description: str = "A GeoJSON FeatureCollection.", media_type: str = GEOJSON):
    return {
        "description": description,
        "content": {media_type: {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}},
    }


def geojson_feature(description: str = "A GeoJSON Feature.", media_type: str = GEOJSON):
    return {"description": description, "content": {media_type: {"schema": {"$ref": "#/components/schemas/Feature"}}}}


def content(*media_types: str, description: str = "A file.", binary: bool = True):
    """A non-JSON body: CSV, PDF, PNG, zip, KML... (``binary`` → ``format: binary``)."""
    schema = {"type": "string", "format": "binary"} if binary else {"type": "string"}
    return {"description": description, "content": {m: {"schema": schema} for m in media_types}}


def html(description: str = "An HTML page."):
    return content("text/html", description=description, binary=False)


CANONICAL_REDIRECT = {
    "description": "A code or slug written in another case: redirect (Location) to the URL with its stored spelling.",
    "headers": {"Location": {"schema": {"type": "string"}, "description": "The canonical URL."}},
}
# An older ``?v=`` pin of a kept layer: to the current one (empty body).
PIN_MOVED = {
    "description": "An older version pin: redirected to the current one (no body).",
    "headers": {"Location": {"schema": {"type": "string"}, "description": "The current pinned URL."}},
}
NOT_MODIFIED = {"description": "Not modified: the ETag sent in If-None-Match still matches."}


def problems(*statuses: int) -> dict[int, dict]:
    """The listed statuses as problem+json responses (``default`` is always one too)."""
    return {status: PROBLEM_RESPONSE for status in statuses}


class NetworkPath(ma.Schema):
    """``<code>`` of a network route (an example that is a network, not an area)."""

    code = rule_field("code", description="Network code (ODS code of the PCN).", example="UZ0001")


class PracticePath(ma.Schema):
    """``<code>`` of a practice route (an ODS practice code, not an area)."""

    code = rule_field("code", description="Practice ODS code.", example="Z00001")


class BoundarySetPath(ma.Schema):
    slug = rule_field("slug", description="Boundary set slug.", example="demo-ccg")

"""Schemas of the checks routes (``web/checks_api.py``): check results, a network's detail, comparisons."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from geo_service.analysis.parameters import DETAILS, SPECS
from geo_service.web.schemas import common
from geo_service.web.schemas.common import param


def _check_parameters() -> dict[str, fields.Field]:
    return {
        name: param(
            name,
            f"{spec.meaning[0].upper()}{spec.meaning[1:]}; default {spec.default}.",
            enum=list(spec.choices),
        )
        if spec.kind is str
        else param(
            name,
            f"{spec.meaning[0].upper()}{spec.meaning[1:]}; default {spec.default:g}"
            + (f", {spec.low:g} to {spec.high:g}" if spec.high is not None else f", at least {spec.low:g}")
            + ".",
            type="integer" if spec.kind is int else "number",
        )
        for name, spec in SPECS.items()
    }


CheckParametersQuery = ma.Schema.from_dict(_check_parameters(), name="CheckParametersQuery")


class ChecksQuery(CheckParametersQuery):
    boundary_set = param("boundary_set", "Judge against this boundary set (slug); default: the scenario's.")
    area = param("area", "Only this area (ODS or GSS code).", example="ZA1")
    detail = param("detail", "full (every finding) or summary (counts only).", enum=list(DETAILS))
    as_of = param("as_of", "Judge the scenario as of this date instead of its own.", example="2024-10-01")
    page = param(
        "page",
        "One page of the findings (from 1; across the rules in report order) instead of all of them.",
        type="integer",
    )
    per_page = param("per_page", "Findings per page (1 to 10000; default 500).", type="integer")


class ChecksCsvQuery(CheckParametersQuery):
    boundary_set = param("boundary_set", "Judge against this boundary set (slug); default: the scenario's.")
    area = param("area", "Only this area (ODS or GSS code).", example="ZA1")
    as_of = param("as_of", "Judge the scenario as of this date instead of its own.", example="2024-10-01")


class NetworkQuery(CheckParametersQuery):
    boundary_set = param("boundary_set", "Judge against this boundary set (slug); default: the scenario's.")


class CompareQuery(CheckParametersQuery):
    a = param(
        "a",
        required=True,
        required_message="'a' (a scenario slug) is required.",
        description="The first scenario (slug).",
        example="demo-as-registered",
    )
    b = param(
        "b",
        required=True,
        required_message="'b' (a scenario slug) is required.",
        description="The second scenario (slug).",
        example="demo-commissioner-proposal",
    )
    boundary_set = param("boundary_set", "Judge both against this boundary set (slug).")
    area = param("area", "Only this area (ODS or GSS code).", example="ZA1")


class Named(common.Body):
    slug = fields.String(required=True)
    name = fields.String(required=True)


class ChecksResult(common.Body):
    """Every rule's summary count and, with ``detail=full``, its findings."""

    scenario = fields.Nested(Named, required=True)
    boundary_set = fields.Dict(required=True)
    area = fields.Dict(required=True, allow_none=True)
    scope = fields.Dict(required=True)
    parameters = fields.Dict(required=True)
    data_version = fields.Integer(required=True)
    summary = fields.Dict(required=True, metadata={"description": "Count of findings per rule."})
    items = fields.Dict(metadata={"description": "Findings per rule (detail=full)."})
    explanations = fields.Dict(metadata={"description": "What each rule means, in words."})
    page = fields.Dict(metadata={"description": "With page=: which page of the findings, and how many in all."})
    not_judged = fields.Dict(metadata={"description": "Rules that cannot be judged on the date, and why."})


class NetworkDetail(common.Body):
    scenario = fields.Nested(Named, required=True)
    boundary_set = fields.Dict(required=True)
    scope = fields.Dict(required=True)
    parameters = fields.Dict(required=True)
    data_version = fields.Integer(required=True)
    network = fields.Dict(required=True)
    members = fields.List(fields.Dict(), required=True)
    items = fields.Dict()


class Comparison(common.Body):
    a = fields.Dict(required=True)
    b = fields.Dict(required=True)
    boundary_set = fields.Dict(required=True)
    checks = fields.Dict(required=True, metadata={"description": "Each rule's count in a and b."})
    practices_moved = fields.List(fields.Dict())
    networks_added = fields.List(fields.Dict())
    networks_removed = fields.List(fields.Dict())
    data_version = fields.Integer(required=True)

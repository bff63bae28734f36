"""Schemas of the findings browser (``web/findings_browser.py``): filters, paging and the JSON page."""

from __future__ import annotations

from marshmallow import fields, validate

from geo_service.analysis import findings_browser as browser
from geo_service.web.schemas import common
from geo_service.web.schemas.checks import CheckParametersQuery
from geo_service.web.schemas.common import param

_RULE_WORDS = sorted(
    {r["rule"] for r in browser.rule_choices()} | {f["finding"] for r in browser.rule_choices() for f in r["findings"]}
)
_SORTS = [*browser.SORTS, *(f"-{s}" for s in browser.SORTS)]


def _word(name: str, description: str, choices: list[str], example: str | None = None) -> fields.Field:
    meta = {"description": description, "enum": choices}
    if example:
        meta["example"] = example
    return fields.String(
        validate=validate.OneOf(choices, error=f"'{name}' must be one of {', '.join(choices)}, got '{{input}}'."),
        metadata=meta,
    )


class FindingsFilters(CheckParametersQuery):
    """The filters shared by the page, the JSON and the downloads."""

    rule = fields.String(
        validate=validate.Length(max=40, error="'rule' is too long: at most 40 characters."),
        metadata={
            "description": "A rule (``orphaned_practices``, ``size_band``...) or one of its findings (``orphaned``, "
            "``undersized``, ``cross_boundary_administrative``...). Case and '-' for '_' do not matter.",
            "enum": _RULE_WORDS,
            "example": "size_band",
        },
    )
    finding = param("finding", "One finding of the rule (``undersized`` of ``size_band``).")
    tier = _word(
        "tier",
        "Headline rules (default), detail rules (geometry, data gaps) or all; default the rule's own.",
        list(browser.TIER_CHOICES),
    )
    boundary_set = param("boundary_set", "Areas of this boundary set (slug, any level); default: the scenario's.")
    area = param("area", "Only findings in this area (ODS or GSS code) of the boundary set.", example="ZA1")
    network = param("network", "Only findings about this network or its members (network code).", example="UZ0001")
    commissioner = fields.String(
        validate=[
            validate.Length(max=32, error="'commissioner' is too long: at most 32 characters."),
            common.WholeMatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", error="'commissioner' must be an ODS code, got '{input}'."),
        ],
        metadata={
            "description": "Only findings whose practice's commissioner (a network's lead) is this ODS code.",
            "example": "ZA1",
        },
    )
    sort = _word(
        "sort",
        "Order: rule (report order), name, code, area, network, commissioner or value; '-' before it for descending.",
        _SORTS,
    )
    as_of = param("as_of", "Judge the scenario as of this date instead of its own.", example="2024-10-01")


class FindingsQuery(FindingsFilters):
    page = param("page", "Page number, from 1.", example="1")
    per_page = fields.String(
        validate=common.WholeMatch(
            r"[0-9]{1,3}", error="'per_page' must be a whole number from 1 to 500, got '{input}'."
        ),
        metadata={
            "description": f"Findings per page, 1 to {browser.MAX_PER_PAGE}; default {browser.PER_PAGE}.",
            "example": "50",
        },
    )


class FindingsPage(common.Body):
    """One page of a scenario's findings under the filters, with totals and counts per rule and per area."""

    scenario = fields.Dict(required=True)
    boundary_set = fields.Dict(required=True)
    scope = fields.Dict(required=True)
    filters = fields.Dict(required=True, metadata={"description": "The filters as understood (area with its name)."})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    totals = fields.Dict(
        required=True,
        metadata={"description": "``findings``: findings under the filters; ``in_tier``: every finding of the tier."},
    )
    counts = fields.Dict(
        required=True,
        metadata={
            "description": "``rules``: per rule and finding, under every filter but the rule; ``areas``: per "
            "area, under every filter but the area."
        },
    )
    findings = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "description": "The page's findings: rule, tier, finding, label, subject, code, name, sentence, "
            "area, networks, commissioner, figure, lon/lat, map and map_url."
        },
    )
    links = fields.Dict(metadata={"description": "self, next, prev, csv, gpkg, page (HTML)."})
    data_version = fields.Integer(required=True)

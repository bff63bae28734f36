"""Schemas of the catalogue routes (``web/api.py``): boundary sets, areas, scenarios, extracts."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from geo_service.web.schemas import common
from geo_service.web.schemas.common import param

DATASETS = ["real", "synthetic"]
EXTRACT_KINDS = ["register", "list_sizes", "locations", "boundaries", "lookups", "networks"]


class DatasetQuery(ma.Schema):
    dataset = param("dataset", "Only this dataset: real or synthetic.", enum=DATASETS)


class ExtractsQuery(DatasetQuery):
    kind = param("kind", "Only extracts of this kind (register, list_sizes, locations, boundaries, ...).")


class ScenarioQuery(ma.Schema):
    boundary_set = param("boundary_set", "Judge against this boundary set (slug); default: the scenario's.")
    as_of = param("as_of", "Read the scenario as of this date instead of its own.", example="2019-12-04")


class BoundarySet(common.Body):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True, metadata={"enum": ["ccg", "sub_icb", "icb", "region"]})
    dataset = fields.String(required=True)
    valid_from = fields.String(allow_none=True, metadata={"format": "date"})
    area_count = fields.Integer()


class BoundarySets(common.Body):
    boundary_sets = fields.List(fields.Nested(BoundarySet), required=True)


class Area(common.Body):
    name = fields.String(required=True)
    ods_code = fields.String(allow_none=True)
    gss_code = fields.String(allow_none=True)
    practice_count = fields.Integer()


class Areas(common.Body):
    boundary_set = fields.String(required=True)
    areas = fields.List(fields.Nested(Area), required=True)


class ScopeDescription(common.Body):
    """The scope a result was judged in: date, dataset, nation, extracts, boundary set and its data line."""

    scenario = fields.String(required=True)
    as_of = fields.String(required=True, allow_none=True, metadata={"format": "date"})
    dataset = fields.String(required=True)
    nation = fields.String(allow_none=True)
    extracts = fields.Dict(required=True)
    boundary_set = fields.Dict(required=True)
    practices_from = fields.Dict(
        metadata={
            "description": "Which file said which practices existed on the date: source 'register' (a register "
            "within 183 days), 'list_sizes' (else practices with patients in a list-size file within 548 days) "
            "or null (none: the orphan rule is not judged), with its file and extract date."
        }
    )
    commissioners_from = fields.String(
        metadata={"description": "How each practice's commissioner on the date was chosen."}
    )
    not_judged = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={
            "description": "Rules no loaded file can judge for this date (rule key, or "
            "'cross_boundary_networks.member_location'), with the reason: shown as not judged, never a count."
        },
    )
    data_line = fields.String(required=True, metadata={"description": "What the data is, in words."})


class ScenarioSummary(common.Body):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    dataset = fields.String(required=True)
    as_of = fields.String(allow_none=True)
    data_line = fields.String()
    default_boundary_set = fields.String(allow_none=True)
    network_count = fields.Integer()
    membership_count = fields.Integer()
    scope = fields.Nested(ScopeDescription)


class Scenarios(common.Body):
    scenarios = fields.List(fields.Nested(ScenarioSummary), required=True)


class Scenario(ScopeDescription):
    name = fields.String(required=True)
    description = fields.String(allow_none=True)


class Extract(common.Body):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    file_name = fields.String(required=True)
    dataset = fields.String(required=True)
    extract_date = fields.String(required=True, allow_none=True, metadata={"format": "date"})
    loaded_at = fields.String(required=True, metadata={"format": "date-time"})


class Extracts(common.Body):
    extracts = fields.List(fields.Nested(Extract), required=True)


class ScenarioSettings(ma.Schema):
    """Any of these; the rest stay as they are. One transaction: all or none."""

    as_of = fields.String(allow_none=True, metadata={"format": "date", "example": "2019-12-04"})
    nation = fields.String(allow_none=True)
    register = fields.Integer(allow_none=True, metadata={"description": "Extract id of a register extract."})
    list_sizes = fields.Integer(allow_none=True, metadata={"description": "Extract id of a list-size extract."})
    locations = fields.Integer(allow_none=True, metadata={"description": "Extract id of a postcode extract."})
    boundary_set = fields.String(allow_none=True, metadata={"description": "Default boundary set (slug)."})

"""Finding keys and their plain-English labels (used by the API, CLI, map legends and exports)."""

from __future__ import annotations

# Check keys, in the order they are reported.
CHECKS = (
    "orphaned_practices",
    "multiply_assigned_practices",
    "cross_boundary_networks",
    "size_band",
    "dominance",
    "extended_hours_coverage",
    "geometry",
    "data_gaps",
)

CHECK_EXPLANATIONS: dict[str, str] = {
    "orphaned_practices": "Active GP practices with no current membership of any network: every practice must be in a "
    "network.",
    "multiply_assigned_practices": "Practices that are current members of more than one network of the scenario.",
    "cross_boundary_networks": "Networks crossing a boundary: administratively (members' commissioners differ from "
    "each other or from the lead commissioner) or geographically (members located in more than one area, or a polygon "
    "with more than the tolerance outside its main area).",
    "size_band": "Networks whose population (sum of current members' list sizes) is below the minimum or above the "
    "maximum. Members without a list size are counted and reported, never treated as 0.",
    "dominance": "Networks where the largest member holds at least the dominance share of the population.",
    "extended_hours_coverage": "Networks where the share of patients registered at practices offering extended hours "
    "is below the threshold.",
    "geometry": "Network polygons that were invalid (made valid on import), overlap another network of the scenario, "
    "do not contain their own members, or leave parts of an area uncovered.",
    "data_gaps": "Practices without a location, without a list size, or whose list size is stale.",
    "unknown_list_sizes": "Networks with at least one current member whose list size is unknown.",
}

NETWORK_FINDINGS: dict[str, str] = {
    "cross_boundary_administrative": "Crosses a commissioner boundary (members' commissioners differ)",
    "cross_boundary_geographic": "Crosses an area boundary (members or polygon in more than one area)",
    "undersized": "Population below the minimum",
    "oversized": "Population above the maximum",
    "dominated": "One practice holds most of the population",
    "extended_hours_gap": "Not every patient is covered by extended hours",
    "overlapping": "Polygon overlaps another network",
    "invalid_polygon": "Polygon was invalid (made valid on import)",
    "members_outside_polygon": "Some members lie outside the network polygon",
    "unknown_list_sizes": "Some members have no list size",
}

PRACTICE_FINDINGS: dict[str, str] = {
    "orphaned": "Not in any network",
    "multiply_assigned": "In more than one network",
    "cross_boundary_member": "Commissioner or location differs from its network's",
    "outside_network_polygon": "Outside its network's polygon",
    "no_location": "No location (postcode not found)",
    "no_list_size": "No list size",
    "stale_list_size": "List size is out of date",
}

AREA_FINDINGS: dict[str, str] = {
    "area_gap": "Part of the area is covered by no network",
}

FINDING_LABELS: dict[str, str] = {**NETWORK_FINDINGS, **PRACTICE_FINDINGS, **AREA_FINDINGS}

# Keys of the flat summary used by tests and by ``compare``: name -> label.
SUMMARY_KEYS: dict[str, str] = {
    "orphaned_practices": "Orphaned practices",
    "multiply_assigned_practices": "Practices in more than one network",
    "cross_boundary_administrative": "Networks crossing a commissioner boundary",
    "cross_boundary_geographic": "Networks crossing an area boundary",
    "undersized_networks": "Networks below the minimum population",
    "oversized_networks": "Networks above the maximum population",
    "dominated_networks": "Networks dominated by one practice",
    "extended_hours_gaps": "Networks with extended-hours gaps",
    "networks_with_unknown_list_sizes": "Networks with members lacking a list size",
    "practices_without_location": "Practices without a location",
    "practices_without_list_size": "Practices without a list size",
    "practices_with_stale_list_size": "Practices with a stale list size",
    "overlapping_networks": "Networks whose polygons overlap",
    "members_outside_network_polygon": "Members outside their network polygon",
    "invalid_network_polygons": "Invalid network polygons",
    "areas_with_gaps": "Areas with parts covered by no network",
}

"""Geometry checks on network polygons: invalid (made valid on import), overlapping, members outside
their own polygon, and parts of areas covered by no polygon. Read from tables kept by triggers."""

from __future__ import annotations

from geo_service.analysis.evidence import rows
from geo_service.db.repositories import analysis_checks


def geometry(conn, values: dict) -> list[dict]:
    items = rows(analysis_checks.invalid_polygons(conn, values), kind="invalid_polygon")
    items += rows(analysis_checks.overlaps(conn, values), kind="overlap")
    items += rows(analysis_checks.members_outside_polygon(conn, values), kind="member_outside_polygon")
    items += rows(analysis_checks.area_gaps(conn, values), kind="area_gap")
    return items

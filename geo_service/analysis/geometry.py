"""Geometry checks on network polygons: invalid (made valid on import), overlapping (area in m² and
share of each network), members outside their own polygon (beyond a tolerance in metres), and parts
of areas covered by no polygon. Read from tables kept by triggers (migrations 0010/0011)."""

from __future__ import annotations

QUERIES = ("invalid_polygons", "overlaps", "members_outside_polygon", "area_gaps")


def geometry(raw: dict) -> list[dict]:
    return [row for name in QUERIES for row in raw[name]]

"""Extended-hours coverage: share of a network's patients at practices that offer extended hours."""

from __future__ import annotations

from geo_service.analysis.evidence import rows
from geo_service.db.repositories import analysis_checks


def extended_hours_coverage(conn, values: dict) -> list[dict]:
    return rows(analysis_checks.extended_hours(conn, values))

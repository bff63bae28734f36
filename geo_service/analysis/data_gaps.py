"""Data gaps: practices without a location, without a list size, or with a stale list size.

A list size is stale when it is more than ``stale_days`` older than the newest list size in the
database (not today), so results are reproducible."""

from __future__ import annotations

from geo_service.analysis.evidence import rows
from geo_service.db.repositories import analysis_checks


def data_gaps(conn, values: dict) -> list[dict]:
    return rows(analysis_checks.data_gaps(conn, values))

"""Membership checks: orphaned practices and practices in more than one network."""

from __future__ import annotations

from geo_service.analysis.evidence import rows
from geo_service.db.repositories import analysis_checks


def orphaned_practices(conn, values: dict) -> list[dict]:
    return rows(analysis_checks.orphaned_practices(conn, values))


def multiply_assigned_practices(conn, values: dict) -> list[dict]:
    return rows(analysis_checks.multiply_assigned_practices(conn, values))

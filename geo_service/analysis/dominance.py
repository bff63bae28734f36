"""Dominance: the largest member's share of the network population, with the pairwise picture
(the largest practice beside the rest of the group)."""

from __future__ import annotations

from geo_service.analysis.evidence import rows
from geo_service.db.repositories import analysis_checks


def dominance(conn, values: dict) -> list[dict]:
    return rows(analysis_checks.dominance(conn, values))

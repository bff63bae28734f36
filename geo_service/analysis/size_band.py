"""Network population against the size band, and networks whose population is partly unknown."""

from __future__ import annotations

from geo_service.analysis.evidence import rows
from geo_service.db.repositories import analysis_checks


def size_band(conn, values: dict) -> list[dict]:
    found = rows(analysis_checks.size_band(conn, values))
    for r in found:
        # With unknown list sizes the population is a lower bound: say so rather than hide it.
        r["population_is_lower_bound"] = r["unknown_list_sizes"] > 0
    return found


def unknown_list_sizes(conn, values: dict) -> list[dict]:
    return rows(analysis_checks.unknown_list_sizes(conn, values))

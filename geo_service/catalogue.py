"""What is loaded: boundary sets, areas, scenarios and data dates (service layer, no Flask)."""

from __future__ import annotations

from geo_service.db.repositories import catalogue, meta, sources
from geo_service.errors import NotFound


def overview(conn) -> dict:
    version, updated_at = meta.data_version(conn)
    sets = catalogue.boundary_sets(conn)
    return {
        "boundary_sets": sets,
        "areas_by_set": {bs["slug"]: catalogue.areas(conn, bs["slug"]) for bs in sets},
        "scenarios": catalogue.scenarios(conn),
        "practices": catalogue.practice_counts(conn),
        "data_dates": sources.data_dates(conn),
        "data_version": version,
        "data_updated_at": updated_at,
    }


def boundary_sets(conn) -> list[dict]:
    return catalogue.boundary_sets(conn)


def scenarios(conn) -> list[dict]:
    return catalogue.scenarios(conn)


def areas(conn, boundary_set_slug: str) -> list[dict]:
    rows = catalogue.areas(conn, boundary_set_slug)
    if not rows and not catalogue.boundary_set_exists(conn, boundary_set_slug):
        raise NotFound(f"No boundary set with slug '{boundary_set_slug}'.")
    return rows

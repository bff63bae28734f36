"""What is loaded, per dataset: boundary sets, areas, scenarios with their dates (service layer, no Flask).

Real and synthetic data are listed apart: a dataset's listing never counts another's rows.
"""

from __future__ import annotations

from datetime import date

from geo_service.db.repositories import catalogue, extracts, meta
from geo_service.db.repositories import scope as scope_repo
from geo_service.errors import NotFound
from geo_service.scope import Scope, day_label, resolve_scope

DATASET_LABELS = {"real": "NHS and ONS open data", "synthetic": "Synthetic demo data (not real)"}


def _scenario_entry(conn, row: dict) -> dict:
    scope: Scope = resolve_scope(conn, row["slug"])
    counts = catalogue.scenario_counts(conn, scope.values())
    return {
        "slug": row["slug"],
        "name": row["name"],
        "description": row["description"],
        "dataset": row["dataset"],
        "as_of": row["as_of"].isoformat(),
        "nation": row["nation"],
        "default_boundary_set": scope.boundary_set["slug"],
        "scope": scope.describe(),
        "data_line": scope.data_line(),
        **counts,
    }


def scenarios(conn, dataset: str | None = None) -> list[dict]:
    out = []
    for row in scope_repo.scenarios(conn, dataset):
        try:
            out.append(_scenario_entry(conn, row))
        except NotFound:  # a scenario whose dataset has no boundary set yet
            out.append(
                {
                    **{k: row[k] for k in ("slug", "name", "description", "dataset", "nation")},
                    "as_of": row["as_of"].isoformat(),
                    "default_boundary_set": None,
                    "scope": None,
                    "network_count": None,
                    "membership_count": None,
                    "data_line": f"as of {day_label(row['as_of'])} · no boundary set loaded",
                }
            )
    return out


def boundary_sets(conn, dataset: str | None = None) -> list[dict]:
    return [
        {**{k: v for k, v in bs.items() if k != "id"}, "valid_from": bs["valid_from"].isoformat()}
        for bs in scope_repo.boundary_sets(conn, dataset)
    ]


def _area_values(conn, bs: dict) -> dict:
    """Practice state for an area listing: the dataset's register and postcode extracts nearest the set's date."""
    day: date = bs["valid_from"]
    reg = scope_repo.nearest_extract(conn, "practices", bs["dataset"], day)
    loc = scope_repo.nearest_extract(conn, "postcodes", bs["dataset"], day)
    return {
        "scenario_id": None,
        "as_of": day,
        "nation": "england",
        "register_extract_id": reg["id"] if reg else None,
        "list_size_extract_id": None,
        "location_extract_id": loc["id"] if loc else None,
        "bs_id": bs["id"],
    }


def areas(conn, boundary_set_slug: str) -> list[dict]:
    bs = scope_repo.boundary_set(conn, boundary_set_slug)
    if bs is None:
        raise NotFound(f"No boundary set with slug '{boundary_set_slug}'.")
    return catalogue.areas(conn, _area_values(conn, bs))


def overview(conn) -> dict:
    version, updated_at = meta.data_version(conn)
    sections = []
    for ds in catalogue.datasets(conn):
        sets = scope_repo.boundary_sets(conn, ds)
        sections.append(
            {
                "dataset": ds,
                "label": DATASET_LABELS.get(ds, ds),
                "scenarios": scenarios(conn, ds),
                "boundary_sets": sets,
                "areas_by_set": {bs["slug"]: catalogue.areas(conn, _area_values(conn, bs)) for bs in sets},
                "extracts": scope_repo.extracts(conn, ds),
                "data_dates": extracts.data_dates(conn, ds),
            }
        )
    return {"datasets": sections, "data_version": version, "data_updated_at": updated_at}


# ---- rows the web layer shows as they are (routes read the catalogue through here, never a repository) ----


def scenario_row(conn, slug: str) -> dict | None:
    """A scenario's stored settings row (its version is the settings ETag), or None."""
    return scope_repo.scenario(conn, slug)


def scenario_rows(conn, dataset: str | None = None) -> list[dict]:
    """Every scenario, as stored (the page header's scenario switcher)."""
    return scope_repo.scenarios(conn, dataset)


def boundary_set_row(conn, slug: str) -> dict | None:
    return scope_repo.boundary_set(conn, slug)


def boundary_set_rows(conn, dataset: str | None = None) -> list[dict]:
    """Every boundary set of ``dataset``, as stored (the boundary set switcher)."""
    return scope_repo.boundary_sets(conn, dataset)


def extract_rows(conn, dataset: str | None = None, kind: str | None = None) -> list[dict]:
    """The extracts loaded, optionally of one dataset and kind."""
    return scope_repo.extracts(conn, dataset, kind)


def scenario_version(conn, scenario: int | str) -> int:
    """A scenario's own data version (:func:`geo_service.db.repositories.meta.scenario_version`)."""
    return meta.scenario_version(conn, scenario)

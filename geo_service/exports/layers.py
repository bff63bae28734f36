"""Export layers as (Geo)DataFrames: practices, networks, areas and the memberships table.

The service resolves a scope (scenario, boundary set, optional area or network, output CRS),
asks the repository for one layer at a time and adds one boolean column per finding of the
rule engine (``geo_service.analysis.service``), plus a ``findings`` column of plain-English
labels. Layers are built one at a time so a large export holds one layer in memory at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import shapely

from geo_service.analysis import service as analysis
from geo_service.analysis.findings import NETWORK_FINDINGS, PRACTICE_FINDINGS
from geo_service.analysis.service import FINDING_LABELS
from geo_service.crs import STORAGE_SRID
from geo_service.db.repositories import export_layers as repo
from geo_service.errors import NotFound

log = logging.getLogger(__name__)

# One boolean column per finding key, in the rule engine's order. Keys it reports beyond these
# get a column too (appended, sorted), so nothing it finds is dropped.
PRACTICE_FINDING_KEYS = tuple(PRACTICE_FINDINGS)
NETWORK_FINDING_KEYS = tuple(NETWORK_FINDINGS)

_INT_COLUMNS = {"list_size", "population", "member_count", "members_without_list_size", "network_count",
                "practice_count"}  # fmt: skip
_BOOL_COLUMNS = {"extended_hours", "geom_made_valid", "made_valid", "is_current"}


@dataclass
class ExportScope:
    """What an export or print map covers. ``srid`` is the output CRS."""

    scenario: dict
    boundary_set: dict | None
    area: dict | None = None
    network: dict | None = None
    srid: int = STORAGE_SRID
    _findings: tuple[dict, dict] | None = field(default=None, repr=False)

    @property
    def area_code(self) -> str | None:
        if self.area is None:
            return None
        return self.area["ods_code"] or self.area["gss_code"]

    def repo_scope(self) -> dict:
        return {
            "scenario_id": self.scenario["id"],
            "area_id": self.area["id"] if self.area else None,
            "network_id": self.network["id"] if self.network else None,
            "srid": self.srid,
        }


def resolve_scope(
    conn,
    scenario: str,
    boundary_set: str | None = None,
    area: str | None = None,
    network: str | None = None,
    srid: int = STORAGE_SRID,
) -> ExportScope:
    """Look up the scenario, boundary set (given, or the best match for the scenario), area and network.

    Raises :class:`NotFound` naming whatever does not exist.
    """
    scen = repo.find_scenario(conn, scenario)
    if scen is None:
        raise NotFound(f"No scenario with slug '{scenario}'.")
    if boundary_set:
        bs = repo.find_boundary_set(conn, boundary_set)
        if bs is None:
            raise NotFound(f"No boundary set with slug '{boundary_set}'.")
    else:
        bs = repo.best_boundary_set(conn, scen["id"])
    area_row = None
    if area:
        if bs is None:
            raise NotFound("No boundary set is loaded, so there are no areas.")
        area_row = repo.find_area(conn, bs["id"], area)
        if area_row is None:
            raise NotFound(f"No area '{area}' in boundary set '{bs['slug']}'.")
    net_row = None
    if network:
        net_row = repo.find_network(conn, scen["id"], network)
        if net_row is None:
            raise NotFound(f"No network '{network}' in scenario '{scenario}'.")
    return ExportScope(scen, bs, area_row, net_row, srid)


def findings(conn, scope: ExportScope) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(practice code → finding keys, network code → finding keys) for the whole scenario.

    Asked for the whole scenario, not the area, so that members of a cross-boundary network
    that sit outside the area still carry their findings. The rule engine keeps one run per data
    state, so a print after an export reuses it.
    """
    if scope._findings is None:
        if scope.boundary_set is None:
            scope._findings = ({}, {})
        else:
            nets, pracs = analysis.findings(conn, scope.scenario["slug"], scope.boundary_set["slug"])
            scope._findings = (pracs, nets)
    return scope._findings


def finding_labels() -> dict[str, str]:
    return dict(FINDING_LABELS)


def to_frame(columns: list[str], rows: list[tuple], srid: int) -> pd.DataFrame:
    df = pd.DataFrame.from_records(rows, columns=columns)
    for col in df.columns:
        if col in _INT_COLUMNS:
            df[col] = pd.array([None if pd.isna(v) else int(v) for v in df[col]], dtype="Int64")
        elif col in _BOOL_COLUMNS:
            df[col] = pd.array([None if pd.isna(v) else bool(v) for v in df[col]], dtype="boolean")
    if "geom" not in df.columns:
        return df
    wkb = [None if g is None else bytes(g) for g in df.pop("geom")]
    return gpd.GeoDataFrame(df, geometry=shapely.from_wkb(wkb), crs=f"EPSG:{srid}")


def _add_findings(df: pd.DataFrame, key_column: str, found: dict[str, list[str]], known: tuple[str, ...]) -> None:
    keys = list(known) + sorted({k for ks in found.values() for k in ks} - set(known))
    per_row = [set(found.get(code, ())) for code in df[key_column]]
    labels = finding_labels()
    position = df.columns.get_loc("geometry") if "geometry" in df.columns else len(df.columns)
    for i, key in enumerate(keys):
        df.insert(position + i, key, pd.array([key in s for s in per_row], dtype="boolean"))
    df.insert(
        position + len(keys),
        "findings",
        ["; ".join(labels.get(k, k.replace("_", " ")) for k in keys if k in s) or None for s in per_row],
    )


def build_layer(conn, scope: ExportScope, layer: str, with_findings: bool = True) -> pd.DataFrame:
    """One layer of the export: a GeoDataFrame (practices, networks, areas) or a DataFrame (memberships)."""
    params = scope.repo_scope()
    if layer == "practices":
        df = to_frame(*repo.practices(conn, params), scope.srid)
        if with_findings and scope.boundary_set is not None:
            _add_findings(df, "ods_code", findings(conn, scope)[0], PRACTICE_FINDING_KEYS)
    elif layer == "networks":
        df = to_frame(*repo.networks(conn, params), scope.srid)
        if with_findings and scope.boundary_set is not None:
            _add_findings(df, "code", findings(conn, scope)[1], NETWORK_FINDING_KEYS)
    elif layer == "areas":
        if scope.boundary_set is None:
            cols = ["ods_code", "gss_code", "name", "boundary_set", "made_valid", "practice_count", "population"]
            return gpd.GeoDataFrame(columns=[*cols, "geometry"], geometry="geometry", crs=f"EPSG:{scope.srid}")
        df = to_frame(*repo.areas(conn, params, scope.boundary_set["id"]), scope.srid)
    elif layer == "memberships":
        df = to_frame(*repo.memberships(conn, params), scope.srid)
    else:  # the formats allow-list stops this before it gets here
        raise ValueError(f"unknown layer {layer!r}")
    return df


def iter_layers(conn, scope: ExportScope, layers: tuple[str, ...]) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yield (name, frame) one layer at a time."""
    for name in layers:
        df = build_layer(conn, scope, name)
        log.debug("export layer %s: %d rows", name, len(df))
        yield name, df

"""Export layers as (Geo)DataFrames: practices, networks, areas and the memberships table.

Every export and print resolves one :class:`geo_service.scope.Scope` (scenario, its ``as_of``, dataset,
register / list-size / postcode extracts, boundary set, optional area or network) and hands it, with the
output SRID, to :func:`build_layer`. The repository reads practices through the scope fragments only, so a
layer shows the scenario's own extracts and nothing of another dataset.

Findings come from the rule registry: one boolean column per finding key of
:data:`~geo_service.analysis.findings.NETWORK_FINDINGS` / :data:`~geo_service.analysis.findings.PRACTICE_FINDINGS`
(in the registry's order), plus a ``findings`` column of plain-English labels, taken from
``analysis.service.findings_in``. Layers are built one at a time so a large export holds one layer in
memory at once.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator

import geopandas as gpd
import pandas as pd
import shapely

from geo_service.analysis import service as analysis
from geo_service.analysis.findings import FINDING_LABELS, NETWORK_FINDINGS, PRACTICE_FINDINGS
from geo_service.db.repositories import export_layers as repo
from geo_service.scope import Scope

log = logging.getLogger(__name__)

# One boolean column per finding key, in the rule registry's order. Keys it reports beyond these
# get a column too (appended, sorted), so nothing it finds is dropped.
PRACTICE_FINDING_KEYS = tuple(PRACTICE_FINDINGS)
NETWORK_FINDING_KEYS = tuple(NETWORK_FINDINGS)

_INT_COLUMNS = {"list_size", "population", "member_count", "members_without_list_size", "network_count",
                "practice_count"}  # fmt: skip
_BOOL_COLUMNS = {"extended_hours", "geom_made_valid", "made_valid", "in_register"}


def layer_values(scope: Scope, srid: int) -> dict:
    """Bind values for the layer queries: the scope's values, its network (a network print) and the SRID."""
    return {**scope.values(), "network_id": scope.network["id"] if scope.network else None, "srid": srid}


def findings_scope(scope: Scope) -> Scope:
    """The scope findings are asked for: the same scenario, date, extracts and boundary set, without the area
    or network. An area export also shows members (of its cross-boundary networks) located outside the area;
    their findings are theirs whatever the area, so they must carry them too. The rule engine keeps one run
    per data state and scope, so a print after an export reuses it."""
    if scope.area is None and scope.network is None:
        return scope
    return dataclasses.replace(scope, area=None, network=None)


def findings(conn, scope: Scope) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(network code → finding keys, practice code → finding keys), from ``analysis.service.findings_in``."""
    return analysis.findings_in(conn, findings_scope(scope))


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


def add_findings(df: pd.DataFrame, key_column: str, found: dict[str, list[str]], known: tuple[str, ...]) -> None:
    """One boolean column per finding key (``known`` first, then any other reported key) and ``findings``."""
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


# Network profile columns of the exports (issue 25): export column → profile key. Short names (shapefiles).
PROFILE_COLUMNS = {
    "registered": "registered_patients",
    "weighted": "weighted_patients",
    "wtd_ratio": "weighted_ratio",
    "imd_score": "deprivation",
    "imd_decile": "deprivation_decile",
    "share_65": "share_aged_65_plus",
    "rural_mem": "rural_members",
    "gms_mem": "gms_members",
    "pms_mem": "pms_members",
    "apms_mem": "apms_members",
    "disp_mem": "dispensing_members",
    "eh_share": "extended_hours_paid_share",
    "net_pay": "network_payments",
    "pay_per_rg": "payments_per_registered",
    "pay_per_wt": "payments_per_weighted",
}
PROFILE_SOURCES = {"src_pay": "payments", "src_imd": "deprivation", "src_ages": "age_bands"}


def add_profiles(conn, scope: Scope, df: pd.DataFrame) -> None:
    """The networks' profile figures as columns, and one column per source (file, date) they come from."""
    from geo_service.analysis import profiles

    by_code = {p["code"]: p for p in profiles.network_profiles(conn, scope)}
    codes = df["code"] if "code" in df.columns else pd.Series([], dtype=object)
    for column, key in PROFILE_COLUMNS.items():
        df[column] = pd.array([by_code.get(c, {}).get(key) for c in codes], dtype="Float64")
    src = profiles.sources(scope)
    for column, kind in PROFILE_SOURCES.items():
        df[column] = src[kind]["line"] if src.get(kind) else None


def build_layer(conn, scope: Scope, layer: str, srid: int, with_findings: bool = True) -> pd.DataFrame:
    """One layer of the export: a GeoDataFrame (practices, networks, areas) or a DataFrame (memberships)."""
    values = layer_values(scope, srid)
    if layer == "practices":
        df = to_frame(*repo.practices(conn, values), srid)
        if with_findings:
            add_findings(df, "ods_code", findings(conn, scope)[1], PRACTICE_FINDING_KEYS)
    elif layer == "networks":
        df = to_frame(*repo.networks(conn, values), srid)
        if with_findings:
            add_findings(df, "code", findings(conn, scope)[0], NETWORK_FINDING_KEYS)
        add_profiles(conn, scope, df)
    elif layer == "areas":
        df = to_frame(*repo.areas(conn, values), srid)
    elif layer == "memberships":
        df = to_frame(*repo.memberships(conn, values), srid)
    else:  # the formats allow-list stops this before it gets here
        raise ValueError(f"unknown layer {layer!r}")
    return df


def iter_layers(conn, scope: Scope, layers: tuple[str, ...], srid: int) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yield (name, frame) one layer at a time."""
    for name in layers:
        df = build_layer(conn, scope, name, srid)
        log.debug("export layer %s: %d rows", name, len(df))
        yield name, df

"""Independent oracle for the rule engine, computed straight from the raw public files.

Pure pandas/geopandas. It shares no code or SQL with ``geo_service`` and must never import it:
tests compare the service's answers with what this module works out on its own.

Usage::

    from tests.oracle_raw import compute
    result = compute("2019-20", REAL_DATA)        # REAL_DATA = .../shared/data/real
    result["orphaned_practices"]                    # set of ODS practice codes

Rules, as written for the oracle (see ``compute``):

* active GP practice: register ``status_code == "A"`` and ``prescribing_setting == 4``;
  ``national_grouping`` starting with "W" is Wales (out of scope), anything else England.
* a core-partner row is *current* on ``as_of`` when (start empty or start <= as_of) and
  (end empty or end >= as_of); dates are YYYYMMDD.
* a network's current members are the practices with a current row for it; networks come
  from ``pcn_details``.
* 2020/21 has no register of its own year and no ePCN: membership is the QOF 2020/21 mapping (one undated
  row per practice, as at the end of the QOF year, 31 March 2021); its pseudo-PCN ``U`` "Unallocated"
  means "in no network". The practices that existed are told by the file nearest the date: a register
  only counts when its release is within 183 days of ``as_of`` (the Dec 2019 register is 16 months
  away), else the practices with registered patients (> 0) in the list-size file, dated by its own
  ``EXTRACT_DATE`` column, when within 548 days.
* a practice's commissioner is what the file nearest to ``as_of`` says of it (the register by its
  release date, the list-size file by its EXTRACT_DATE, the membership file by its own date: its
  ``practice_parent_ccg_code`` / ``CCG_ODS_CODE``), a tie going to the one on or before the date,
  then to the register. Members are always stated by their own membership file, dated ``as_of``.
* dominance: the largest member's list size is at least half the network's population (> 0).
* multiply assigned: a practice with current rows for two or more networks.

Results are cached (``functools.lru_cache``); ``compute`` hands each caller its own copy of the
sets and dicts, so one test mutating its result cannot disturb another. Each raw file is parsed once per process
(several vintages share a register, list-size, postcode or boundary file) and its frame shared read-only.
"""

from __future__ import annotations

import copy
import datetime as dt
import statistics
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd


@dataclass(frozen=True)
class Vintage:
    register: str
    pcn_details: str | None
    core_partners: str | None
    list_sizes: str
    postcodes: str
    boundaries: str
    area_field: str
    as_of: dt.date
    # The register's release (the file says only its month; the first of it is taken).
    register_date: dt.date = dt.date(1900, 1, 1)
    # A practice → PCN mapping without dates (QOF), read instead of pcn_details / core_partners.
    mapping: str | None = None


REGISTER_NEAR_DAYS = 183
LIST_SIZES_NEAR_DAYS = 548
NO_NETWORK = "U"
DOMINANCE = 0.5


VINTAGES: dict[str, Vintage] = {
    "2019-20": Vintage(
        register="practices/epraccur_2019-12.csv.gz",
        pcn_details="practices/epcn_2019-12_pcn_details.csv",
        core_partners="practices/epcn_2019-12_core_partner_details.csv",
        list_sizes="practices/gp-reg-pat-prac-all_2021-01.csv",
        postcodes="postcodes/practice_postcode_centroids.csv",
        boundaries="boundaries/ccg_2019_apr_oa_dissolved_en.geojson",
        area_field="CCG19CDH",
        as_of=dt.date(2019, 12, 4),
        register_date=dt.date(2019, 12, 1),
    ),
    "2020-21": Vintage(
        register="practices/epraccur_2019-12.csv.gz",
        pcn_details=None,
        core_partners=None,
        list_sizes="practices/gp-reg-pat-prac-all_2021-01.csv",
        postcodes="postcodes/practice_postcode_centroids.csv",
        boundaries="boundaries/ccg_2020_apr_buc_en.geojson",
        area_field="CCG20CDH",
        as_of=dt.date(2021, 3, 31),
        register_date=dt.date(2019, 12, 1),
        mapping="practices/qof_2020-21_mapping_nhs_geographies.csv",
    ),
    "2022-01": Vintage(
        register="practices/epraccur_2022-03.csv.gz",
        pcn_details=None,
        core_partners=None,
        list_sizes="practices/gp-reg-pat-prac-all_2022-04.csv",
        postcodes="postcodes/practice_postcode_centroids.csv",
        boundaries="boundaries/ccg_2021_apr_buc_en.geojson",
        area_field="CCG21CDH",
        as_of=dt.date(2022, 1, 1),
        register_date=dt.date(2022, 3, 1),
        mapping="practices/gp-reg-pat-prac-map_2022-01.csv",
    ),
    "2021-22": Vintage(
        register="practices/epraccur_2022-03.csv.gz",
        pcn_details="practices/epcn_2022-04_pcn_details.csv",
        core_partners="practices/epcn_2022-04_core_partner_details.csv",
        list_sizes="practices/gp-reg-pat-prac-all_2022-04.csv",
        postcodes="postcodes/practice_postcode_centroids.csv",
        boundaries="boundaries/ccg_2021_apr_buc_en.geojson",
        area_field="CCG21CDH",
        as_of=dt.date(2022, 4, 27),
        register_date=dt.date(2022, 3, 1),
    ),
}

UNDERSIZED_BELOW = 30_000
OVERSIZED_ABOVE = 50_000


# --------------------------------------------------------------------------- raw loading


@cache
def _read_csv(path: Path) -> pd.DataFrame:
    """Every column as stripped text; empty cells stay "" (never NaN). Once per process: shared, do not modify."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
    return pd.DataFrame(
        {c.strip(): pd.Series([v.strip() for v in df[c].tolist()], index=df.index, dtype=str) for c in df.columns}
    )


@cache
def _read_postcodes(path: Path) -> pd.DataFrame:
    """Normalised postcode -> longitude, latitude (rows without one left out); once per process, shared."""
    pc = _read_csv(path)
    pc = pc.assign(key=_norm_postcode(pc["postcode"]))
    pc = pc[(pc["longitude"] != "") & (pc["latitude"] != "")]
    if pc["key"].duplicated().any():
        raise ValueError(f"{path}: duplicate postcodes after normalising")
    return pd.DataFrame(
        {"longitude": pc["longitude"].astype(float).values, "latitude": pc["latitude"].astype(float).values},
        index=pc["key"].values,
    )


@cache
def _read_boundaries(path: Path) -> gpd.GeoDataFrame:
    """A boundary file in EPSG:4326, parsed once per process (shared: do not modify)."""
    boundaries = gpd.read_file(path)
    return boundaries.set_crs(4326) if boundaries.crs is None else boundaries.to_crs(4326)


def _pick(columns, *candidates: str) -> str:
    """The first header that exists, so small header differences between releases don't matter."""
    for name in candidates:
        if name in columns:
            return name
    raise KeyError(f"none of {candidates} in header {list(columns)}")


def _parse_yyyymmdd(series: pd.Series) -> pd.Series:
    """YYYYMMDD text -> datetime.date, "" -> None. Anything else is an error, not a silent NaT."""

    def one(text: str):
        if text == "":
            return None
        return dt.datetime.strptime(text, "%Y%m%d").date()

    return series.map(one)


def _norm_postcode(series: pd.Series) -> pd.Series:
    return series.str.upper().str.replace(r"\s+", "", regex=True)


@lru_cache(maxsize=4)
def load_raw(vintage: str, root: Path) -> dict:
    """The raw tables for one vintage, lightly normalised (no rules applied yet).

    Returns a dict with ``register``, ``pcn_details``, ``core_partners``, ``list_sizes``
    (Series CODE -> int), ``postcodes`` (normalised postcode -> lon/lat), ``boundaries``
    (GeoDataFrame with column ``area_code``) and ``vintage`` (the ``Vintage`` record).
    The frames are shared between callers: do not modify them.
    """
    v = VINTAGES[vintage]
    root = Path(root)

    register = _read_csv(root / v.register)

    if v.mapping is None:
        pcn_details = _read_csv(root / v.pcn_details)
        lead_col = _pick(
            pcn_details.columns,
            "current_clinical_commissioning_group_code",
            "clinical_commissioning_group_code",
            "ccg_code",
        )
        pcn_details = pcn_details.rename(columns={lead_col: "lead_commissioner"})

        core = _read_csv(root / v.core_partners)
        core = core.rename(
            columns={
                _pick(core.columns, "partner_organisation_code"): "practice",
                _pick(core.columns, "pcn_code"): "pcn",
                _pick(core.columns, "practice_to_pcn_relationship_start_date"): "start_text",
                _pick(core.columns, "practice_to_pcn_relationship_end_date"): "end_text",
                _pick(core.columns, "practice_parent_ccg_code"): "stated_commissioner",
            }
        )
        core["start"] = _parse_yyyymmdd(core["start_text"])
        core["end"] = _parse_yyyymmdd(core["end_text"])
    else:
        mapping = _read_csv(root / v.mapping)
        mapping = mapping.rename(
            columns={
                _pick(mapping.columns, "PCN_ODS_CODE", "PCN_CODE"): "PCN_ODS_CODE",
                _pick(mapping.columns, "CCG_ODS_CODE", "CCG_CODE"): "CCG_ODS_CODE",
            }
        )
        if mapping["PRACTICE_CODE"].duplicated().any():
            raise ValueError(f"{v.mapping}: a practice is listed twice")
        core = pd.DataFrame(
            {
                "practice": mapping["PRACTICE_CODE"].values,
                "pcn": mapping["PCN_ODS_CODE"].values,
                "stated_commissioner": mapping["CCG_ODS_CODE"].values,
                "practice_ccg_and_pcn_ccg_match": "",
            }
        )
        core["start"] = None
        core["end"] = None
        # A PCN's lead: its practices' CCG when they agree; otherwise any one of them (the rule then flags it
        # whichever is taken, because its members disagree).
        real = mapping[mapping["PCN_ODS_CODE"] != NO_NETWORK]
        pcn_details = (
            real.groupby("PCN_ODS_CODE")["CCG_ODS_CODE"].agg(lambda c: sorted(set(c))[0]).reset_index()
        ).rename(columns={"PCN_ODS_CODE": "pcn_code", "CCG_ODS_CODE": "lead_commissioner"})

    sizes = _read_csv(root / v.list_sizes)
    sizes = sizes[(sizes["SEX"].str.upper() == "ALL") & (sizes["AGE"].str.upper() == "ALL")]
    if sizes["CODE"].duplicated().any():
        raise ValueError(f"{v.list_sizes}: a practice has two SEX=ALL/AGE=ALL rows")
    list_sizes = pd.Series(sizes["NUMBER_OF_PATIENTS"].astype(int).values, index=sizes["CODE"].values)
    list_size_ccg = pd.Series(sizes["CCG_CODE"].values, index=sizes["CODE"].values)
    extract_dates = set(sizes["EXTRACT_DATE"])
    if len(extract_dates) != 1:
        raise ValueError(f"{v.list_sizes}: {len(extract_dates)} EXTRACT_DATE values")
    list_size_date = dt.datetime.strptime(extract_dates.pop().upper(), "%d%b%Y").date()

    postcodes = _read_postcodes(root / v.postcodes)

    boundaries = _read_boundaries(root / v.boundaries)
    boundaries = boundaries[[v.area_field, "geometry"]].rename(columns={v.area_field: "area_code"})

    return {
        "vintage": v,
        "list_size_ccg": list_size_ccg,
        "list_size_date": list_size_date,
        "register": register,
        "pcn_details": pcn_details,
        "core_partners": core,
        "list_sizes": list_sizes,
        "postcodes": postcodes,
        "boundaries": boundaries,
    }


# --------------------------------------------------------------------------- rules


def _current_memberships(
    core: pd.DataFrame, as_of: dt.date, respect_dates: bool, open_ended_only: bool
) -> pd.DataFrame:
    """The core-partner rows that count as current.

    * ``respect_dates=True``: (start empty or start <= as_of) and (end empty or end >= as_of).
    * ``respect_dates=False``: every row, whatever its dates.
    * ``respect_dates=False, open_ended_only=True``: the rows without an end date, start ignored
      (what "end IS NULL OR end >= today" gives once every end date is in the past).
    """
    if respect_dates:
        if open_ended_only:
            raise ValueError("open_ended_only applies only when respect_dates=False")
        started = core["start"].map(lambda d: d is None or d <= as_of)
        not_ended = core["end"].map(lambda d: d is None or d >= as_of)
        return core[started & not_ended]
    if open_ended_only:
        return core[core["end"].isna()]
    return core


def _member_areas(
    members: pd.DataFrame, register: pd.DataFrame, postcodes: pd.DataFrame, boundaries: gpd.GeoDataFrame
) -> pd.DataFrame:
    """(pcn, practice, area_code) for every current member with a location inside some polygon."""
    reg_pc = pd.Series(_norm_postcode(register["postcode"]).values, index=register["organisation_code"].values)
    located = members[["pcn", "practice"]].copy()
    located["key"] = located["practice"].map(reg_pc)
    located = located.join(postcodes, on="key", how="inner")  # members without a location drop out
    points = gpd.GeoDataFrame(
        located[["pcn", "practice"]],
        geometry=gpd.points_from_xy(located["longitude"], located["latitude"]),
        crs=4326,
    )
    joined = gpd.sjoin(points, boundaries, how="inner", predicate="within")  # outside every polygon: dropped
    return pd.DataFrame(joined[["pcn", "practice", "area_code"]])


def _commissioners(raw: dict, current: pd.DataFrame) -> dict[str, str]:
    """Practice -> commissioner on ``as_of``: the statement of the file nearest the date (see the module
    docstring). The membership file speaks for the practices it lists (its own date is ``as_of``)."""
    v: Vintage = raw["vintage"]
    statements: dict[str, list[tuple]] = {}

    def add(codes, comms, day: dt.date, rank: int) -> None:
        key = (abs((day - v.as_of).days), day > v.as_of, rank)
        for code, comm in zip(codes.tolist(), comms.tolist(), strict=True):
            if comm:
                statements.setdefault(code, []).append((key, comm))

    register = raw["register"]
    add(register["organisation_code"], register["commissioner"], v.register_date, 0)
    # Of a practice's rows in the membership file, an open-ended one with the latest start speaks for it.
    stated = raw["core_partners"].assign(
        _open=raw["core_partners"]["end"].isna(),
        _start=raw["core_partners"]["start"].map(lambda d: d or dt.date.min),
    )
    stated = stated.sort_values(["practice", "_open", "_start"]).drop_duplicates("practice", keep="last")
    add(stated["practice"], stated["stated_commissioner"], v.as_of, 1)
    ccg = raw["list_size_ccg"]
    add(ccg.index, ccg, raw["list_size_date"], 2)
    return {code: min(found)[1] for code, found in statements.items()}


@lru_cache(maxsize=8)
def _commissioners_of(vintage: str, root: Path) -> dict[str, str]:
    """:func:`_commissioners` of a vintage, worked out once (it reads the raw files only, not the chosen rows)."""
    raw = load_raw(vintage, root)
    return _commissioners(raw, raw["core_partners"])


@lru_cache(maxsize=32)
def _compute_cached(
    vintage: str, root: Path, respect_dates: bool, open_ended_only: bool, active_members_only: bool
) -> dict:
    raw = load_raw(vintage, root)
    v: Vintage = raw["vintage"]
    register: pd.DataFrame = raw["register"]
    pcn_details: pd.DataFrame = raw["pcn_details"]

    # Practices in scope: those the file nearest the date says existed.
    if abs((v.register_date - v.as_of).days) <= REGISTER_NEAR_DAYS:
        practices_source = "register"
        active = register[(register["status_code"] == "A") & (register["prescribing_setting"].astype(int) == 4)]
        welsh = active["national_grouping"].str.upper().str.startswith("W")
        in_scope = set(active.loc[~welsh, "organisation_code"])
        out_of_scope = set(active.loc[welsh, "organisation_code"])
    elif abs((raw["list_size_date"] - v.as_of).days) <= LIST_SIZES_NEAR_DAYS:
        practices_source = "list_sizes"
        sizes_now = raw["list_sizes"]
        in_scope = set(sizes_now[sizes_now > 0].index)  # the England file: no other nation in it
        out_of_scope = set()
    else:  # pragma: no cover - every vintage here has one or the other
        practices_source = None
        in_scope, out_of_scope = set(), set()

    # Memberships current on as_of (or chosen by the alternative rules).
    current = _current_memberships(raw["core_partners"], v.as_of, respect_dates, open_ended_only)
    if active_members_only:
        current = current[current["practice"].isin(in_scope)]
    current = current[current["pcn"] != NO_NETWORK]  # "Unallocated": in no network
    current = current.drop_duplicates(["practice", "pcn"])

    orphaned = in_scope - set(current["practice"])
    per_practice = current.groupby("practice")["pcn"].nunique()
    multiply_assigned = set(per_practice[per_practice > 1].index)

    networks = set(pcn_details["pcn_code"])
    current = current[current["pcn"].isin(networks)]
    members_by_pcn: dict[str, set[str]] = {}
    for pcn, practice in zip(current["pcn"].tolist(), current["practice"].tolist(), strict=True):
        members_by_pcn.setdefault(pcn, set()).add(practice)
    members_by_pcn = dict(sorted(members_by_pcn.items()))  # in code order, as a groupby gives them
    empty = networks - set(members_by_pcn)

    # Populations: members without a list size add nothing.
    sizes = raw["list_sizes"].to_dict()
    populations = {pcn: int(sum(sizes.get(p, 0) for p in practices)) for pcn, practices in members_by_pcn.items()}
    undersized = {pcn for pcn, pop in populations.items() if pop < UNDERSIZED_BELOW}
    oversized = {pcn for pcn, pop in populations.items() if pop > OVERSIZED_ABOVE}
    median_population = float(statistics.median(populations.values())) if populations else float("nan")

    # Dominance: the largest member holds at least half of a (non-zero) population.
    dominated = set()
    for pcn, practices in members_by_pcn.items():
        known = [sizes[p] for p in practices if p in sizes]
        if populations[pcn] > 0 and max(known) / populations[pcn] >= DOMINANCE:
            dominated.add(pcn)

    # Administrative cross-boundary: member commissioners (the nearest file's statement) vs each other
    # and the lead.
    commissioner = _commissioners_of(vintage, root)
    lead = dict(zip(pcn_details["pcn_code"], pcn_details["lead_commissioner"], strict=True))
    cross_admin, members_disagree = set(), set()
    for pcn, practices in members_by_pcn.items():
        comms = {commissioner[p] for p in practices if p in commissioner}
        if len(comms) > 1:
            members_disagree.add(pcn)
        if len(comms) > 1 or any(c != lead[pcn] for c in comms):
            cross_admin.add(pcn)

    # The ePCN file's own flag, for comparison (same current rows as everything else).
    flag_false = current[current["practice_ccg_and_pcn_ccg_match"].str.lower() == "false"]
    cross_flag = set(flag_false["pcn"])

    # Member-location cross-boundary.
    areas = _member_areas(current, register, raw["postcodes"], raw["boundaries"])
    area_counts = areas.groupby("pcn")["area_code"].nunique()
    cross_location = set(area_counts[area_counts > 1].index)

    return {
        "as_of": v.as_of,
        "respect_dates": respect_dates,
        "open_ended_only": open_ended_only,
        "active_members_only": active_members_only,
        "networks": networks,
        "members": members_by_pcn,
        "in_scope_practices": in_scope,
        "out_of_scope_practices": out_of_scope,
        "practices_source": practices_source,
        "orphaned_practices": orphaned,
        "multiply_assigned_practices": multiply_assigned,
        "dominated_networks": dominated,
        "empty_networks": empty,
        "populations": populations,
        "median_population": median_population,
        "undersized_networks": undersized,
        "oversized_networks": oversized,
        "cross_boundary_administrative": cross_admin,
        "cross_boundary_member_commissioners": members_disagree,
        "cross_boundary_flag": cross_flag,
        "cross_boundary_member_location": cross_location,
    }


def compute(
    vintage: str,
    root: Path,
    respect_dates: bool = True,
    *,
    open_ended_only: bool = False,
    active_members_only: bool = False,
) -> dict:
    """Every oracle figure for ``vintage`` ("2019-20", "2020-21", "2022-01" or "2021-22") from the files under
    ``root``.

    Keys required by the tests: ``orphaned_practices``, ``out_of_scope_practices`` (ODS practice
    codes); ``cross_boundary_administrative``, ``cross_boundary_member_location``,
    ``undersized_networks``, ``oversized_networks``, ``empty_networks`` (PCN codes);
    ``populations`` (PCN -> int, networks with >= 1 current member); ``median_population``;
    ``as_of`` (datetime.date); ``multiply_assigned_practices``, ``dominated_networks``; ``practices_source``
    ('register' or 'list_sizes': which file said which practices existed).

    Extras: ``networks`` (every pcn_details code), ``members`` (PCN -> set of current member
    codes), ``in_scope_practices``; ``cross_boundary_member_commissioners`` (only the "members'
    commissioners take more than one value" half of the administrative rule);
    ``cross_boundary_flag`` (PCNs with a current row whose ePCN ``practice_ccg_and_pcn_ccg_match``
    is False); and the three option flags.

    Options (defaults follow the written rules):

    * ``respect_dates=False``: every core-partner row is current, whatever its dates.
    * ``open_ended_only=True`` (with ``respect_dates=False``): a row is current when it has no end
      date, start ignored.
    * ``active_members_only=True``: a network's members are only its in-scope active GP practices
      (by default every practice with a current row counts, whatever its register status).
    """
    if vintage not in VINTAGES:
        raise ValueError(f"unknown vintage {vintage!r}; expected one of {sorted(VINTAGES)}")
    result = _compute_cached(
        vintage, Path(root).resolve(), bool(respect_dates), bool(open_ended_only), bool(active_members_only)
    )
    return _copy(result)


def _copy(result: dict) -> dict:
    """A copy sharing nothing mutable with the cached result: sets (in dicts too) copied, the rest deep-copied."""

    def one(value):
        return set(value) if isinstance(value, set) else copy.deepcopy(value)

    return {k: {kk: one(vv) for kk, vv in v.items()} if isinstance(v, dict) else one(v) for k, v in result.items()}

"""Resolve scope once: (scenario, as_of, dataset, nation, extracts, boundary set, area, network).

Checks, maps, exports, prints and embeds all take one :class:`Scope` built here, and hand its
``values()`` to the repository queries, which read practice state through the fragments of
:mod:`geo_service.db.repositories.scope` only. A scenario is judged on:

* its ``as_of`` date (a membership is current when ``start <= as_of`` and ``end`` is null or ``>= as_of``);
* its dataset (``real`` or ``synthetic``): nothing of another dataset can enter its queries;
* its nation (England for the NHS England files): active GP practices of other nations are out of scope;
* the register, list-size and postcode extracts it is pinned to (set by the bundle that loaded it);
  unpinned, the extract of that kind nearest to ``as_of`` (preferring one on or before it);
* the practices known to exist on ``as_of`` (``practices_source``): the active GP practices of its register
  extract when that is dated within ``register_near_days`` (183 days) of ``as_of``; else the practices with
  registered patients in its list-size extract when that is within ``list_sizes_near_days`` (548 days, the
  stale-list-size limit); else none, and the orphan rule is *not judged* (``not_judged``);
* each practice's commissioner on ``as_of``: the nearest dated statement among every loaded file of the dataset
  that states one (registers, list-size files' CCG_CODE, membership files' own commissioner column);
* a boundary set: the one asked for, else the scenario's own default, else the set in force on ``as_of``
  at the level of its commissioners (the level whose areas hold most of its lead commissioners); an area
  that set lacks falls back to the newest set of the same dataset holding it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from geo_service.db.repositories import profiles as profiles_repo
from geo_service.db.repositories import scope as repo
from geo_service.errors import InvalidParameter, NotFound

log = logging.getLogger(__name__)

EXTRACT_KINDS = {"register": "practices", "list_sizes": "list_sizes", "locations": "postcodes"}
EXTRACT_LABELS = {"register": "register", "list_sizes": "list sizes", "locations": "locations"}
EXTRACT_COLUMNS = {
    "register": "register_extract_id",
    "list_sizes": "list_size_extract_id",
    "locations": "location_extract_id",
}
NATIONS = ("england", "wales", "scotland", "northern_ireland")
LEVEL_ORDER = ("ccg", "sub_icb", "icb", "region")


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_label(d: date | None) -> str:
    """'Dec 2019' whatever the machine's locale."""
    return f"{MONTHS[d.month - 1]} {d.year}" if d else "undated"


def day_label(d: date) -> str:
    """'4 Dec 2019' whatever the machine's locale."""
    return f"{d.day} {month_label(d)}"


@dataclass(frozen=True)
class Scope:
    scenario: dict
    as_of: date
    dataset: str
    nation: str
    extracts: dict[str, dict | None]  # register / list_sizes / locations → extract row or None
    extract_origin: dict[str, str]  # → 'pinned' or 'nearest'
    boundary_set: dict
    boundary_set_origin: str  # 'request', 'scenario', 'in force' or 'area' (the default lacked the area)
    area: dict | None = None
    network: dict | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    # 'register', 'list_sizes' or None: which file says which practices exist on as_of.
    practices_source: str | None = "register"
    # Rules (by rule key; 'cross_boundary_networks.member_location' for the location half of the cross-boundary
    # rule) that no loaded file can judge for this scope, with the reason in plain English. A rule listed here
    # must be shown as "not judged: <reason>", never as a count.
    not_judged: dict[str, str] = field(default_factory=dict)
    # Practice profile extracts (issue 25): 'payments', 'deprivation', 'age_bands' → extract row or None.
    profile_extracts: dict[str, dict | None] = field(default_factory=dict)
    # Which file says which practices offer extended hours: 'register', 'payments' or None (not judged).
    extended_hours_from: str | None = None

    def profile_extract_id(self, key: str) -> int | None:
        row = self.profile_extracts.get(key)
        return row["id"] if row else None

    def extract_id(self, key: str) -> int | None:
        row = self.extracts.get(key)
        return row["id"] if row else None

    def values(self) -> dict[str, Any]:
        """Bind values for the repository's scope fragments."""
        return {
            "scenario_id": self.scenario["id"],
            "as_of": self.as_of,
            "nation": self.nation,
            "dataset": self.dataset,
            "register_extract_id": self.extract_id("register"),
            "list_size_extract_id": self.extract_id("list_sizes"),
            "location_extract_id": self.extract_id("locations"),
            "bs_id": self.boundary_set["id"],
            "area_id": self.area["id"] if self.area else None,
            "area_ods": self.area["ods_code"] if self.area else None,
            "network_id": self.network["id"] if self.network else None,
            "payments_extract_id": self.profile_extract_id("payments"),
            "deprivation_extract_id": self.profile_extract_id("deprivation"),
            "age_band_extract_id": self.profile_extract_id("age_bands"),
            "hours_from_payments": self.extended_hours_from == "payments",
        }

    def key(self) -> tuple:
        """What a cached answer for this scope depends on (besides the data version)."""
        v = self.values()
        return tuple(sorted((k, str(x)) for k, x in v.items()))

    def data_line(self) -> str:
        """'as of 4 Dec 2019 · register Dec 2019 · list sizes Jan 2021 · locations Oct 2020 · boundaries Apr 2019'."""
        parts = [f"as of {day_label(self.as_of)}"]
        for key, label in EXTRACT_LABELS.items():
            row = self.extracts.get(key)
            parts.append(f"{label} {month_label(row['extract_date']) if row else 'none loaded'}")
        parts.append(f"boundaries {month_label(self.boundary_set.get('valid_from'))}")
        if self.practices_source == "list_sizes":
            row = self.extracts.get("list_sizes")
            parts.append(f"practices from list sizes {month_label(row['extract_date']) if row else ''}".rstrip())
        elif self.practices_source is None:
            parts.append("practices not judged")
        if self.dataset == "synthetic":
            parts.append("synthetic demo data")
        return " · ".join(parts)

    def practices_from(self) -> dict[str, Any]:
        """Which file decided which practices exist on the date, for the API."""
        key = {"register": "register", "list_sizes": "list_sizes"}.get(self.practices_source or "")
        row = self.extracts.get(key) if key else None
        return {
            "source": self.practices_source,
            "file": row["file_name"] if row else None,
            "extract_date": row["extract_date"].isoformat() if row and row["extract_date"] else None,
        }

    def describe(self) -> dict[str, Any]:
        """The scope as JSON for API responses."""

        def ext(key: str) -> dict | None:
            row = self.extracts.get(key)
            if not row:
                return None
            return {
                "id": row["id"],
                "file": row["file_name"],
                "extract_date": row["extract_date"].isoformat() if row["extract_date"] else None,
                "chosen": self.extract_origin[key],
            }

        return {
            "scenario": self.scenario["slug"],
            "as_of": self.as_of.isoformat(),
            "dataset": self.dataset,
            "nation": self.nation,
            "extracts": {k: ext(k) for k in EXTRACT_LABELS},
            "boundary_set": {
                "slug": self.boundary_set["slug"],
                "name": self.boundary_set["name"],
                "level": self.boundary_set["level"],
                "valid_from": self.boundary_set["valid_from"].isoformat(),
                "chosen": self.boundary_set_origin,
            },
            "practices_from": self.practices_from(),
            "commissioners_from": "the nearest dated statement among every loaded file that states one",
            "not_judged": dict(self.not_judged),
            "data_line": self.data_line(),
        }


def parse_date(name: str, raw: Any) -> date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise InvalidParameter(name, f"'{name}' must be a date like 2019-12-04, got '{raw}'.") from None


def resolve_extracts(conn, scen: dict, as_of: date) -> tuple[dict[str, dict | None], dict[str, str]]:
    """The pinned extracts, else the nearest by date (one SQL definition: ``scenario_extract``)."""
    ids = repo.scenario_extract_ids(conn, scen["id"], as_of)
    extracts: dict[str, dict | None] = {}
    origin: dict[str, str] = {}
    for key, kind in EXTRACT_KINDS.items():
        extracts[key] = repo.extract(conn, ids[kind]) if ids[kind] is not None else None
        origin[key] = "pinned" if scen.get(EXTRACT_COLUMNS[key]) is not None else "nearest"
    return extracts, origin


def judged_on(conn, as_of: date, extracts: dict[str, dict | None]) -> tuple[str | None, dict[str, str]]:
    """(which file says which practices exist on ``as_of``, the rules no loaded file can judge with why)."""
    source = repo.practice_source(conn, _id(extracts, "register"), _id(extracts, "list_sizes"), as_of)
    not_judged: dict[str, str] = {}
    if source is None:
        near = repo.nearness_days(conn)
        not_judged["orphaned_practices"] = (
            f"no register within {near['register']} days and no list-size file within {near['list_sizes']} days "
            f"of {day_label(as_of)} says which practices existed then"
        )
    if extracts.get("list_sizes") is None:
        reason = "no list-size file is loaded, so network populations are not known"
        for key in ("size_band", "dominance", "extended_hours_coverage"):
            not_judged[key] = reason
    if extracts.get("locations") is None:
        not_judged["cross_boundary_networks.member_location"] = (
            "no postcode file is loaded, so the members' locations are not known"
        )
    return source, not_judged


PROFILE_KINDS = ("payments", "deprivation", "age_bands")
# Financial years whose payments file says which practices offered extended hours: the practices paid under the
# Extended Hours Access DES. From July 2019 the service moved into the network contract (paid to networks), so
# later files hold only residual practice payments and cannot say it.
EXTENDED_HOURS_DES_YEARS = ("2019/20",)


def _financial_year_of(day: date) -> str:
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def extended_hours_source(
    conn, as_of: date, extracts: dict[str, dict | None], profiles: dict[str, dict | None]
) -> tuple[str | None, str | None]:
    """(which file says which practices offer extended hours on ``as_of``, else why none can)."""
    if profiles_repo.register_states_extended_hours(conn, _id(extracts, "register")):
        return "register", None
    year = _financial_year_of(as_of)
    paid = profiles.get("payments")
    if paid is not None and paid.get("financial_year") == year and year in EXTENDED_HOURS_DES_YEARS:
        return "payments", None
    if year in EXTENDED_HOURS_DES_YEARS:
        return None, (
            f"no payments file for {year} is loaded, so which practices were paid under the Extended Hours "
            "Access DES (offered extended hours) is not known"
        )
    return None, (
        f"the register does not say which practices offer extended hours, and the {year} payments cannot: "
        "from July 2019 extended hours moved from a practice DES into the network contract (paid to networks), "
        f"so only {', '.join(EXTENDED_HOURS_DES_YEARS)} payments name the practices that offered them"
    )


def _id(extracts: dict[str, dict | None], key: str) -> int | None:
    row = extracts.get(key)
    return row["id"] if row else None


def default_boundary_set(conn, scen: dict, as_of: date) -> tuple[dict | None, str]:
    """The scenario's own default, else the set in force on ``as_of`` at its commissioners' level."""
    if scen.get("boundary_set_id"):
        bs = repo.boundary_set_by_id(conn, scen["boundary_set_id"])
        if bs is not None:
            return bs, "scenario"
    candidates = repo.boundary_sets_in_force(conn, scen["dataset"], as_of, scen["id"])
    if not candidates:
        return None, "in force"

    def rank(bs: dict) -> tuple:
        level = LEVEL_ORDER.index(bs["level"]) if bs["level"] in LEVEL_ORDER else len(LEVEL_ORDER)
        return (bs["valid_from"] > as_of, -bs["leads_matched"], level, bs["slug"])

    return min(candidates, key=rank), "in force"


def resolve_scope(
    conn,
    scenario: str,
    boundary_set: str | None = None,
    area: str | None = None,
    network: str | None = None,
    as_of: Any = None,
) -> Scope:
    """The scope of a request, or NotFound / InvalidParameter naming what was wrong."""
    if not scenario:
        raise InvalidParameter("scenario", "A scenario slug is required.")
    scen = repo.scenario(conn, scenario.strip())
    if scen is None:
        raise NotFound(f"No scenario with slug '{scenario}'.", parameter="scenario")
    day = parse_date("as_of", as_of) or scen["as_of"]
    extracts, origin = resolve_extracts(conn, scen, day)
    practices_source, not_judged = judged_on(conn, day, extracts)
    profiles = {k: profiles_repo.nearest_profile_extract(conn, k, scen["dataset"], day) for k in PROFILE_KINDS}
    hours_from, hours_reason = extended_hours_source(conn, day, extracts, profiles)
    if hours_reason and "extended_hours_coverage" not in not_judged:
        not_judged["extended_hours_coverage"] = hours_reason
    if boundary_set:
        bs = repo.boundary_set(conn, boundary_set.strip())
        if bs is None:
            raise NotFound(f"No boundary set with slug '{boundary_set}'.", parameter="boundary_set")
        if bs["dataset"] != scen["dataset"]:
            raise InvalidParameter(
                "boundary_set",
                f"Boundary set '{bs['slug']}' belongs to the {bs['dataset']} dataset; scenario '{scen['slug']}' "
                f"is {scen['dataset']}.",
                allowed=[b["slug"] for b in repo.boundary_sets(conn, scen["dataset"])],
            )
        bs_origin = "request"
    else:
        bs, bs_origin = default_boundary_set(conn, scen, day)
        if bs is None:
            raise NotFound(
                f"No boundary set of the {scen['dataset']} dataset is loaded for scenario '{scen['slug']}'.",
                parameter="boundary_set",
            )
    area_row = None
    if area:
        code = area.strip()
        area_row = repo.area(conn, bs["id"], code)
        if area_row is None and bs_origin != "request":
            # Not in the default set: the newest set of the same dataset that holds the area.
            holding = repo.boundary_sets_with_area(conn, scen["dataset"], code)
            if holding:
                bs, bs_origin = holding[0], "area"
                area_row = repo.area(conn, bs["id"], code)
        if area_row is None:
            where = f"boundary set '{bs['slug']}'"
            if bs_origin != "request":
                where += f" or any other boundary set of the {scen['dataset']} dataset"
            raise NotFound(f"No area with ODS or GSS code '{code}' in {where}.", parameter="area")
    network_row = None
    if network:
        network_row = repo.network(conn, scen["id"], network.strip())
        if network_row is None:
            raise NotFound(f"No network with code '{network}' in scenario '{scen['slug']}'.", parameter="code")
    return Scope(
        scenario=scen,
        as_of=day,
        dataset=scen["dataset"],
        nation=scen["nation"],
        extracts=extracts,
        extract_origin=origin,
        boundary_set=bs,
        boundary_set_origin=bs_origin,
        area=area_row,
        network=network_row,
        practices_source=practices_source,
        not_judged=not_judged,
        profile_extracts=profiles,
        extended_hours_from=hours_from,
    )


def set_scenario(conn, scenario: str, **changes: Any) -> Scope:
    """Change a scenario's ``as_of``, nation, pinned extracts (ids; 0 or 'nearest' unpins) or default boundary
    set (slug; '' or 'in-force' unsets). Checks that extracts and boundary set are of the scenario's dataset."""
    scen = repo.scenario(conn, scenario)
    if scen is None:
        raise NotFound(f"No scenario with slug '{scenario}'.", parameter="scenario")
    update: dict[str, Any] = {}
    if changes.get("as_of") is not None:
        update["as_of"] = parse_date("as_of", changes["as_of"])
    if changes.get("nation") is not None:
        if changes["nation"] not in NATIONS:
            raise InvalidParameter("nation", f"'nation' must be one of {', '.join(NATIONS)}.", allowed=list(NATIONS))
        update["nation"] = changes["nation"]
    for key, kind in EXTRACT_KINDS.items():
        column = EXTRACT_COLUMNS[key]
        raw = changes.get(key)
        if raw is None:
            continue
        if str(raw).strip().lower() in ("", "0", "nearest"):
            update[column] = None
            continue
        try:
            extract_id = int(raw)
        except (TypeError, ValueError):
            raise InvalidParameter(key, f"'{key}' must be an extract id or 'nearest', got '{raw}'.") from None
        row = repo.extract(conn, extract_id)
        if row is None or row["dataset"] != scen["dataset"] or not repo.extract_holds(conn, extract_id, kind):
            allowed = [str(e["id"]) for e in repo.extracts(conn, scen["dataset"], kind)]
            raise InvalidParameter(
                key,
                f"Extract {raw} is not a {EXTRACT_LABELS[key]} extract of the {scen['dataset']} dataset.",
                allowed=allowed,
            )
        update[column] = extract_id
    if changes.get("boundary_set") is not None:
        slug = str(changes["boundary_set"]).strip()
        if slug in ("", "in-force"):
            update["boundary_set_id"] = None
        else:
            bs = repo.boundary_set(conn, slug)
            if bs is None or bs["dataset"] != scen["dataset"]:
                raise InvalidParameter(
                    "boundary_set",
                    f"No boundary set '{slug}' in the {scen['dataset']} dataset.",
                    allowed=[b["slug"] for b in repo.boundary_sets(conn, scen["dataset"])],
                )
            update["boundary_set_id"] = bs["id"]
    repo.set_scenario(conn, scen["id"], update)
    return resolve_scope(conn, scen["slug"])

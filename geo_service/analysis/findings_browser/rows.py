"""The engine's items as flat finding rows: one row per item, whose subject is the finding the item names first
under its own code, with its sentence, area, networks, commissioner, figure and map."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from geo_service.analysis import described, profiles, rules, service, wording
from geo_service.db.repositories import findings_browser as repo
from geo_service.scope import Scope


@dataclasses.dataclass(frozen=True)
class FindingRow:
    """One finding, flat: what the list, the map, CSV and GeoPackage show."""

    rule: str
    tier: str
    finding: str
    label: str
    subject: str  # practice, network or area
    code: str
    name: str | None
    sentence: str
    area_code: str | None
    area_name: str | None
    areas: tuple[str, ...]  # every area it lies in (the area filter)
    networks: tuple[tuple[str, str | None], ...]  # (code, name) of its networks (a network: itself)
    commissioner_code: str | None
    commissioner_name: str | None
    value: Any  # the rule's headline figure (list size, population, count...), for sorting
    value_text: str
    lon: float | None
    lat: float | None
    map_kind: str | None  # "network" or "area": the map that shows it
    map_code: str | None
    order: int  # position in the engine's report order
    # Issue 25: the subject's profile (a network's, or a practice's own; None for an area or without the data).
    deprivation: float | None = None  # IMD 2019 score, patient-weighted for a network
    share_aged_65_plus: float | None = None  # 0-1
    weighted_patients: float | None = None  # Global Sum weighted list
    extended_hours_paid_share: float | None = None  # share of patients at practices paid for extended hours

    def profile(self) -> dict[str, float | None]:
        return {k: getattr(self, k) for k in PROFILE_COLUMNS}

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "tier": self.tier,
            "finding": self.finding,
            "label": self.label,
            "subject": self.subject,
            "code": self.code,
            "name": self.name,
            "sentence": self.sentence,
            "area": {"code": self.area_code, "name": self.area_name} if self.area_code else None,
            "networks": [{"code": c, "name": n} for c, n in self.networks],
            "commissioner": (
                {"code": self.commissioner_code, "name": self.commissioner_name} if self.commissioner_code else None
            ),
            "figure": plain(self.value),
            "figure_text": self.value_text,
            "figure_label": figure_label(self.finding),
            "lon": self.lon,
            "lat": self.lat,
            "map": {"kind": self.map_kind, "code": self.map_code} if self.map_kind else None,
            "profile": self.profile(),
        }


# Profile columns of a finding row (issue 25), as the table, CSV, GeoPackage and GeoJSON name them: key -> header.
PROFILE_COLUMNS: dict[str, str] = {
    "deprivation": "Deprivation (IMD 2019)",
    "share_aged_65_plus": "Aged 65+",
    "weighted_patients": "Weighted patients",
    "extended_hours_paid_share": "Extended hours",
}


def profile_text(key: str, value: float | None) -> str:
    if value is None:
        return ""
    if key in ("share_aged_65_plus", "extended_hours_paid_share"):
        return f"{value * 100:.1f}%"
    if key == "weighted_patients":
        return f"{round(value):,}"
    return f"{value:.1f}"


def _profiles_of(conn, scope: Scope, codes: Mapping[str, set[str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(subject, code) -> profile columns, for the networks and practices the findings name."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    if codes.get("network"):
        for p in profiles.network_profiles(conn, scope):
            if p["code"] in codes["network"]:
                out[("network", p["code"])] = {k: p.get(k) for k in PROFILE_COLUMNS}
    if codes.get("practice"):
        for code, p in profiles.practice_values(conn, scope).items():
            if code in codes["practice"]:
                out[("practice", code)] = {k: p.get(k) for k in PROFILE_COLUMNS}
    return out


# ---- the engine, one tier at a time -----------------------------------------------------------------------


def run_rules(conn, scope: Scope, params: Mapping[str, Any] | None, wanted: Sequence[rules.Rule]) -> dict[str, Any]:
    """The engine's full result for the ``wanted`` rules only (only their SQL runs)."""
    return service.run_checks_in(conn, scope, dict(params or {}), "full", rule_keys=[r.key for r in wanted])


def rules_of(tier: str) -> tuple[rules.Rule, ...]:
    return tuple(rules.RULES) if tier == "all" else rules.of_tier(tier)


def _primary(rule: rules.Rule, item: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """The finding an item is about: the one naming the item's own code, else its first."""
    found = list(rule.findings([dict(item)]))
    if not found:
        return None
    own = str(item.get("code"))
    for subject, code, key in found:
        if str(code) == own:
            return subject, str(code), key
    subject, code, key = found[0]
    return subject, str(code), key


# What each finding's headline figure (``Rule.headline``) is, and how to write it: finding key -> (label, format).
FIGURES: dict[str, tuple[str, Callable[[Any], str]]] = {
    "orphaned": ("List size", wording.count),
    "undersized": ("Population", wording.count),
    "oversized": ("Population", wording.count),
    "dominated": ("Largest member's share", wording.percent),
    "extended_hours_gap": ("Patients covered", wording.percent),
    "multiply_assigned": ("Networks", wording.count),
    "cross_boundary_administrative": ("Commissioners", wording.count),
    "cross_boundary_member_location": ("Areas", wording.count),
    "overlapping": ("Overlap", wording.km2),
    "area_gap": ("Uncovered", wording.km2),
    "outside_network_polygon": ("Distance outside", wording.metres),
    "catchment_spill": ("Outside its main area", wording.percent),
    "unknown_list_sizes": ("Members without a list size", wording.count),
    "no_list_size": ("List size dated", wording.day),
    "stale_list_size": ("List size dated", wording.day),
    "no_location": ("List size dated", wording.day),
    "not_in_register": ("List size dated", wording.day),
}


def figure_label(finding: str) -> str:
    return FIGURES[finding][0] if finding in FIGURES else "Figure"


def _figure(finding: str, value: Any) -> str:
    if value is None or value == "" or finding == "empty":
        return ""
    if finding in FIGURES:
        text = FIGURES[finding][1](value)
        return "" if text == wording.NOT_KNOWN else text
    return _figure_text(value)


def _figure_text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return wording.day(value)
    if isinstance(value, str):
        try:
            return wording.day(dt.date.fromisoformat(value[:10])) if len(value) >= 10 and value[4] == "-" else value
        except ValueError:
            return value
    if isinstance(value, bool):
        return wording.yes_no(value)
    if isinstance(value, (int, float, Decimal)):
        v = float(value)
        if math.isfinite(v) and v == round(v):
            return wording.count(v)
        return f"{v:,.4g}" if abs(v) < 1 else f"{v:,.1f}"
    return str(value)


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def sort_value(value: Any) -> tuple[int, Any]:
    """Numbers and dates order among themselves; anything else after them, as text."""
    if isinstance(value, bool) or value is None:
        return (2, "")
    if isinstance(value, (int, float, Decimal)):
        return (0, float(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return (1, value.isoformat())
    return (1, str(value))


def build_rows(conn, scope: Scope, params: Mapping[str, Any] | None, tier: str) -> list[FindingRow]:
    """Every finding of the tier's rules in the (area-less) scope, as rows in the engine's report order."""
    wanted = rules_of(tier)
    result = run_rules(conn, scope, params, wanted)
    items = result["items"]
    run_params = result.get("parameters")
    names = described.names_for(conn, items, scope.boundary_set["id"])
    picked: list[tuple[rules.Rule, Mapping[str, Any], tuple[str, str, str]]] = []
    for r in wanted:
        for item in items.get(r.key, []):
            primary = _primary(r, item)
            if primary is not None:
                picked.append((r, item, primary))
    codes: dict[str, set[str]] = {"practice": set(), "network": set(), "area": set()}
    for _r, _item, (subject, code, _key) in picked:
        codes.setdefault(subject, set()).add(code)
    found = repo.subjects(
        conn, scope.values(), sorted(codes["practice"]), sorted(codes["network"]), sorted(codes["area"])
    )
    subjects = {(s["subject"], s["code"]): s for s in found}
    area_names = {a["code"]: a["name"] for a in repo.area_options(conn, scope.boundary_set["id"])}
    extra = {s["commissioner"] for s in found if s.get("commissioner")} - set(names)
    if extra:
        names = {**names, **described.names_for(conn, {"_": [{"commissioner_code": c} for c in extra]})}
    profile_of = _profiles_of(conn, scope, codes)
    rows: list[FindingRow] = []
    for order, (r, item, (subject, code, key)) in enumerate(picked):
        facts = subjects.get((subject, code)) or {}
        text = wording.describe(r.key, item, run_params, names)
        networks = _networks_of(subject, item, facts)
        commissioner = (
            item.get("commissioner_code")
            if subject == "practice" and item.get("commissioner_code")
            else item.get("lead_commissioner_code")
            if subject == "network" and item.get("lead_commissioner_code")
            else facts.get("commissioner")
        )
        area = facts.get("area")
        try:
            value = r.headline(dict(item))[1]
        except (KeyError, TypeError, IndexError):
            value = None
        map_kind, map_code = _map_of(subject, code, networks, area)
        rows.append(
            FindingRow(
                rule=r.key,
                tier=r.tier,
                finding=key,
                label=wording.label(key),
                subject=subject,
                code=code,
                name=item.get("name") if str(item.get("code")) == code else facts.get("name"),
                sentence=text.sentence,
                area_code=area,
                area_name=area_names.get(area) if area else None,
                areas=tuple(facts.get("areas") or ()),
                networks=networks,
                commissioner_code=commissioner,
                commissioner_name=names.get(commissioner) if commissioner else None,
                value=value,
                value_text=_figure(key, value),
                lon=facts.get("lon"),
                lat=facts.get("lat"),
                map_kind=map_kind,
                map_code=map_code,
                order=order,
                **(profile_of.get((subject, code)) or {}),
            )
        )
    return rows


def _networks_of(subject: str, item: Mapping[str, Any], facts: Mapping[str, Any]) -> tuple[tuple[str, str | None], ...]:
    if subject == "practice" and item.get("network_code"):
        return ((str(item["network_code"]), item.get("network_name")),)
    out = []
    for n in facts.get("networks") or []:
        out.append((str(n.get("code")), n.get("name")))
    return tuple(out)


def _map_of(subject: str, code: str, networks, area: str | None) -> tuple[str | None, str | None]:
    if subject == "network":
        return "network", code
    if subject == "area":
        return "area", code
    if len(networks) == 1:
        return "network", networks[0][0]
    return ("area", area) if area else (None, None)

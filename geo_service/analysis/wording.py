"""Findings and numbers written for people: one module so popups, pages, CSV, JSON and prints say the same.

How to call it::

    from geo_service.analysis import wording

    wording.patients(44168)      # "44,168 patients"   (None -> "not known")
    wording.count(44168)         # "44,168"
    wording.percent(0.5573)      # "55.7 %"            (a share 0..1, not a percentage)
    wording.km2(27_399_057)      # "27.4 km²"          (square metres in)
    wording.metres(1348.2)       # "1,348 m";  wording.km(12_345) -> "12.3 km"
    wording.day("2019-12-04")    # "4 Dec 2019"        (date, datetime or ISO text)
    wording.band(params)         # "30,000–50,000 patients" (params: CheckParameters, its dict, or None)

    text = wording.describe("size_band", item, params, names)
    text.sentence   # one plain sentence: what is wrong and what to do about it
    text.evidence   # [(label, value), ...] small table, names beside codes, numbers formatted
    text.as_dict()  # {"finding", "sentence", "evidence": [{"label", "value"}]} for JSON

``item`` is one row of ``result["items"][check]`` from the rule engine (``analysis.service.run_checks``).
``params`` are the run's parameters (``result["parameters"]``): the thresholds shown in the texts come
from there, or from ``analysis.parameters`` defaults when omitted, never from this module. ``names``
maps commissioner / area codes to names (``analysis.described.names_for(conn, items)`` builds it), so a
commissioner reads "NHS West Kent CCG (99J)" rather than "99J". ``describe_result(result, names)`` gives
every item of a checks result at once; ``label(key)`` the short label of a finding key.

Texts are plain strings, never HTML: templates escape them (Jinja autoescape), so a practice named
``<img src=x onerror=alert(1)>`` shows as text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from geo_service.analysis.parameters import SPECS, CheckParameters

NOT_KNOWN = "not known"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# ---- numbers and dates ----------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return None


def count(n: Any) -> str:
    """A whole number with thousands separators: 44168 -> "44,168"."""
    v = _number(n)
    return NOT_KNOWN if v is None else f"{round(v):,}"


def patients(n: Any) -> str:
    """A population: 44168 -> "44,168 patients" (1 -> "1 patient")."""
    v = _number(n)
    if v is None:
        return NOT_KNOWN
    return f"{round(v):,} patient{'' if round(v) == 1 else 's'}"


def plural(n: int, one: str, many: str | None = None) -> str:
    """ "1 practice", "3 practices"."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def percent(share: Any, digits: int = 1) -> str:
    """A share 0..1 as a percentage: 0.5573 -> "55.7 %"; 0.5 -> "50.0 %"."""
    v = _number(share)
    if v is None:
        return NOT_KNOWN
    if 0 < v * 100 < 0.5 * 10**-digits:
        return f"under {10**-digits:.{digits}f} %"
    return f"{v * 100:.{digits}f} %"


def km2(m2: Any) -> str:
    """Square metres as square kilometres: 27399057 -> "27.4 km²" (small areas in hectares or m²)."""
    v = _number(m2)
    if v is None:
        return NOT_KNOWN
    if v >= 100_000:
        return f"{v / 1e6:,.1f} km²"
    if v >= 10_000:
        return f"{v / 1e4:,.1f} ha"
    return f"{round(v):,} m²"


def metres(m: Any) -> str:
    """A distance: 1348.2 -> "1,348 m"; from 10 km up, kilometres."""
    v = _number(m)
    if v is None:
        return NOT_KNOWN
    return km(v) if v >= 10_000 else f"{round(v):,} m"


def km(m: Any) -> str:
    """Metres as kilometres: 12345 -> "12.3 km"."""
    v = _number(m)
    return NOT_KNOWN if v is None else f"{v / 1000:,.1f} km"


def day(value: Any) -> str:
    """A date as people write it: 2019-12-04 -> "4 Dec 2019"."""
    if value is None or value == "":
        return NOT_KNOWN
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    return str(value)


def yes_no(value: Any) -> str:
    """True/False/None as "yes" / "no" / "not known"."""
    return NOT_KNOWN if value is None else ("yes" if value else "no")


# ---- thresholds -----------------------------------------------------------------------------------------


def _param(params: Any, name: str) -> Any:
    if params is None:
        return SPECS[name].kind(SPECS[name].default)
    if isinstance(params, CheckParameters):
        return getattr(params, name)
    value = params.get(name)
    return SPECS[name].kind(SPECS[name].default) if value is None else value


def band(params: Any = None) -> str:
    """The population band: "30,000–50,000 patients"."""
    return f"{count(_param(params, 'min'))}–{count(_param(params, 'max'))} patients"


def _extended_hours_threshold(share: float) -> str:
    if share >= 1:
        return "every member practice offers extended hours (all patients covered)"
    return f"practices offering extended hours hold at least {percent(share, 0)} of the patients"


def thresholds(params: Any = None) -> list[tuple[str, str]]:
    """The thresholds the checks used, as (label, value) rows to show beside findings."""
    return [
        ("Population band", band(params)),
        ("Dominant practice", f"holds at least {percent(_param(params, 'dominance'), 0)} of the patients"),
        ("Extended hours", _extended_hours_threshold(_param(params, "extended_hours"))),
        ("Catchment spill allowed", percent(_param(params, "cross_boundary_tolerance"), 0)),
        ("List size out of date after", plural(int(_param(params, "stale_days")), "day")),
    ]


# ---- names beside codes ---------------------------------------------------------------------------------


def named(code: Any, name: Any = None, names: Mapping[str, str] | None = None) -> str:
    """ "NHS West Kent CCG (99J)"; the code alone when no name is known; "not known" for no code."""
    if code in (None, ""):
        return name or NOT_KNOWN
    # The name in force on the scope's date (``names``) wins, so that a code has one name on a page.
    name = (names or {}).get(str(code)) or name
    return f"{name} ({code})" if name and name != code else str(code)


def listing(values: Iterable[str], limit: int = 5) -> str:
    """ "A, B and C"; "A, B, C, D, E and 3 more" past ``limit``."""
    values = [v for v in values if v]
    if not values:
        return "none"
    if len(values) > limit:
        return ", ".join(values[:limit]) + f" and {len(values) - limit:,} more"
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def _codes(value: Any) -> list[str]:
    """A list of practice codes or of {code, name} objects, as display strings."""
    out = []
    for v in value or []:
        if isinstance(v, Mapping):
            out.append(named(v.get("code"), v.get("name")))
        elif v:
            out.append(str(v))
    return out


# ---- findings -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingText:
    """What a person reads about one finding: a sentence and a small evidence table."""

    finding: str  # the finding key (machine), e.g. "undersized"
    sentence: str
    evidence: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "finding": self.finding,
            "sentence": self.sentence,
            "evidence": [{"label": k, "value": v} for k, v in self.evidence],
        }

    def evidence_text(self) -> str:
        """The evidence on one line ("Population: 27,412 patients; Members: 3"), for CSV cells and prints."""
        return "; ".join(f"{k}: {v}" for k, v in self.evidence)


def _subject(item: Mapping) -> str:
    return named(item.get("code"), item.get("name"))


def _orphaned(item, params, names) -> FindingText:
    area = named(item.get("area_ods_code") or item.get("area_gss_code"), item.get("area_name"), names)
    where = f" in {item['area_name']}" if item.get("area_name") else ""
    return FindingText(
        "orphaned",
        f"{_subject(item)} is not in any network: add it to a network{where}.",
        [
            ("Practice", _subject(item)),
            ("Postcode", item.get("postcode") or NOT_KNOWN),
            ("Commissioner", named(item.get("commissioner_code"), None, names)),
            ("List size", patients(item.get("list_size"))),
            ("Located in", area),
        ],
    )


def _multiply(item, params, names) -> FindingText:
    nets = _codes(item.get("networks"))
    return FindingText(
        "multiply_assigned",
        f"{_subject(item)} is a current member of {plural(len(nets), 'network')} ({listing(nets)}): "
        "keep it in one network and end its other memberships.",
        [
            ("Practice", _subject(item)),
            ("Commissioner", named(item.get("commissioner_code"), None, names)),
            ("Networks", listing(nets, 10)),
        ],
    )


def _empty(item, params, names) -> FindingText:
    return FindingText(
        "empty",
        f"{_subject(item)} has no current member: close the network or add practices to it.",
        [("Network", _subject(item)), ("Lead commissioner", named(item.get("lead_commissioner_code"), None, names))],
    )


def _cross_boundary(item, params, names) -> FindingText:
    lead = named(item.get("lead_commissioner_code"), None, names)
    if item.get("kind") == "member_location":
        areas = item.get("member_areas") or []
        parts = [
            f"{named(a.get('area_ods_code') or a.get('area_gss_code'), a.get('area_name'), names)}: "
            f"{plural(int(a.get('practice_count') or 0), 'practice')}, {patients(a.get('list_size'))}"
            for a in areas
        ]
        main = areas[0].get("area_name") if areas else None
        return FindingText(
            "cross_boundary_member_location",
            f"{_subject(item)} has members in {plural(len(areas), 'area')}: agree which area it plans with"
            + (f" ({main} holds most of its patients)" if main else "")
            + " or move the practices elsewhere into a network there.",
            [("Network", _subject(item)), ("Lead commissioner", lead)]
            + [(f"Area {i + 1}", p) for i, p in enumerate(parts)],
        )
    commissioners = [named(c, None, names) for c in item.get("commissioner_codes") or []]
    differing = [
        f"{named(m.get('code'), m.get('name'))}: {named(m.get('commissioner_code'), None, names)}"
        for m in item.get("members") or []
    ]
    return FindingText(
        "cross_boundary_administrative",
        f"{_subject(item)} has members commissioned by {plural(len(commissioners), 'commissioner')} "
        f"({listing(commissioners)}) and its lead commissioner is {lead}: agree one lead commissioner with the "
        "others, or move the members commissioned elsewhere.",
        [("Network", _subject(item)), ("Lead commissioner", lead), ("Commissioners", listing(commissioners, 10))]
        + ([("Members commissioned elsewhere", listing(differing, 10))] if differing else []),
    )


def _size_band(item, params, names) -> FindingText:
    unknown = int(item.get("unknown_list_sizes") or 0)
    lower = f" (at least: {plural(unknown, 'member')} without a list size)" if unknown else ""
    pop = patients(item.get("population"))
    if item.get("finding") == "undersized":
        sentence = (
            f"{_subject(item)} has {pop}{lower}, under the {count(_param(params, 'min'))} minimum: merge it with "
            "a neighbouring network or add practices."
        )
    else:
        sentence = (
            f"{_subject(item)} has {pop}{lower}, over the {count(_param(params, 'max'))} maximum: split it into "
            "two networks or move practices to a neighbouring network."
        )
    rows = [
        ("Network", _subject(item)),
        ("Population", pop),
        ("Band", band(params)),
        ("Members", count(item.get("member_count"))),
    ]
    if unknown:
        rows.append(("Members without a list size", listing(_codes(item.get("unknown_list_size_practices")), 10)))
    if item.get("lead_commissioner_code"):
        rows.append(("Lead commissioner", named(item["lead_commissioner_code"], None, names)))
    return FindingText(item.get("finding") or "undersized", sentence, rows)


def _dominance(item, params, names) -> FindingText:
    largest = named(item.get("largest_practice_code"), item.get("largest_practice_name"))
    share = percent(item.get("largest_share"))
    return FindingText(
        "dominated",
        f"In {_subject(item)}, {largest} holds {share} of the patients, at or over the "
        f"{percent(_param(params, 'dominance'), 0)} dominance threshold: check the other members have a fair say, "
        "or add practices to balance the network.",
        [
            ("Network", _subject(item)),
            ("Largest practice", largest),
            ("Its list size", patients(item.get("largest_list_size"))),
            ("Its share", share),
            ("Network population", patients(item.get("population"))),
            ("Other members", f"{count(item.get('rest_member_count'))} with {patients(item.get('rest_population'))}"),
            ("Threshold", percent(_param(params, "dominance"), 0)),
        ],
    )


def _extended_hours(item, params, names) -> FindingText:
    coverage = item.get("coverage")
    not_offering = _codes(item.get("practices_not_offering"))
    unknown = _codes(item.get("practices_offer_unknown"))
    return FindingText(
        "extended_hours_gap",
        f"In {_subject(item)}, {percent(coverage) if coverage is not None else 'an unknown share'} of patients "
        f"are at practices offering extended hours, under the {percent(_param(params, 'extended_hours'), 0)} "
        "expected: arrange extended hours for the patients of the members that do not offer them.",
        [
            ("Network", _subject(item)),
            (
                "Patients covered",
                f"{patients(item.get('covered_population'))} of {patients(item.get('known_hours_population'))}",
            ),
            ("Coverage", percent(coverage)),
            ("Threshold", percent(_param(params, "extended_hours"), 0)),
            ("Members not offering", listing(not_offering, 10)),
        ]
        + ([("Members whose offer is not known", listing(unknown, 10))] if unknown else []),
    )


def _geometry(item, params, names) -> FindingText:
    kind = item.get("kind")
    subject = _subject(item)
    if kind == "overlap":
        other = named(item.get("other_code"), item.get("other_name"))
        return FindingText(
            "overlapping",
            f"The polygons of {subject} and {other} overlap by {km2(item.get('overlap_m2'))}: redraw the "
            "boundary between them so each place belongs to one network.",
            [
                ("Network", subject),
                ("Overlapping network", other),
                ("Overlap", km2(item.get("overlap_m2"))),
                ("Share of this network", percent(item.get("share_of_network"))),
                ("Share of the other", percent(item.get("share_of_other"))),
            ],
        )
    if kind == "member_outside_polygon":
        net = named(item.get("network_code"), item.get("network_name"))
        return FindingText(
            "outside_network_polygon",
            f"{subject} lies {metres(item.get('distance_m'))} outside the polygon of its network {net}: "
            "redraw the polygon to take it in, or check the practice's postcode.",
            [("Practice", subject), ("Network", net), ("Distance outside", metres(item.get("distance_m")))],
        )
    if kind == "area_gap":
        return FindingText(
            "area_gap",
            f"{km2(item.get('gap_m2'))} of {subject} ({percent(item.get('share_of_area'))}) is covered by no "
            "network polygon: extend the neighbouring networks' polygons to cover it.",
            [
                ("Area", subject),
                ("Uncovered", km2(item.get("gap_m2"))),
                ("Share of the area", percent(item.get("share_of_area"))),
                ("Separate parts", count(item.get("gap_parts"))),
            ],
        )
    if kind == "catchment_spill":
        shares = [
            f"{named(a.get('area_ods_code') or a.get('area_gss_code'), a.get('area_name'), names)}: "
            f"{percent(a.get('share'))}"
            for a in item.get("polygon_areas") or []
        ]
        return FindingText(
            "catchment_spill",
            f"{percent(item.get('share_outside_main_area'))} of the polygon of {subject} lies outside its main "
            f"area, more than the {percent(_param(params, 'cross_boundary_tolerance'), 0)} allowed: check the "
            "polygon follows the area boundary.",
            [
                ("Network", subject),
                ("Outside its main area", percent(item.get("share_outside_main_area"))),
                ("Allowed", percent(_param(params, "cross_boundary_tolerance"), 0)),
                ("Areas it covers", listing(shares, 10)),
            ],
        )
    return FindingText(
        "invalid_polygon",
        f"The polygon of {subject} was invalid and was made valid on import: check its shape in the source file.",
        [("Network", subject)],
    )


_GAP_SENTENCES = {
    "no_location": "has no location (its postcode is not in the postcode extract): check its postcode",
    "no_list_size": "has no list size in the list-size extract: its patients are not counted",
    "stale_list_size": "has a list size older than {stale} before the scenario's date: use a newer list-size extract",
    "not_in_register": "is a member but is missing from the register extract: check its ODS code",
}


def _data_gap(item, params, names) -> FindingText:
    kind = item.get("kind") or "no_location"
    what = _GAP_SENTENCES.get(kind, "has a data gap").format(stale=plural(int(_param(params, "stale_days")), "day"))
    return FindingText(
        kind,
        f"{_subject(item)} {what}.",
        [
            ("Practice", _subject(item)),
            ("Postcode", item.get("postcode") or NOT_KNOWN),
            ("List size dated", day(item.get("list_size_date"))),
        ],
    )


def _unknown_sizes(item, params, names) -> FindingText:
    unknown = int(item.get("unknown_list_sizes") or 0)
    return FindingText(
        "unknown_list_sizes",
        f"{_subject(item)} has {plural(unknown, 'member')} without a list size, so its population of "
        f"{patients(item.get('known_population'))} is a lower bound: find their list sizes before judging its size.",
        [
            ("Network", _subject(item)),
            ("Known population", patients(item.get("known_population"))),
            ("Members", count(item.get("member_count"))),
            ("Without a list size", listing(_codes(item.get("unknown_list_size_practices")), 10)),
        ],
    )


_BY_CHECK = {
    "orphaned_practices": _orphaned,
    "multiply_assigned_practices": _multiply,
    "empty_networks": _empty,
    "cross_boundary_networks": _cross_boundary,
    "size_band": _size_band,
    "dominance": _dominance,
    "extended_hours_coverage": _extended_hours,
    "geometry": _geometry,
    "data_gaps": _data_gap,
    "unknown_list_sizes": _unknown_sizes,
}


def describe(check: str, item: Mapping[str, Any], params: Any = None, names: Mapping[str, str] | None = None):
    """One finding (an item of ``result["items"][check]``) as a sentence and an evidence table."""
    build = _BY_CHECK.get(check)
    if build is None:
        return FindingText(check, f"{_subject(item)}: {label(check)}.", [])
    return build(item, params, names or {})


def describe_result(result: Mapping[str, Any], names: Mapping[str, str] | None = None) -> dict[str, list[FindingText]]:
    """Every item of a checks result described, per check, in the result's order."""
    params = result.get("parameters")
    return {
        check: [describe(check, item, params, names) for item in rows]
        for check, rows in (result.get("items") or {}).items()
    }


def commissioner_codes(items: Mapping[str, list[Mapping]]) -> set[str]:
    """The commissioner and area codes the descriptions of these items would show, to look their names up."""
    found: set[str] = set()
    for rows in items.values():
        for r in rows:
            for key in ("commissioner_code", "lead_commissioner_code", "area_ods_code"):
                if r.get(key):
                    found.add(str(r[key]))
            found.update(str(c) for c in r.get("commissioner_codes") or [] if c)
            for m in r.get("members") or []:
                if isinstance(m, Mapping) and m.get("commissioner_code"):
                    found.add(str(m["commissioner_code"]))
    return found


def label(key: str) -> str:
    """A finding key's short label from the rule registry ("undersized" -> "Population below the minimum")."""
    from geo_service.analysis.findings import FINDING_LABELS

    return FINDING_LABELS.get(key) or key.replace("_", " ").capitalize()


def sentences_by_subject(
    result: Mapping[str, Any], names: Mapping[str, str] | None = None
) -> dict[str, dict[str, list[str]]]:
    """{"network" | "practice" | "area": {code: [sentences]}}: each finding's sentence under every network,
    practice or area it names (via the rules' ``findings``), for popups and panels."""
    from geo_service.analysis import rules

    params = result.get("parameters")
    out: dict[str, dict[str, list[str]]] = {"network": {}, "practice": {}, "area": {}}
    for rule in rules.RULES:
        for item in (result.get("items") or {}).get(rule.key, []):
            sentence = describe(rule.key, item, params, names).sentence
            for subject, code, _key in rule.findings([item]):
                said = out.setdefault(subject, {}).setdefault(code, [])
                if sentence not in said:
                    said.append(sentence)
    return out

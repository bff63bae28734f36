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

from geo_service.analysis import parameters
from geo_service.analysis.parameters import CheckParameters

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


# Nouns the pages count, plural -> singular (for a phrase that starts with one: "networks under 30,000 patients").
SINGULAR = {
    "networks": "network",
    "practices": "practice",
    "members": "member",
    "areas": "area",
    "findings": "finding",
    "patients": "patient",
    "plans": "plan",
    "scenarios": "scenario",
    "changes": "change",
    "edits": "edit",
}


def agree(n: Any, phrase: str) -> str:
    """A counted phrase whose first word is a plural noun, made to agree with ``n``:
    (1, "networks under 30,000 patients") -> "network under 30,000 patients"; any other ``n`` keeps it."""
    v = _number(n)
    head, sep, tail = phrase.partition(" ")
    if v is None or round(v) != 1 or head.lower() not in SINGULAR:
        return phrase
    one = SINGULAR[head.lower()]
    return (one.capitalize() if head[:1].isupper() else one) + sep + tail


def counted(n: Any, noun: str, many: str | None = None) -> str:
    """ "1 network", "1,204 networks", "not known networks" never: None -> "not known"."""
    v = _number(n)
    if v is None:
        return NOT_KNOWN
    return plural(round(v), noun, many)


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


def param(params: Any, name: str) -> Any:
    """A parameter's value in the run (``params``: CheckParameters, its dict, or None for the default)."""
    if params is None:
        return parameters.default(name)
    if isinstance(params, CheckParameters):
        return getattr(params, name)
    value = params.get(name)
    return parameters.default(name) if value is None else value


def band(params: Any = None) -> str:
    """The population band: "30,000–50,000 patients"."""
    return f"{count(param(params, 'min'))}–{count(param(params, 'max'))} patients"


def thresholds(params: Any = None) -> list[tuple[str, str]]:
    """The thresholds the checks used, as (label, value) rows to show beside findings: each rule's own
    (``Rule.thresholds``), in the registry's order."""
    from geo_service.analysis import rules

    return [row for rule in rules.RULES if rule.thresholds is not None for row in rule.thresholds(params)]


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


def codes(value: Any) -> list[str]:
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


def subject(item: Mapping) -> str:
    """The item's own code and name: "ABBEY COURT (G82103)"."""
    return named(item.get("code"), item.get("name"))


def describe(check: str, item: Mapping[str, Any], params: Any = None, names: Mapping[str, str] | None = None):
    """One finding (an item of ``result["items"][check]``) as a sentence and an evidence table: the rule's own
    words (``Rule.describe``), else its label."""
    from geo_service.analysis import rules

    rule = rules.BY_KEY.get(check)
    if rule is None or rule.describe is None:
        return FindingText(check, f"{subject(item)}: {label(check)}.", [])
    return rule.describe(item, params, names or {})


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

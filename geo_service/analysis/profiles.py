"""Network profiles (issue 25): registered and weighted population and their ratio, deprivation (patient-weighted
mean of the members' IMD 2019 scores, with its decile among England's networks), share aged 65 and over, rurality,
contract types, dispensing members, the share of patients at practices paid for extended hours, and what the
network was paid in the year per registered and per weighted patient. Every figure names its source file and date.

Numbers come from the scope's profile extracts (``Scope.profile_extracts``); no Flask here."""

from __future__ import annotations

from typing import Any

from geo_service.db.repositories import profiles as repo
from geo_service.scope import Scope

IMD_YEAR = 2019

# Figures of a profile, in the order pages and exports show them: key → (label, which extract it comes from).
FIGURES: dict[str, tuple[str, str]] = {
    "registered_patients": ("Registered patients", "payments"),
    "weighted_patients": ("Weighted patients (Global Sum)", "payments"),
    "weighted_ratio": ("Weighted / registered", "payments"),
    "deprivation": ("Deprivation (IMD 2019 score, patient-weighted)", "deprivation"),
    "deprivation_decile": ("Deprivation decile among networks (1 = most deprived)", "deprivation"),
    "share_aged_65_plus": ("Share aged 65 and over", "age_bands"),
    "rural_members": ("Rural members", "payments"),
    "contract_types": ("Contract types (GMS / PMS / APMS)", "payments"),
    "dispensing_members": ("Dispensing members", "payments"),
    "extended_hours_paid_share": ("Patients at practices paid for extended hours", "payments"),
    "network_payments": ("Network payments in the year", "payments"),
    "payments_per_registered": ("Network payments per registered patient", "payments"),
    "payments_per_weighted": ("Network payments per weighted patient", "payments"),
}


def sources(scope: Scope) -> dict[str, dict[str, Any] | None]:
    """Per source kind: its file, date and a line a person reads ("payments_2019-20.csv, 2019/20")."""
    out: dict[str, dict[str, Any] | None] = {}
    for kind in ("payments", "deprivation", "age_bands"):
        row = scope.profile_extracts.get(kind)
        if row is None:
            out[kind] = None
            continue
        when = row.get("financial_year") or (row["extract_date"].isoformat() if row.get("extract_date") else "")
        label = {
            "payments": "NHS Payments to General Practice",
            "deprivation": f"IMD {IMD_YEAR} score of registered patients (Fingertips 93553)",
            "age_bands": "Patients registered at a GP practice by age",
        }[kind]
        out[kind] = {
            "file": row["file_name"],
            "date": row["extract_date"].isoformat() if row.get("extract_date") else None,
            "line": f"{label}: {row['file_name']}, {when}",
        }
    return out


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (int, str, bool)):
        return value
    return float(value)


def network_profiles(conn, scope: Scope) -> list[dict[str, Any]]:
    """One profile per network of the scope (one network when the scope names it): flat figures."""
    rows = repo.network_profiles(conn, scope.values(), IMD_YEAR)
    out = []
    for r in rows:
        out.append(
            {
                "code": r["code"],
                "name": r["name"],
                "members": r["members"],
                "members_paid": r["members_paid"],
                "registered_patients": _plain(r["registered_patients"]),
                "weighted_patients": _plain(r["weighted_patients"]),
                "weighted_ratio": _plain(r["weighted_ratio"]),
                "deprivation": _plain(r["deprivation"]),
                "deprivation_decile": r["deprivation_decile"],
                "share_aged_65_plus": _plain(r["share_aged_65_plus"]),
                "rural_members": r["rural_members"],
                "urban_members": r["urban_members"],
                "gms_members": r["gms_members"],
                "pms_members": r["pms_members"],
                "apms_members": r["apms_members"],
                "dispensing_members": r["dispensing_members"],
                "extended_hours_paid_share": _plain(r["extended_hours_paid_share"]),
                "network_payments": _plain(r["network_payments"]),
                "payments_per_registered": _plain(r["payments_per_registered"]),
                "payments_per_weighted": _plain(r["payments_per_weighted"]),
            }
        )
    return out


def _text(key: str, p: dict[str, Any]) -> str:
    v = p.get(key)
    if key == "contract_types":
        return f"{p['gms_members']} / {p['pms_members']} / {p['apms_members']}"
    if key == "rural_members":
        return f"{p['rural_members']} of {p['members']} ({p['urban_members']} urban)"
    if key == "dispensing_members":
        return f"{v} of {p['members']}"
    if v is None:
        return "not known"
    if key in ("registered_patients", "weighted_patients"):
        return f"{round(v):,}"
    if key in ("share_aged_65_plus", "extended_hours_paid_share"):
        return f"{v * 100:.1f}%"
    if key == "network_payments":
        return f"£{v:,.0f}"
    if key in ("payments_per_registered", "payments_per_weighted"):
        return f"£{v:,.2f}"
    if key == "weighted_ratio":
        return f"{v:.3f}"
    if key == "deprivation":
        return f"{v:.1f}"
    return str(v)


def figures(profile: dict[str, Any], src: dict[str, dict | None]) -> list[dict[str, str]]:
    """The profile as rows a person reads: label, value, source line."""
    rows = []
    for key, (label, kind) in FIGURES.items():
        s = src.get(kind)
        rows.append(
            {
                "key": key,
                "label": label,
                "value": _text(key, profile) if s else "not known (no file loaded)",
                "source": s["line"] if s else "none loaded",
            }
        )
    return rows


def network_profile(conn, scope: Scope) -> dict[str, Any] | None:
    """The scope's network's profile with its figures and sources (None without a network in scope)."""
    if scope.network is None:
        return None
    rows = network_profiles(conn, scope)
    if not rows:
        return None
    src = sources(scope)
    return {**rows[0], "figures": figures(rows[0], src), "sources": src}


# ---- practices and areas ----------------------------------------------------------------------------------------

# Figures of a practice's or an area's profile (those that make sense for a list of practices), with their source.
PLACE_FIGURES: dict[str, tuple[str, str]] = {
    "registered_patients": ("Registered patients", "payments"),
    "weighted_patients": ("Weighted patients (Global Sum)", "payments"),
    "weighted_ratio": ("Weighted / registered", "payments"),
    "deprivation": ("Deprivation (IMD 2019 score of registered patients)", "deprivation"),
    "deprivation_decile": ("Deprivation decile among England's practices (1 = most deprived)", "deprivation"),
    "share_aged_65_plus": ("Share aged 65 and over", "age_bands"),
    "extended_hours_paid_share": ("Patients at practices paid for extended hours", "payments"),
    "payments_per_registered": ("Network payments per registered patient", "payments"),
}


def _ratio(a, b) -> float | None:
    return None if a is None or not b else float(a) / float(b)


def _aggregate(rows: list[dict]) -> dict[str, Any]:
    """Registered-patient-weighted figures over practice fact rows (a practice's own figures when one row)."""
    paid = [r for r in rows if r["registered_patients"] is not None]
    reg = sum(float(r["registered_patients"]) for r in paid) if paid else None
    wtd = sum(float(r["weighted_patients"] or 0) for r in paid) if paid else None
    scored = [r for r in paid if r["deprivation"] is not None]
    # Without a payments row a practice's score still stands on its own (weighted by nothing).
    if len(rows) == 1 and rows[0]["deprivation"] is not None and not scored:
        dep = float(rows[0]["deprivation"])
    else:
        dep = _ratio(
            sum(float(r["deprivation"]) * float(r["registered_patients"]) for r in scored),
            sum(float(r["registered_patients"]) for r in scored),
        )
    aged = [r for r in rows if r["age_total"] is not None]
    return {
        "practices": len(rows),
        "practices_paid": len(paid),
        "registered_patients": reg,
        "weighted_patients": wtd,
        "weighted_ratio": _ratio(wtd, reg),
        "deprivation": round(dep, 2) if dep is not None else None,
        "share_aged_65_plus": _ratio(sum(r["aged_65_plus"] for r in aged), sum(r["age_total"] for r in aged))
        if aged
        else None,
        "extended_hours_paid_share": _ratio(
            sum(float(r["registered_patients"]) for r in paid if (r["extended_hours_paid"] or 0) > 0), reg
        ),
    }


def _place_figures(profile: dict[str, Any], src: dict[str, dict | None]) -> list[dict[str, str]]:
    rows = []
    for key, (label, kind) in PLACE_FIGURES.items():
        s = src.get(kind)
        if key not in profile:
            continue
        rows.append(
            {
                "key": key,
                "label": label,
                "value": _text(key, profile) if s else "not known (no file loaded)",
                "source": s["line"] if s else "none loaded",
            }
        )
        if s and key == "payments_per_registered" and profile.get(key) is None:
            rows[-1]["value"] = "none paid to networks that year"
    return rows


def practice_profile(conn, scope: Scope, code: str, network: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The profile of the practice ``code`` in the scope, or None when the scope has no state for it.

    Keys: ``code``, ``name``; ``registered_patients`` and ``weighted_patients`` (the payments file's last known
    figures, None when the practice is not in it), ``weighted_ratio``; ``deprivation`` (IMD 2019 score of its
    registered patients) and ``deprivation_decile`` (1–10 among England's practices, 1 = most deprived);
    ``share_aged_65_plus`` (0–1); ``extended_hours_paid`` (bool: paid under the Extended Hours Access DES that
    year; None when not in the payments file); ``extended_hours_paid_share`` (1.0/0.0/None, as networks');
    ``contract_type`` (GMS/PMS/APMS), ``dispensing`` (bool), ``rurality`` (Urban/Rural); ``paid_pcn_code`` (the
    network it was paid under) and ``financial_year``; ``figures`` (rows of label, value, source for a page) and
    ``sources`` (per kind: file, date, line; None when no file of that kind is loaded). Numbers are floats.

    ``extended_hours_payment`` is the year's GP Extended Hours Access payment (None when not in the payments file).
    ``network``: the profile row (:func:`network_profiles`) of the practice's network in the scope, whose payments
    in the year the figures then state beside the practice's own (``network_payments``)."""
    rows = repo.practice_facts(conn, scope.values(), IMD_YEAR, code=code)
    if not rows:
        return None
    r = rows[0]
    out = {"code": r["code"], "name": r["name"], **_aggregate(rows)}
    out.pop("practices")
    out.pop("practices_paid")
    out["deprivation_decile"] = repo.deprivation_decile(
        conn, scope.profile_extract_id("deprivation"), IMD_YEAR, out["deprivation"]
    )
    out["extended_hours_paid"] = None if r["registered_patients"] is None else (r["extended_hours_paid"] or 0) > 0
    out["extended_hours_payment"] = None if r["registered_patients"] is None else float(r["extended_hours_paid"] or 0)
    out.update(
        {k: r[k] for k in ("contract_type", "dispensing", "rurality", "paid_pcn_code", "financial_year")},
    )
    if network is not None:
        out["network_payments"] = {
            k: network.get(k) for k in ("code", "name", "network_payments", "payments_per_registered")
        }
    src = sources(scope)
    rows = [f for f in _place_figures(out, src) if f["key"] != "extended_hours_paid_share"]
    return {**out, "figures": rows + _practice_figures(out, scope, src), "sources": src}


# What a practice has that a list of practices has not: its contract, dispensing, rurality, the year's extended hours
# payment, the network it was paid under and what its network was paid.
PRACTICE_FIGURES: dict[str, str] = {
    "contract_type": "Contract type",
    "dispensing": "Dispensing practice",
    "rurality": "Rurality",
    "extended_hours": "Extended hours (Extended Hours Access DES)",
    "paid_pcn_code": "Network it was paid under",
    "network_payments": "Its network's payments in the year",
}


def _practice_text(key: str, p: dict[str, Any], scope: Scope) -> str:
    if p["registered_patients"] is None:
        return "not in the payments file"
    year = p.get("financial_year") or ""
    if key == "contract_type":
        return p["contract_type"] or "not stated"
    if key == "dispensing":
        return {True: "Yes", False: "No"}.get(p["dispensing"], "not stated")
    if key == "rurality":
        return p["rurality"] or "not stated"
    if key == "paid_pcn_code":
        return p["paid_pcn_code"] or f"none in {year}"
    if key == "extended_hours":
        if scope.extended_hours_from != "payments":
            return "not judged: " + scope.not_judged.get("extended_hours_coverage", "no file says")
        if p["extended_hours_payment"]:
            return f"Offered: paid £{p['extended_hours_payment']:,.2f} under the DES in {year}"
        return f"Not offered: nothing paid under the DES in {year}"
    net = p.get("network_payments")
    if not net:
        return "in no network of this scenario"
    named = f"{net['name']} ({net['code']})"
    if not net["network_payments"]:
        why = " (network payments began in 2020/21)" if year < "2020/21" else ""
        return f"none paid to {named} in {year}{why}"
    per = net["payments_per_registered"]
    each = f", £{per:,.2f} per registered patient" if per is not None else ""
    return f"£{net['network_payments']:,.0f} to {named}{each}"


def _practice_figures(p: dict[str, Any], scope: Scope, src: dict[str, dict | None]) -> list[dict[str, str]]:
    s = src.get("payments")
    return [
        {
            "key": key,
            "label": label,
            "value": _practice_text(key, p, scope) if s else "not known (no file loaded)",
            "source": s["line"] if s else "none loaded",
        }
        for key, label in PRACTICE_FIGURES.items()
    ]


def practice_values(conn, scope: Scope) -> dict[str, dict[str, Any]]:
    """Per practice code of the scope (its area's when it names one): its own figures (deprivation, share 65+,
    weighted ratio, weighted and registered patients, extended-hours share 1.0/0.0), for maps and finding rows."""
    out = {}
    for r in repo.practice_facts(conn, scope.values(), IMD_YEAR):
        a = _aggregate([r])
        out[r["code"]] = {
            k: a[k]
            for k in (
                "deprivation",
                "share_aged_65_plus",
                "weighted_ratio",
                "weighted_patients",
                "registered_patients",
                "extended_hours_paid_share",
            )
        }
    return out


def area_profile(
    conn, scope: Scope, network_codes: set[str] | None = None, network_rows: list[dict] | None = None
) -> dict[str, Any] | None:
    """The scope's area's profile over the practices in the area (as the area checks count them): registered and
    weighted population and ratio, patient-weighted deprivation with its England decile, share 65+, extended-hours
    coverage, and network payments per registered patient of the area's networks (``network_codes``, e.g. the area
    checks' networks; by default those its practices were paid under); with sources. ``network_rows``: the scope's
    :func:`network_profiles` when the caller has them already."""
    if scope.area is None:
        return None
    rows = repo.practice_facts(conn, scope.values(), IMD_YEAR)
    out = _aggregate(rows)
    out["deprivation_decile"] = repo.deprivation_decile(
        conn, scope.profile_extract_id("deprivation"), IMD_YEAR, out["deprivation"]
    )
    codes = network_codes if network_codes is not None else {r["paid_pcn_code"] for r in rows if r["paid_pcn_code"]}
    nets = [
        p for p in (network_rows if network_rows is not None else network_profiles(conn, scope)) if p["code"] in codes
    ]
    paid = sum(p["network_payments"] or 0 for p in nets)
    out["network_payments"] = paid
    # None when no network was paid that year (2019/20: network payments began in 2020/21).
    out["payments_per_registered"] = _ratio(paid, sum(p["registered_patients"] or 0 for p in nets)) if paid else None
    src = sources(scope)
    return {**out, "figures": _place_figures(out, src), "sources": src}


def area_profile_rows(conn, scope: Scope) -> list[dict[str, Any]]:
    """Every area of the scope's boundary set with its practices' registered and weighted patients, ratio,
    patient-weighted deprivation and share 65+ (as :func:`area_profile` for one area, without sources)."""
    return [
        {k: (_plain(v) if k != "code" else v) for k, v in r.items()}
        for r in repo.area_profiles(conn, scope.values(), IMD_YEAR)
    ]

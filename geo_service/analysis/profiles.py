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

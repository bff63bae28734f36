"""Choose what the map shows (issue 25): colour networks and practices by a profile figure instead of by network.

Each measure has stated classes (fixed breaks, or quintiles of England's networks for payments, whose scale changes
every year) coloured with viridis, a sequential scale readable with every common colour-vision deficiency and in
grey. A feature without the figure is "no data": light grey, dashed, and a legend entry of its own. The figures
travel as a small ``pr`` property on the networks and practices features; ``static/js/colour_by.js`` restyles the
layers and draws the legend (classes, no data, and the source line: file and date). No Flask here.
"""

from __future__ import annotations

from typing import Any

from geo_service.analysis import profiles
from geo_service.scope import Scope

# viridis at five evenly spaced stops (low → high).
VIRIDIS_5 = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"]
NO_DATA = "#d9d9d9"

# key → (label, source kind, fixed breaks (None: quintiles of the scenario's networks), how values read, property)
MEASURES: dict[str, dict[str, Any]] = {
    "deprivation": {
        "label": "Deprivation (IMD 2019 score, patient-weighted; higher is more deprived)",
        "short": "Deprivation",
        "source": "deprivation",
        "breaks": [10, 15, 20, 30],
        "format": "score",
        "basis": "fixed breaks of the IMD 2019 score",
    },
    "share_aged_65_plus": {
        "label": "Share of patients aged 65 and over",
        "short": "Aged 65+",
        "source": "age_bands",
        "breaks": [0.10, 0.15, 0.20, 0.25],
        "format": "percent",
        "basis": "fixed breaks",
    },
    "weighted_ratio": {
        "label": "Weighted / registered patients (Global Sum weighting)",
        "short": "Weighted ratio",
        "source": "payments",
        "breaks": [0.9, 0.97, 1.03, 1.1],
        "format": "ratio",
        "basis": "fixed breaks",
    },
    "payments_per_registered": {
        "label": "Network payments per registered patient",
        "short": "Payments per patient",
        "source": "payments",
        "breaks": None,
        "format": "pounds",
        "basis": "quintiles of the scenario's networks",
    },
}


def _fmt(value: float, how: str) -> str:
    if how == "percent":
        return f"{value * 100:.0f}%"
    if how == "pounds":
        return f"£{value:,.2f}"
    if how == "ratio":
        return f"{value:.2f}"
    return f"{value:g}"


def quintile_breaks(values: list[float]) -> list[float] | None:
    """Four breaks splitting ``values`` into fifths (None without enough distinct values to class)."""
    vals = sorted(v for v in values if v is not None)
    if len(set(vals)) < 5:
        return None
    return [round(vals[min(len(vals) - 1, int(len(vals) * q / 5))], 2) for q in range(1, 5)]


def classes(breaks: list[float], how: str) -> list[dict[str, Any]]:
    """Classes with their colour and the words the legend shows: [low, high) for each but the last."""
    edges = [None, *breaks, None]
    out = []
    for i, colour in enumerate(VIRIDIS_5):
        low, high = edges[i], edges[i + 1]
        if low is None:
            text = f"under {_fmt(high, how)}"
        elif high is None:
            text = f"{_fmt(low, how)} and over"
        else:
            text = f"{_fmt(low, how)} to under {_fmt(high, how)}"
        out.append({"low": low, "high": high, "colour": colour, "label": text})
    return out


def _rounded(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)


def decorate(
    conn, scope: Scope, network_features: list[dict], practice_features: list[dict], nets: list[dict] | None = None
) -> dict[str, Any]:
    """Put each feature's figures in its ``pr`` property and return the colour-by choice for the page: measures
    with classes, the no-data colour and each measure's source line (or why it has no data). ``nets``: the scope's
    network profiles when the caller has them already."""
    nets = profiles.network_profiles(conn, scope) if nets is None else nets
    by_net = {p["code"]: p for p in nets}
    pracs = profiles.practice_values(conn, scope)
    paid = any((p["network_payments"] or 0) > 0 for p in nets)
    for f in network_features:
        p = by_net.get(f["properties"]["code"]) or {}
        f["properties"]["pr"] = {
            k: (_rounded(p.get(k)) if k != "payments_per_registered" or paid else None) for k in MEASURES
        }
    for f in practice_features:
        v = pracs.get(f["properties"]["code"]) or {}
        # A practice's own payments are not network payments: practices show no data for that measure.
        f["properties"]["pr"] = {k: _rounded(v.get(k)) for k in MEASURES if k != "payments_per_registered"}
    payments = [p["payments_per_registered"] for p in nets if p.get("payments_per_registered")]
    return choice(scope, list(MEASURES), quintile_breaks(payments) if paid else None)


def choice(
    scope: Scope,
    keys: list[str],
    payment_breaks: list[float] | None = None,
    default: str = "Network (each its own colour)",
) -> dict[str, Any]:
    """The colour-by choice for the page: the measures ``keys`` with classes, source line (file and date) or the
    reason there is no data, the no-data colour, and what the map shows by default (``default``)."""
    src = profiles.sources(scope)
    measures = []
    for key in keys:
        m = MEASURES[key]
        s = src.get(m["source"])
        breaks = m["breaks"] if m["breaks"] is not None else payment_breaks
        why = None
        if s is None:
            why = "No file of this kind is loaded for this scenario."
        elif breaks is None:
            why = "No network payments were made that year (they began in 2020/21)."
        measures.append(
            {
                "key": key,
                "label": m["label"],
                "short": m["short"],
                "classes": classes(breaks, m["format"]) if breaks and not why else [],
                "basis": m["basis"],
                "source": s["line"] if s else None,
                "source_date": s["date"] if s else None,
                "no_data_reason": why,
            }
        )
    return {"measures": measures, "no_data": NO_DATA, "default": default}


# The overview colours areas by their practices' figures (network payments belong to networks, not areas).
AREA_MEASURES = ["deprivation", "share_aged_65_plus", "weighted_ratio"]


def area_values(conn, scope: Scope) -> dict[str, dict[str, float | None]]:
    """Area code -> the figures the overview colours by (``pr`` of each area feature)."""
    return {r["code"]: {k: _rounded(r[k]) for k in AREA_MEASURES} for r in profiles.area_profile_rows(conn, scope)}

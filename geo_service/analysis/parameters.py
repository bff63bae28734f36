"""Check parameters: defaults, per-scenario overrides and validation into typed values.

Values may arrive as strings (query string, CLI) or numbers (Python callers). Anything wrong
raises :class:`InvalidParameter` naming the parameter, so the API answers 400 problem+json.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from geo_service.errors import InvalidParameter

DETAILS = ("full", "summary")


@dataclass(frozen=True)
class Spec:
    kind: type  # int or float
    default: float
    low: float
    high: float | None
    meaning: str


SPECS: dict[str, Spec] = {
    "min": Spec(int, 30_000, 0, None, "smallest acceptable network population"),
    "max": Spec(int, 50_000, 0, None, "largest acceptable network population"),
    "dominance": Spec(float, 0.5, 0.0, 1.0, "largest member's share of the population that counts as dominant"),
    "extended_hours": Spec(float, 1.0, 0.0, 1.0, "share of patients that must be at practices offering extended hours"),
    "cross_boundary_tolerance": Spec(float, 0.05, 0.0, 1.0, "share of a network polygon allowed outside its main area"),
    "stale_days": Spec(int, 548, 0, 36_500, "age in days (before the scenario's date) at which a list size is stale"),
    "overlap_min_m2": Spec(float, 1_000.0, 0.0, None, "smallest overlap between network polygons reported (m²)"),
    "gap_min_m2": Spec(float, 1_000.0, 0.0, None, "smallest uncovered part of an area reported (m²)"),
    "outside_tolerance_m": Spec(
        float, 10.0, 0.0, 10_000.0, "distance outside its network polygon a member may sit (m)"
    ),
}


@dataclass(frozen=True)
class CheckParameters:
    min: int
    max: int
    dominance: float
    extended_hours: float
    cross_boundary_tolerance: float
    stale_days: int
    overlap_min_m2: float
    gap_min_m2: float
    outside_tolerance_m: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _parse(name: str, raw: Any) -> int | float:
    spec = SPECS[name]
    if isinstance(raw, bool):
        raise InvalidParameter(name, f"'{name}' must be a number, got a true/false value.")
    if isinstance(raw, str):
        text = raw.strip().replace(",", "").replace("_", "")
        try:
            value = float(text)
        except ValueError:
            raise InvalidParameter(name, f"'{name}' must be a number, got '{raw}'.") from None
    elif isinstance(raw, (int, float)):
        value = float(raw)
    else:
        raise InvalidParameter(name, f"'{name}' must be a number.")
    if not math.isfinite(value):
        raise InvalidParameter(name, f"'{name}' must be a finite number, got '{raw}'.")
    if spec.kind is int:
        if value != int(value):
            raise InvalidParameter(name, f"'{name}' must be a whole number, got '{raw}'.")
        value = int(value)
    if value < spec.low or (spec.high is not None and value > spec.high):
        upper = f" and {spec.high:g}" if spec.high is not None else ""
        between = f"between {spec.low:g}{upper}" if upper else f"at least {spec.low:g}"
        raise InvalidParameter(name, f"'{name}' ({spec.meaning}) must be {between}, got '{raw}'.")
    return value


def resolve(params: dict[str, Any] | None, scenario: dict | None = None) -> tuple[CheckParameters, dict[str, str]]:
    """Merge defaults, the scenario's own size band and the caller's values; validate.

    Returns the parameters and, per parameter, where its value came from
    (``default``, ``scenario`` or ``request``). Unknown parameter names are refused."""
    params = {k: v for k, v in (params or {}).items() if v is not None and v != ""}
    unknown = sorted(set(params) - set(SPECS))
    if unknown:
        raise InvalidParameter(unknown[0], f"Unknown parameter '{unknown[0]}'.", allowed=sorted(SPECS))
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for name, spec in SPECS.items():
        values[name] = spec.kind(spec.default)
        origin[name] = "default"
    if scenario:
        for name, column in (("min", "min_population"), ("max", "max_population")):
            if scenario.get(column) is not None:
                values[name] = int(scenario[column])
                origin[name] = "scenario"
    for name, raw in params.items():
        values[name] = _parse(name, raw)
        origin[name] = "request"
    if values["min"] > values["max"]:
        # Name the value the caller gave; if they gave both (or neither), name min.
        culprit = "max" if origin["max"] == "request" and origin["min"] != "request" else "min"
        raise InvalidParameter(culprit, f"'min' ({values['min']}) must not be greater than 'max' ({values['max']}).")
    return CheckParameters(**values), origin


def check_detail(detail: str | None) -> str:
    detail = detail or "full"
    if detail not in DETAILS:
        raise InvalidParameter("detail", f"'detail' must be one of {', '.join(DETAILS)}.", allowed=list(DETAILS))
    return detail

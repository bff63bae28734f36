"""Check parameters: defaults, per-scenario overrides and validation into typed values.

Values may arrive as strings (query string, CLI) or numbers (Python callers). Anything wrong
raises :class:`InvalidParameter` naming the parameter, so the API answers 400 problem+json.
"""

from __future__ import annotations

import math
from typing import Any

from geo_service.analysis.parameter_spec import POPULATION, Spec  # noqa: F401 - POPULATION: re-exported
from geo_service.errors import InvalidParameter

DETAILS = ("full", "summary")


def specs() -> dict[str, Spec]:
    """Every check parameter, gathered from the rules that read them (``Rule.parameters``), in report order.

    Gathered on first use rather than at import: rule modules import wording, which imports this
    module (for :class:`CheckParameters`), so the registry cannot be imported while this module is."""
    global _SPECS
    if _SPECS is None:
        from geo_service.analysis import rules

        gathered: dict[str, Spec] = {}
        for rule in rules.RULES:
            for name, spec in rule.parameters.items():
                if name in gathered and gathered[name] != spec:
                    raise RuntimeError(f"parameter {name!r} is declared twice, differently")
                gathered[name] = spec
        _SPECS = gathered
    return _SPECS


_SPECS: dict[str, Spec] | None = None


def __getattr__(name: str) -> Any:
    # ``from geo_service.analysis.parameters import SPECS`` keeps working: the registry's parameters.
    if name == "SPECS":
        return specs()
    raise AttributeError(name)


def default(name: str) -> int | float:
    """A parameter's default value, typed."""
    spec = specs()[name]
    return spec.kind(spec.default)


class CheckParameters:
    """The validated parameters of one run, by name (``params.min``; ``as_dict()`` for JSON)."""

    __slots__ = ("_values",)

    def __init__(self, **values: Any) -> None:
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("CheckParameters are read-only")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CheckParameters) and other._values == self._values

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._values.items())))

    def __repr__(self) -> str:
        return f"CheckParameters({self._values!r})"

    def get(self, name: str, fallback: Any = None) -> Any:
        return self._values.get(name, fallback)

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)


def _parse(name: str, raw: Any) -> int | float | str:
    spec = specs()[name]
    if spec.kind is str:
        text = raw.strip().lower() if isinstance(raw, str) else None
        if text not in spec.choices:
            raise InvalidParameter(
                name, f"'{name}' must be one of {', '.join(spec.choices)}, got '{raw}'.", allowed=list(spec.choices)
            )
        return text
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
    known = specs()
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise InvalidParameter(unknown[0], f"Unknown parameter '{unknown[0]}'.", allowed=sorted(known))
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for name, spec in known.items():
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

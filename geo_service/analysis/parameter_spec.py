"""What a check parameter is (kind, default, bounds, meaning): declared by the rule modules that read it, gathered
by :mod:`geo_service.analysis.parameters`. Its own module so the rules need not import the gathering one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Spec:
    kind: type  # int, float, or str (one of ``choices``)
    default: float | str
    low: float
    high: float | None
    meaning: str
    choices: tuple[str, ...] = ()


# Which population size band and dominance read (issue 25): registered patients, or the weighted list (Global Sum)
# of the payments file, because funding follows weighted patients.
POPULATION = Spec(
    str, "registered", 0, None, "which population size band and dominance count", ("registered", "weighted")
)

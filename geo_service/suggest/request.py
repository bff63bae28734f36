"""What a suggestion is asked: a scenario (or plan), a boundary set and optionally one area, the band, locks,
pairs kept apart and a seed, parsed from a JSON body (the API and the jobs) or the CLI's options."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from geo_service.errors import InvalidParameter

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
MAX_LOCKS = 2000
MAX_APART = 2000


@dataclass(frozen=True)
class Request:
    """What is asked: a scenario (or plan), a boundary set and optionally one area, the band, locks
    (network codes kept whole and untouched, beside those locked in the plan), pairs kept apart, a seed."""

    scenario: str
    boundary_set: str | None = None
    area: str | None = None
    min: int | None = None
    max: int | None = None
    locks: tuple[str, ...] = ()
    apart: tuple[tuple[str, str], ...] = ()
    seed: int = 0
    name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "boundary_set": self.boundary_set,
            "area": self.area,
            "min": self.min,
            "max": self.max,
            "locks": list(self.locks),
            "apart": [list(p) for p in self.apart],
            "seed": self.seed,
            "name": self.name,
        }


def parse_request(scenario: str, body: dict[str, Any]) -> Request:
    """A :class:`Request` from a JSON body (the API and the jobs), or InvalidParameter naming the field."""
    if not isinstance(body, dict):
        raise InvalidParameter("body", "Send a JSON object.")
    allowed = {"boundary_set", "area", "min", "max", "locks", "apart", "seed", "name"}
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise InvalidParameter(unknown[0], f"Unknown field '{unknown[0]}'.", allowed=sorted(allowed))

    def text(name: str) -> str | None:
        raw = body.get(name)
        if raw is None or raw == "":
            return None
        if not isinstance(raw, str) or len(raw) > 120:
            raise InvalidParameter(name, f"'{name}' must be text of at most 120 characters.")
        return raw.strip()

    def number(name: str, lo: int, hi: int) -> int | None:
        raw = body.get(name)
        if raw is None or raw == "":
            return None
        if isinstance(raw, bool) or not isinstance(raw, int) or not lo <= raw <= hi:
            raise InvalidParameter(name, f"'{name}' must be a whole number from {lo:,} to {hi:,}.")
        return raw

    locks = body.get("locks") or []
    if not isinstance(locks, list) or len(locks) > MAX_LOCKS:
        raise InvalidParameter("locks", f"'locks' must be a list of at most {MAX_LOCKS:,} network codes.")
    for i, c in enumerate(locks):
        if not isinstance(c, str) or not CODE_RE.match(c):
            raise InvalidParameter("locks", f"'locks[{i}]' is not a network code.")
    apart = body.get("apart") or []
    if not isinstance(apart, list) or len(apart) > MAX_APART:
        raise InvalidParameter("apart", f"'apart' must be a list of at most {MAX_APART:,} pairs of ODS codes.")
    pairs = []
    for i, pair in enumerate(apart):
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(c, str) and CODE_RE.match(c) for c in pair)
            or pair[0].upper() == pair[1].upper()
        ):
            raise InvalidParameter("apart", f"'apart[{i}]' must be two different practice ODS codes.")
        pairs.append((pair[0].upper(), pair[1].upper()))
    return Request(
        scenario=scenario,
        boundary_set=text("boundary_set"),
        area=text("area"),
        min=number("min", 0, 10_000_000),
        max=number("max", 1, 10_000_000),
        locks=tuple(dict.fromkeys(locks)),
        apart=tuple(pairs),
        seed=number("seed", 0, 2**31 - 1) or 0,
        name=text("name"),
    )

"""Extended-hours coverage: share of a network's patients at practices that offer extended hours,
over members whose offer is known; with the default threshold (1.0) every member must offer."""

from __future__ import annotations

QUERIES = ("extended_hours_coverage",)


def extended_hours_coverage(raw: dict) -> list[dict]:
    return raw["extended_hours_coverage"]

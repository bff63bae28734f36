"""Network population (sum of current members' known list sizes) against the size band, and the
networks whose population is partly unknown (never silently treated as 0: ``population_is_lower_bound``)."""

from __future__ import annotations

QUERIES = ("size_band", "unknown_list_sizes")


def size_band(raw: dict) -> list[dict]:
    return raw["size_band"]


def unknown_list_sizes(raw: dict) -> list[dict]:
    return raw["unknown_list_sizes"]

"""Dominance: the largest member's share of the network population, with the pairwise picture
(the largest practice beside the rest of the group, and the second largest)."""

from __future__ import annotations

QUERIES = ("dominance",)


def dominance(raw: dict) -> list[dict]:
    return raw["dominance"]

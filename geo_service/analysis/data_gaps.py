"""Data gaps: practices without a location, without a list size, or with a stale list size.

A list size is stale when it is more than ``stale_days`` older than the newest list size in the
database (not today), so results are reproducible."""

from __future__ import annotations

QUERIES = ("data_gaps",)


def data_gaps(raw: dict) -> list[dict]:
    return raw["data_gaps"]

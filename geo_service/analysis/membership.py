"""Membership checks: orphaned practices (active GP practices in no network of the scenario) and
practices in more than one network. SQL: ``CHECK_QUERIES`` in ``analysis_checks``."""

from __future__ import annotations

QUERIES = ("orphaned_practices", "multiply_assigned_practices")


def orphaned_practices(raw: dict) -> list[dict]:
    return raw["orphaned_practices"]


def multiply_assigned_practices(raw: dict) -> list[dict]:
    return raw["multiply_assigned_practices"]

"""Checks results with their findings written for people (``analysis.wording``), names looked up once.

``describe_items(conn, result)`` adds ``description`` (the sentence) and ``evidence_table`` (label/value rows)
to every item of a result, leaving the machine fields as they were, for the JSON API, pages and CSV.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from geo_service.analysis import wording
from geo_service.db.repositories import commissioners


def names_for(
    conn, items: Mapping[str, list[Mapping]], boundary_set_id: int | None = None, scope: Any = None
) -> dict[str, str]:
    """Commissioner / area code -> name for every code the items' descriptions show: the name in force on the
    scope's date (``scope``: a :class:`geo_service.scope.Scope` or its ``describe()`` dict), one per code."""
    as_of, dataset = _date_and_dataset(scope)
    return commissioners.names_by_code(
        conn, wording.commissioner_codes(items), boundary_set_id, as_of=as_of, dataset=dataset
    )


def _date_and_dataset(scope: Any) -> tuple[dt.date | None, str | None]:
    if scope is None:
        return None, None
    if isinstance(scope, Mapping):
        raw = scope.get("as_of")
        as_of = dt.date.fromisoformat(raw) if isinstance(raw, str) else raw
        return as_of, scope.get("dataset")
    return scope.as_of, scope.dataset


def describe_items(conn, result: dict[str, Any], boundary_set_id: int | None = None) -> dict[str, Any]:
    """The result with ``description`` and ``evidence_table`` on every item (a copy; the input is not changed)."""
    items = result.get("items")
    if not items:
        return result
    names = names_for(conn, items, boundary_set_id, result.get("scope"))
    params = result.get("parameters")
    described = {check: [_with_text(check, item, params, names) for item in rows] for check, rows in items.items()}
    return {
        **result,
        "items": described,
        "thresholds": [{"label": k, "value": v} for k, v in wording.thresholds(params)],
    }


def _with_text(check: str, item: Mapping, params, names) -> dict:
    text = wording.describe(check, item, params, names)
    return {**item, "description": text.sentence, "evidence_table": text.as_dict()["evidence"]}

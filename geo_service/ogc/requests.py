"""The parameters of an items request, checked in one place: each bad value is a 400 naming its parameter.

``limit`` (default 10, at most 10,000), ``offset``, ``bbox`` + ``bbox-crs``, ``crs``, ``datetime`` (an instant
or an interval with ``..`` or empty open ends; dated collections only) and property filters from the
collection's queryables. Any other parameter is refused (OGC API – Features: unknown parameters are a 400).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from geo_service.errors import InvalidParameter
from geo_service.ogc.catalogue import Collection
from geo_service.ogc.reference_systems import ReferenceSystem, parse_bbox, reference_system

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000
PAGING = ("limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "f")
_INSTANT = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$", re.ASCII | re.IGNORECASE)


@dataclass(frozen=True)
class ItemsRequest:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None  # storage CRS (lon/lat)
    bbox_text: str | None = None
    bbox_crs: ReferenceSystem | None = None
    crs: ReferenceSystem | None = None
    datetime: tuple[date | None, date | None] | None = None
    datetime_text: str | None = None
    filters: dict[str, str] = field(default_factory=dict)

    def key(self) -> tuple:
        return (
            self.limit,
            self.offset,
            self.bbox,
            self.crs.uri if self.crs else None,
            self.datetime,
            tuple(sorted(self.filters.items())),
        )


def _whole(name: str, raw: str, low: int, high: int) -> int:
    text = raw.strip()
    if not text.isdigit() and not (text.startswith("-") and text[1:].isdigit()):
        raise InvalidParameter(name, f"'{name}' must be a whole number from {low:,} to {high:,}, got '{text[:40]}'.")
    value = int(text)
    if value < low or value > high:
        raise InvalidParameter(name, f"'{name}' must be a whole number from {low:,} to {high:,}, got {value:,}.")
    return value


def _instant(text: str) -> date | None:
    if text in ("", ".."):
        return None
    match = _INSTANT.match(text)
    try:
        if not match:
            raise ValueError
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise InvalidParameter(
            "datetime",
            f"'datetime' must be a date or date-time (2020-04-01, 2020-04-01T00:00:00Z) or an interval "
            f"(2019-04-01/2020-03-31, ../2020-03-31, 2019-04-01/..), got '{text[:60]}'.",
        ) from None


def parse_datetime(raw: str) -> tuple[date | None, date | None]:
    """An instant (start = end) or an interval; open ends are None. Dates are whole days: memberships are."""
    text = raw.strip()
    if "/" in text:
        first, _, second = text.partition("/")
        if "/" in second:
            raise InvalidParameter("datetime", "'datetime' must have at most one '/' (start/end).")
        start, end = _instant(first.strip()), _instant(second.strip())
        if first.strip() in ("", "..") and second.strip() in ("", ".."):
            raise InvalidParameter("datetime", "'datetime' interval must have at least one end, got '../..'.")
        if start and end and start > end:
            raise InvalidParameter(
                "datetime", f"'datetime' interval starts ({start.isoformat()}) after it ends ({end.isoformat()})."
            )
        return start, end
    if text in ("", ".."):
        raise InvalidParameter("datetime", "'datetime' must be a date or an interval, got an open end alone.")
    day = _instant(text)
    return day, day


def parse_items_request(collection: Collection, args: Mapping[str, list[str]]) -> ItemsRequest:
    """Check every parameter of an items request against what ``collection`` offers."""
    for name, values in args.items():
        if name not in PAGING and name not in collection.queryables:
            allowed = [*PAGING, *collection.queryables]
            raise InvalidParameter(
                name,
                f"Unknown parameter '{name}' for collection '{collection.id}'. Parameters: {', '.join(allowed)}.",
                allowed=allowed,
            )
        if len(values) > 1:
            raise InvalidParameter(name, f"'{name}' may be given once, got it {len(values)} times.")

    def one(name: str) -> str | None:
        values = args.get(name)
        return values[0] if values else None

    limit = _whole("limit", one("limit"), 1, MAX_LIMIT) if one("limit") is not None else DEFAULT_LIMIT
    offset = _whole("offset", one("offset"), 0, MAX_OFFSET) if one("offset") is not None else 0
    bbox_crs = reference_system("bbox-crs", one("bbox-crs"))
    if one("bbox-crs") is not None and one("bbox") is None:
        raise InvalidParameter("bbox-crs", "'bbox-crs' names the CRS of 'bbox': give 'bbox' too.")
    bbox = parse_bbox(one("bbox"), bbox_crs)
    crs = reference_system("crs", one("crs"))
    dt = None
    if one("datetime") is not None:
        if not collection.dated:
            raise InvalidParameter(
                "datetime",
                f"Collection '{collection.id}' has no dates to select by: its features are as of "
                f"{collection.as_of or 'the boundary set'}. Dated collections end in '-memberships'.",
            )
        dt = parse_datetime(one("datetime"))
    filters = {}
    for name in collection.queryables:
        value = one(name)
        if value is None:
            continue
        if name == "current" and value.lower() not in ("true", "false"):
            raise InvalidParameter("current", f"'current' must be true or false, got '{value[:20]}'.")
        filters[name] = value.strip()
    return ItemsRequest(
        limit=limit,
        offset=offset,
        bbox=bbox,
        bbox_text=one("bbox"),
        bbox_crs=bbox_crs if one("bbox-crs") is not None else None,
        crs=crs,
        datetime=dt,
        datetime_text=one("datetime"),
        filters=filters,
    )

"""The collections offered, with stable readable ids built from slugs.

* ``<boundary set slug>-areas``     (``ccg-april-2019-areas``): the areas of a boundary set;
* ``<scenario slug>-practices``     (``epcn-december-2019-practices``): the scenario's active GP practices of its
  nation as of its date (register, list sizes and locations of its extracts), with network and commissioner;
* ``<scenario slug>-networks``      networks with members, population and rule findings;
* ``<scenario slug>-memberships``   every membership of the scenario with its dates (the dated collection).

The list is read once per data version (each process) and kept: a kept list is never stale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from geo_service.caching import LRUCache, data_state
from geo_service.db.repositories import ogc_features as repo
from geo_service.db.repositories import scope as scope_repo
from geo_service.errors import NotFound

KIND_TITLES = {
    "areas": "areas",
    "practices": "practices",
    "networks": "networks",
    "memberships": "memberships",
}
QUERYABLE_TYPES = {"current": "boolean"}


@dataclass(frozen=True)
class Collection:
    id: str
    kind: str  # areas | practices | networks | memberships
    title: str
    description: str
    dataset: str
    boundary_set: str | None = None  # slug (areas)
    scenario: str | None = None  # slug (practices, networks, memberships)
    bbox: tuple[float, float, float, float] | None = None  # lon/lat
    interval: tuple[str | None, str | None] | None = None  # ISO dates, for dated collections
    as_of: str | None = None
    queryables: tuple[str, ...] = field(default_factory=tuple)

    @property
    def dated(self) -> bool:
        return self.kind in repo.DATED_KINDS

    @property
    def has_tiles(self) -> bool:
        return self.kind in ("areas", "networks", "practices")


_CATALOGUES: LRUCache[list[Collection]] = LRUCache(8)


def _box(row: dict | None) -> tuple[float, float, float, float] | None:
    if not row or row.get("minx") is None:
        return None
    return (row["minx"], row["miny"], row["maxx"], row["maxy"])


def _build(conn) -> list[Collection]:
    extents = repo.boundary_set_extents(conn)
    dates = repo.membership_dates(conn)
    sets = scope_repo.boundary_sets(conn)
    out: list[Collection] = []
    for bs in sets:
        out.append(
            Collection(
                id=f"{bs['slug']}-areas",
                kind="areas",
                title=f"{bs['name']}: areas",
                description=(
                    f"The {bs['area_count']:,} areas of the boundary set {bs['name']} ({bs['level']} level, valid "
                    f"from {bs['valid_from'].isoformat()}), with ODS and GSS codes."
                    + (" Synthetic demo data, not real." if bs["dataset"] == "synthetic" else "")
                ),
                dataset=bs["dataset"],
                boundary_set=bs["slug"],
                bbox=_box(extents.get(bs["id"])),
                queryables=tuple(repo.QUERYABLES["areas"]),
            )
        )
    default_box = {bs["dataset"]: _box(extents.get(bs["id"])) for bs in reversed(sets)}
    for sc in scope_repo.scenarios(conn):
        box = _box(extents.get(sc["boundary_set_id"])) if sc["boundary_set_id"] else default_box.get(sc["dataset"])
        day = sc["as_of"].isoformat()
        synthetic = " Synthetic demo data, not real." if sc["dataset"] == "synthetic" else ""
        out.append(
            Collection(
                id=f"{sc['slug']}-practices",
                kind="practices",
                title=f"{sc['name']}: practices as of {day}",
                description=(
                    f"Active GP practices of {sc['nation'].replace('_', ' ').title()} in scenario {sc['name']} as of "
                    f"{day}: ODS code, name, registered list size, current network(s), commissioner. Located at "
                    "their postcode; practices without a known postcode have no geometry." + synthetic
                ),
                dataset=sc["dataset"],
                scenario=sc["slug"],
                bbox=box,
                as_of=day,
                queryables=tuple(repo.QUERYABLES["practices"]),
            )
        )
        out.append(
            Collection(
                id=f"{sc['slug']}-networks",
                kind="networks",
                title=f"{sc['name']}: networks as of {day}",
                description=(
                    f"Networks (PCNs) of scenario {sc['name']} as of {day}: current members, population (sum of "
                    "list sizes), lead commissioner and the planning rules' findings (comma-separated keys, e.g. "
                    "undersized, cross_boundary_administrative). Geometry: the network polygon, else a 400 m "
                    "buffer around the hull of its located members." + synthetic
                ),
                dataset=sc["dataset"],
                scenario=sc["slug"],
                bbox=box,
                as_of=day,
                queryables=tuple(repo.QUERYABLES["networks"]),
            )
        )
        span = dates.get(sc["id"])
        interval = None
        if span:
            interval = (
                span["start"].isoformat() if span["start"] else None,
                None if span["open_end"] or not span["end"] else span["end"].isoformat(),
            )
        out.append(
            Collection(
                id=f"{sc['slug']}-memberships",
                kind="memberships",
                title=f"{sc['name']}: memberships",
                description=(
                    f"Every practice membership of a network in scenario {sc['name']}, with start and end dates "
                    f"('current' on {day}); select by date with 'datetime'. Located at the member's postcode."
                    + synthetic
                ),
                dataset=sc["dataset"],
                scenario=sc["slug"],
                bbox=box,
                interval=interval,
                as_of=day,
                queryables=tuple(repo.QUERYABLES["memberships"]),
            )
        )
    return out


def collections(conn) -> list[Collection]:
    """Every collection, real data first within each kind's order of boundary sets and scenarios."""
    return _CATALOGUES.get_or_build(data_state(conn), lambda: _build(conn))


def collection(conn, collection_id: str) -> Collection:
    """The collection with this id, or NotFound naming the parameter and the ids there are."""
    for c in collections(conn):
        if c.id == collection_id:
            return c
    raise NotFound(
        f"No collection '{collection_id}'. See /ogc/collections for the {len(collections(conn))} collections.",
        parameter="collectionId",
    )

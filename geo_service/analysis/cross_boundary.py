"""Cross-boundary networks, reported as two kinds because planners argue about both.

* administrative: members' commissioner codes differ from each other or from the lead commissioner;
* geographic: members located in more than one area of the boundary set, or (with a polygon) more
  than the tolerance of the polygon outside its main area.
"""

from __future__ import annotations

QUERIES = ("cross_boundary_administrative", "cross_boundary_geographic")


def cross_boundary_networks(raw: dict) -> list[dict]:
    rows = [{**r, "kind": "administrative"} for r in raw["cross_boundary_administrative"]]
    rows += [{**r, "kind": "geographic"} for r in raw["cross_boundary_geographic"]]
    return sorted(rows, key=lambda r: (r["code"], r["kind"]))

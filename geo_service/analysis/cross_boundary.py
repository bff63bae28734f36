"""Cross-boundary networks, reported as two kinds because planners argue about both.

* administrative: members' commissioner codes differ from each other or from the lead commissioner;
* geographic: members located in more than one area of the boundary set, or (with a polygon) more
  than the tolerance of the polygon outside its main area.
"""

from __future__ import annotations

from geo_service.analysis.evidence import rows
from geo_service.db.repositories import analysis_checks


def cross_boundary_networks(conn, values: dict) -> list[dict]:
    administrative = rows(analysis_checks.cross_boundary_administrative(conn, values), kind="administrative")
    geographic = rows(analysis_checks.cross_boundary_geographic(conn, values), kind="geographic")
    return sorted(administrative + geographic, key=lambda r: (r["code"], r["kind"]))

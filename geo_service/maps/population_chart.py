"""The distribution of network populations against the size band for a scope (England on the overview, one
area in its panel), drawn on the server (``charts.population_distribution_svg``). No Flask here."""

from __future__ import annotations

from markupsafe import Markup

from geo_service.analysis import parameters, service
from geo_service.charts import population_distribution_svg
from geo_service.scope import Scope


def distribution_for(conn, scope: Scope, title: str | None = None) -> Markup:
    """Every network with a current member in the scope (whole boundary set, or its area), against the
    scenario's band (the same minimum and maximum the checks use)."""
    checked, _ = parameters.resolve(None, scope.scenario)
    rows = service.networks_in(conn, scope)
    where = scope.area["name"] if scope.area is not None else scope.boundary_set["name"]
    return population_distribution_svg(
        [r["population"] for r in rows if r["member_count"]],
        (checked.min, checked.max),
        title or f"Network populations in {where} against the {checked.min:,}–{checked.max:,} band",
    )

"""Charts drawn on the server as small inline SVG: readable without colour or JavaScript.

Each chart is a ``<figure>`` holding an SVG (``role="img"`` with a ``<title>`` and ``<desc>``; direct text
labels and patterns, not colour, carry the meaning) and the same numbers as a table in a ``<details>``
for screen readers and anyone who would rather read. All text from data is escaped.
"""

from geo_service.charts.population import member_shares_svg, population_distribution_svg

__all__ = ["member_shares_svg", "population_distribution_svg"]

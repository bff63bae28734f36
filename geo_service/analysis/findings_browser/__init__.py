"""The findings browser: every finding of a scenario as one flat, filterable, sortable, paged list.

A planner's main list (issue 19): each row names its practice, network or area (name beside code), says what is
wrong in the plain-English sentence of :mod:`geo_service.analysis.wording`, and carries the area it lies in (in the
chosen boundary set, any level), its networks, its commissioner and the map that shows it. The same rows feed
the page, the JSON API, CSV and GeoPackage, so they always agree. No Flask here: the web layer builds URLs.

How a row is made: the rule engine (:func:`geo_service.analysis.service.run_checks_in`) is run once per scope
and tier, on the whole scenario (no area), and each item of each rule becomes one row whose subject is the
finding the item names first under its own code (an overlap of A and B is A's row, naming B in its
sentence). Rows are kept per data state, scope, parameters and tier, so filters, sorting and paging read memory.

Area filter: a practice lies in the area it is located in and in its commissioner's area; a network in its lead
commissioner's area and in the areas of each current member (the engine's own "in the area", see
``db.repositories.scope``): the counts per area are exactly what filtering by that area gives.

The package, one concern a module: :mod:`.filters` (what the planner asks for, checked), :mod:`.rows` (the
engine's items as flat rows), :mod:`.view` (filter, count, sort, page; the one entry point :func:`browse`),
:mod:`.downloads` (CSV and GeoPackage) and :mod:`.search_words` (rule words for the site search).
"""

from geo_service.analysis.findings_browser.downloads import CSV_HEADER, file_stem, to_csv, to_geopackage
from geo_service.analysis.findings_browser.filters import (
    DEFAULT_SORT,
    DEFAULT_TIER,
    MAX_PER_PAGE,
    PER_PAGE,
    SORTS,
    TIER_CHOICES,
    Filters,
    findings_query,
    parse_filters,
    rule_choices,
    rule_label,
)
from geo_service.analysis.findings_browser.rows import (
    FIGURES,
    PROFILE_COLUMNS,
    FindingRow,
    build_rows,
    figure_label,
    profile_text,
    rules_of,
    run_rules,
)
from geo_service.analysis.findings_browser.search_words import rule_words
from geo_service.analysis.findings_browser.view import Browse, browse, counts, rows_for, select

__all__ = [
    "CSV_HEADER",
    "DEFAULT_SORT",
    "DEFAULT_TIER",
    "FIGURES",
    "MAX_PER_PAGE",
    "PER_PAGE",
    "PROFILE_COLUMNS",
    "SORTS",
    "TIER_CHOICES",
    "Browse",
    "Filters",
    "FindingRow",
    "browse",
    "build_rows",
    "counts",
    "figure_label",
    "file_stem",
    "findings_query",
    "parse_filters",
    "profile_text",
    "rows_for",
    "rule_choices",
    "rule_label",
    "rule_words",
    "rules_of",
    "run_rules",
    "select",
    "to_csv",
    "to_geopackage",
]

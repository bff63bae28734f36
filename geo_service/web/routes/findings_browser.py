"""The findings browser (issue 19): ``/maps/<scenario>/findings`` (the planner's main list, a page) and
``/api/v1/scenarios/<slug>/findings`` (JSON), ``.csv``, ``.gpkg`` and ``.geojson`` (the page's map) of the same
filtered set. Routes parse the query string and shape the response; the list is made by
:mod:`geo_service.analysis.findings_browser`. Private plans are 404 to others before any of these runs
(``web/visibility_guard.py``: the path names the scenario).

Other pages link here pre-filtered with :func:`findings_url` (``findings_url("epcn-april-2022", rule="orphaned",
area="QKK")``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Response, current_app, render_template, url_for

from geo_service.analysis import findings_browser as browser
from geo_service.analysis.parameters import SPECS
from geo_service.caching import LRUCache
from geo_service.exports.vector import ExportFile, ascii_line
from geo_service.web.openapi import operation
from geo_service.web.pipeline.conditional import conditional_response
from geo_service.web.pipeline.connection import get_conn
from geo_service.web.schemas import common
from geo_service.web.schemas import findings as schemas

bp = Blueprint("findings_browser", __name__)

CACHE = "geo_findings_browser"
CACHE_ENTRIES = 8
MAP_POINTS = 5000  # points the page's map draws at most (the downloads hold every finding)
_FILTER_ARGS = (
    "rule",
    "finding",
    "tier",
    "area",
    "boundary_set",
    "network",
    "commissioner",
    "sort",
    "page",
    "per_page",
)


def findings_url(scenario_slug: str, **filters: Any) -> str:
    """The findings page of a scenario, pre-filtered: ``rule`` (a rule or finding key: ``orphaned``,
    ``cross_boundary_networks``, ``undersized``...), ``tier``, ``area`` (+ ``boundary_set``), ``network``,
    ``commissioner``, ``sort``. Values are checked as the page checks them (InvalidParameter when wrong)."""
    return url_for("findings_browser.page", scenario=scenario_slug, **browser.findings_query(**filters))


def _cache() -> LRUCache:
    return current_app.extensions.setdefault(CACHE, LRUCache(CACHE_ENTRIES))


def _params(query: dict) -> dict[str, str]:
    return {name: query[name] for name in SPECS if name in query}


def _browse(slug: str, query: dict, *, whole: bool = False) -> tuple[browser.Browse, dict[str, str]]:
    """The findings asked for, and what every link from them repeats (check parameters, ``as_of``)."""
    filters = browser.parse_filters({k: query.get(k) for k in _FILTER_ARGS})
    view = browser.browse(
        get_conn(),
        slug,
        filters,
        _params(query),
        as_of=query.get("as_of"),
        cache=_cache(),
        check_page=not whole,
    )
    kept = _params(query)
    if query.get("as_of"):
        kept["as_of"] = query["as_of"]
    return view, kept


def _bs_args(view: browser.Browse) -> dict[str, str]:
    """``boundary_set`` for links to map pages, when the set is not the scenario's default."""
    explicit = view.scope.boundary_set_origin in ("request", "area")
    return {"boundary_set": view.scope.boundary_set["slug"]} if explicit else {}


def _linker(view: browser.Browse):
    slug = view.scope.scenario["slug"]
    extra = _bs_args(view)
    endpoints = {"network": "maps.network_map", "area": "maps.area_map"}

    def link(row: browser.FindingRow) -> str | None:
        if row.map_kind not in endpoints or not row.map_code:
            return None
        return url_for(endpoints[row.map_kind], scenario=slug, code=row.map_code, **extra)

    return link


def _query(view: browser.Browse, kept: dict[str, str], **changes: Any) -> dict[str, Any]:
    q = view.filters.query(**changes)
    if view.area is not None:
        q["area"] = view.area["code"]
        q["boundary_set"] = view.scope.boundary_set["slug"]
    q.update(kept)
    return q


def _links(view: browser.Browse, kept: dict[str, str]) -> dict[str, str | None]:
    slug = view.scope.scenario["slug"]
    f = view.filters
    whole = _query(view, kept, page=1, per_page=browser.PER_PAGE)
    return {
        "self": url_for("findings_browser.findings_api", slug=slug, **_query(view, kept)),
        "next": url_for("findings_browser.findings_api", slug=slug, **_query(view, kept, page=f.page + 1))
        if f.page < view.pages
        else None,
        "prev": url_for("findings_browser.findings_api", slug=slug, **_query(view, kept, page=f.page - 1))
        if f.page > 1
        else None,
        "page": url_for("findings_browser.page", scenario=slug, **_query(view, kept)),
        "csv": url_for("findings_browser.findings_csv", slug=slug, **whole),
        "gpkg": url_for("findings_browser.findings_gpkg", slug=slug, **whole),
        "geojson": url_for("findings_browser.findings_geojson", slug=slug, **whole),
    }


def _conditional(body: bytes, mimetype: str, headers: dict | None = None) -> Response:
    etag = hashlib.blake2b(body, digest_size=12).hexdigest()
    return conditional_response(etag, body, mimetype, {"Cache-Control": "no-cache"}, body_headers=headers)


@bp.get("/maps/<scenario>/findings")
@operation(
    tags=["pages"],
    summary="Findings browser: every finding of a scenario, filtered, sorted and paged, on a map",
    query=schemas.FindingsQuery,
    responses={200: common.html(), **common.problems(400, 404)},
)
def page(scenario: str, query: dict):
    view, kept = _browse(scenario, query)
    slug = view.scope.scenario["slug"]
    link = _linker(view)
    pages = view.pages
    f = view.filters
    window = sorted({1, pages, *range(max(1, f.page - 2), min(pages, f.page + 2) + 1)})
    page_links = [
        {"number": n, "url": url_for("findings_browser.page", scenario=slug, **_query(view, kept, page=n))}
        for n in window
    ]
    return render_template(
        "maps/findings.html",
        view=view,
        rows=[(r, link(r)) for r in view.page_rows()],
        show_networks=any(r.networks for r in view.page_rows()),
        show_figures=any(r.value_text for r in view.page_rows()),
        figure_header=" / ".join(
            dict.fromkeys(browser.figure_label(r.finding) for r in view.page_rows() if r.value_text)
        ),
        # Issue 25: the subjects' profile columns, when any row of the page has one.
        profile_columns=list(browser.PROFILE_COLUMNS.items())
        if any(v is not None for r in view.page_rows() for v in r.profile().values())
        else [],
        profile_text=browser.profile_text,
        links=_links(view, kept),
        page_links=page_links,
        prev_url=url_for("findings_browser.page", scenario=slug, **_query(view, kept, page=f.page - 1))
        if f.page > 1
        else None,
        next_url=url_for("findings_browser.page", scenario=slug, **_query(view, kept, page=f.page + 1))
        if f.page < pages
        else None,
        rule_url=lambda **changes: url_for(
            "findings_browser.page",
            scenario=slug,
            **_query(view, kept, **{"page": 1, "rule": None, "finding": None, **changes}),
        ),
        area_url=lambda code: url_for("findings_browser.page", scenario=slug, **_query(view, kept, page=1, area=code)),
        choices=browser.rule_choices(),
        sorts=browser.SORTS,
        tiers=browser.TIER_CHOICES,
        bs_args=_bs_args(view),
        map_config={
            "geojson": _links(view, kept)["geojson"],
            "tiles": current_app.config.get("GEO_TILES_URL"),
            "attribution": current_app.config.get("GEO_TILES_ATTRIBUTION"),
            "limit": MAP_POINTS,
        },
    )


@bp.get("/api/v1/scenarios/<slug>/findings")
@operation(
    tags=["checks"],
    summary="A scenario's findings, filtered by rule, tier, area, network and commissioner; sorted and paged",
    query=schemas.FindingsQuery,
    responses={
        200: common.json_response(schemas.FindingsPage),
        304: common.NOT_MODIFIED,
        **common.problems(400, 404),
    },
)
def findings_api(slug: str, query: dict):
    view, kept = _browse(slug, query)
    body = view.as_dict(_linker(view))
    body["links"] = _links(view, kept)
    return _conditional(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(), "application/json")


@bp.get("/api/v1/scenarios/<slug>/findings.csv")
@operation(
    tags=["checks"],
    summary="Every finding under the filters as CSV (all pages), one row per finding",
    query=schemas.FindingsFilters,
    responses={
        200: common.content("text/csv", description="Findings, one row per finding.", binary=False),
        304: common.NOT_MODIFIED,
        **common.problems(400, 404),
    },
)
def findings_csv(slug: str, query: dict):
    view, _ = _browse(slug, query, whole=True)
    body = browser.to_csv(view, _linker(view)).encode()
    headers = {
        "Content-Disposition": f'attachment; filename="{browser.file_stem(view)}.csv"',
        "X-Data-Scope": ascii_line(view.scope.data_line()),
        "X-Total-Count": str(view.total),
    }
    return _conditional(body, "text/csv", headers)


@bp.get("/api/v1/scenarios/<slug>/findings.gpkg")
@operation(
    tags=["checks"],
    summary="Every finding under the filters as a GeoPackage: layer findings (points), finding_shapes (polygons)",
    query=schemas.FindingsFilters,
    responses={200: common.content("application/geopackage+sqlite3"), **common.problems(400, 404)},
)
def findings_gpkg(slug: str, query: dict):
    view, _ = _browse(slug, query, whole=True)
    export: ExportFile = browser.to_geopackage(get_conn(), view, _linker(view))
    size = export.path.stat().st_size
    resp = Response(export.chunks(), mimetype=export.media_type, direct_passthrough=True)
    resp.headers["Content-Length"] = str(size)
    resp.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Data-Scope"] = ascii_line(export.data_line)
    resp.headers["X-Total-Count"] = str(view.total)
    resp.call_on_close(export.cleanup)
    return resp


@bp.get("/api/v1/scenarios/<slug>/findings.geojson")
@operation(
    tags=["checks"],
    summary="The findings under the filters as GeoJSON points (the findings page's map; at most 5,000)",
    query=schemas.FindingsFilters,
    responses={200: common.geojson_collection(), 304: common.NOT_MODIFIED, **common.problems(400, 404)},
)
def findings_geojson(slug: str, query: dict):
    view, _ = _browse(slug, query, whole=True)
    link = _linker(view)
    features = []
    for r in view.rows:
        if r.lon is None or r.lat is None:
            continue
        if len(features) == MAP_POINTS:
            break
        features.append(
            {
                "type": "Feature",
                "id": f"{r.rule}:{r.finding}:{r.code}",
                "geometry": {"type": "Point", "coordinates": [round(r.lon, 6), round(r.lat, 6)]},
                "properties": {
                    "finding": r.finding,
                    "label": r.label,
                    "subject": r.subject,
                    "code": r.code,
                    "name": r.name,
                    "sentence": r.sentence,
                    "tier": r.tier,
                    **r.profile(),  # issue 25
                    "map_url": link(r),
                },
            }
        )
    located = sum(1 for r in view.rows if r.lon is not None and r.lat is not None)
    body = {
        "type": "FeatureCollection",
        "features": features,
        "totals": {"findings": view.total, "located": located, "drawn": len(features)},
        "description": view.scope.data_line(),
    }
    return _conditional(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(), "application/geo+json")

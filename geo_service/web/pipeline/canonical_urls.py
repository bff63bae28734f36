"""Codes in URLs match in any case: ``/maps/<scenario>/areas/99j`` answers 308 to ``/areas/99J`` (maps,
embeds and API routes alike), before the route runs. The look-up is the navigation service's."""

from __future__ import annotations

from flask import Flask, redirect, request, url_for

from geo_service.errors import DatabaseUnavailable
from geo_service.navigation.canonical import canonical_values
from geo_service.web.pipeline.connection import get_conn

# Endpoint → what its <code> names ('area', 'network'; None: no code, only the scenario slug).
ROUTE_CODES: dict[str, str | None] = {
    "maps.overview": None,
    "maps.area_map": "area",
    "maps.network_map": "network",
    "layers_api.overview_areas": None,
    "layers_api.search_practices": None,
    "layers_api.area_layer": "area",
    "api.scenario": None,
    "checks_api.checks": None,
    "checks_api.checks_csv": None,
    "checks_api.network": "network",
    "exports.export": None,
    "exports.print_area": "area",
    "exports.print_network": "network",
}
_EMBED_KINDS = {"area": "area", "network": "network"}


def _code_kind(endpoint: str, values: dict) -> tuple[bool, str | None]:
    if endpoint == "embed.embed_map":
        return True, _EMBED_KINDS.get(values.get("kind", ""))
    if endpoint in ROUTE_CODES:
        return True, ROUTE_CODES[endpoint]
    return False, None


def redirect_to_canonical():
    """A 308 (method and body kept) to the same URL with canonical codes, when they differ; else nothing."""
    if request.method not in ("GET", "HEAD") or not request.endpoint or not request.view_args:
        return None
    known, kind = _code_kind(request.endpoint, request.view_args)
    if not known:
        return None
    values = {k: v for k, v in request.view_args.items() if isinstance(v, str)}
    try:
        canonical = canonical_values(get_conn(), values, kind)
    except DatabaseUnavailable:
        return None  # the route decides: a pinned embed is served from memory, the rest answer 503

    if canonical == values:
        return None
    url = url_for(request.endpoint, **{**request.view_args, **canonical})
    if request.query_string:
        url += "?" + request.query_string.decode("ascii", "replace")
    return redirect(url, code=308)


def register(app: Flask) -> None:
    app.before_request(redirect_to_canonical)

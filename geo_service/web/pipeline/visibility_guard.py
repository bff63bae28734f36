"""Issue 12: draft and private plans are seen only by their owner, the users they are shared with, and admins.

One rule (:mod:`geo_service.plans.visibility`), applied before every route: a route that names a scenario the
caller may not see answers 404, as if it did not exist. A scenario is named by

* a path value ``scenario`` or ``slug`` (not a boundary set's ``slug``), or a query value ``scenario``, ``a``, ``b``;
* an OGC collection id (``<slug>-practices`` ...): the collection's scenario;
* the ``url`` of ``/oembed`` (an embed or map page URL of ours).

Replies about a restricted scenario (to the people who may see it) are sent ``Cache-Control: private, no-store``
so no shared cache (a proxy, the browser's back-forward cache of another account) keeps a private plan's map.
Server-side caches (map pages, embeds, tiles) are keyed by scope: only callers past this check reach them.
Lists filter with :func:`hidden_for_request` after their (shared) caches.
"""

from __future__ import annotations

from flask import Flask, Response, g, request

from geo_service.embeds.oembed import resolve
from geo_service.errors import DatabaseUnavailable, GeoServiceError, NotFound
from geo_service.ogc import catalogue
from geo_service.plans import visibility
from geo_service.web.pipeline.connection import get_conn
from geo_service.web.pipeline.public_urls import public_base
from geo_service.web.pipeline.sessions import current_actor

SCENARIO_PATH_KEYS = ("scenario", "slug")
SCENARIO_QUERY_KEYS = ("scenario", "a", "b")
# Scenarios this process has seen public (lower-cased slugs): a pinned embed of one of them is served from
# memory while the database is down; nothing else is decided without the database.
_SEEN_PUBLIC: set[str] = set()
_SEEN_PUBLIC_MAX = 10_000


def request_viewer() -> visibility.Viewer:
    """Who is asking (signed-in session, Bearer token, or anonymous)."""
    return visibility.viewer_of(current_actor())


def visible_scenarios(conn) -> set[str]:
    """Slugs of the scenarios the caller may see (issue 12: draft and private plans are hidden)."""
    return visibility.visible_slugs(conn, request_viewer())


def hidden_for_request() -> frozenset[str]:
    """Lower-cased slugs of the scenarios this request's caller may not see (once per request)."""
    if "visibility_hidden" not in g:
        g.visibility_hidden = visibility.hidden_slugs(get_conn(), request_viewer())
    return g.visibility_hidden


def hidden_scenario_ids_for_request() -> list[int]:
    """Ids of the scenarios this request's caller may not see (audit log listings)."""
    if "visibility_hidden_ids" not in g:
        g.visibility_hidden_ids = visibility.hidden_scenario_ids(get_conn(), request_viewer())
    return g.visibility_hidden_ids


def restricted_slugs() -> frozenset[str]:
    """Lower-cased slugs of every draft or private scenario (once per request)."""
    if "visibility_restricted" not in g:
        g.visibility_restricted = frozenset(r["slug"].lower() for r in visibility.restricted_rows(get_conn()))
    return g.visibility_restricted


def named_scenarios() -> list[str]:
    """Scenario slugs this request names in its path or query (see the module docstring)."""
    rule = request.url_rule.rule if request.url_rule is not None else ""
    view_args = request.view_args or {}
    named: list[str] = []
    for key in SCENARIO_PATH_KEYS:
        value = view_args.get(key)
        if isinstance(value, str) and value and not (key == "slug" and "boundary-sets" in rule):
            named.append(value)
    for key in SCENARIO_QUERY_KEYS:
        named.extend(v for v in request.args.getlist(key) if v)
    return named


def _ogc_collection_scenario(collection_id: str) -> str | None:
    for c in catalogue.collections(get_conn()):
        if c.id == collection_id:
            return c.scenario
    return None


def _oembed_scenario(url: str) -> str | None:
    try:
        view, _version = resolve(url, public_base())
    except GeoServiceError:
        return None  # the route itself answers for a URL that is not ours
    return view.scenario


def check_request() -> None:
    """Before every read route: 404 for a restricted scenario the caller may not see; mark the reply private.
    Write routes run the same check from :func:`geo_service.web.auth.write_route` (:func:`check_write_request`)."""
    if request.endpoint is None or request.endpoint == "static" or request.method not in ("GET", "HEAD"):
        return
    _check_named()


def check_write_request() -> None:
    """The same check for a write route (issue 21), called by ``write_route`` right after the checks that answer
    the same for every scenario (401 anonymous, 403 CSRF, 403 no such role at all) and before anything else:
    a scenario the caller may not see is 404 whatever it holds, so no 403 / 409 / 412 tells it exists."""
    if request.endpoint is None:
        return
    _check_named()


def _check_named() -> None:
    named = named_scenarios()
    try:
        restricted = restricted_slugs()
    except DatabaseUnavailable:
        if _pinned_embed_seen_public(named):
            return  # the embed route serves its kept rendering, or answers 503 itself
        raise
    _remember_public(named, restricted)
    if not restricted:
        return
    collection_id = (request.view_args or {}).get("collection_id")
    collection_scenario = _ogc_collection_scenario(collection_id) if isinstance(collection_id, str) else None
    oembed_scenario = _oembed_scenario(request.args.get("url", "")) if request.endpoint == "embed.oembed" else None
    everything = [s for s in (*named, collection_scenario, oembed_scenario) if s]
    touched = [s for s in everything if s.lower() in restricted]
    if not touched:
        return
    hidden = hidden_for_request()
    for slug in touched:
        if slug.lower() in hidden:
            if slug == collection_scenario and slug not in named:
                raise NotFound(
                    f"No collection '{collection_id}'. See /ogc/collections for the collections.",
                    parameter="collectionId",
                )
            if slug == oembed_scenario and slug not in named:
                raise NotFound("That URL is not a map of this service.", parameter="url")
            raise NotFound(f"No scenario with slug '{slug}'.", parameter="scenario")
    g.visibility_private_reply = True


def _remember_public(named: list[str], restricted: frozenset[str]) -> None:
    if len(_SEEN_PUBLIC) > _SEEN_PUBLIC_MAX:
        _SEEN_PUBLIC.clear()
    _SEEN_PUBLIC.update(s.lower() for s in named if s.lower() not in restricted)


def _pinned_embed_seen_public(named: list[str]) -> bool:
    """A pinned embed (``?version=``) naming only scenarios seen public while the database was up."""
    return (
        request.endpoint == "embed.embed_map"
        and bool(request.args.get("version"))
        and bool(named)
        and all(s.lower() in _SEEN_PUBLIC for s in named)
    )


def private_reply() -> None:
    """This reply lists a restricted scenario the caller may see (issue 20: a practice page listing a private
    plan): :func:`mark_private` keeps it out of shared caches."""
    g.visibility_private_reply = True


def mark_private(response: Response) -> Response:
    """A reply about a restricted scenario is for its reader only: never stored by a shared cache."""
    if g.get("visibility_private_reply"):
        response.headers["Cache-Control"] = "private, no-store"
        response.vary.add("Cookie")
        response.vary.add("Authorization")
    return response


def register(app: Flask) -> None:
    """Install the check (after sign-in is known, before any scenario route) and the private-reply mark."""
    app.before_request(check_request)
    app.after_request(mark_private)

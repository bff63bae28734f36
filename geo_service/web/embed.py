"""Embeds for LMC websites: ``/embed/<scenario>/areas|networks/<code>`` and ``/oembed``.

Embed responses carry ``frame-ancestors`` from ``GEO_EMBED_ORIGINS`` (see security_headers),
set no cookies, need no login, and are cacheable: ETag from data version + view, 304 on
``If-None-Match``, bodies gzip-compressed once when rendered and kept per data version. Their inline
scripts are allowed by hash (a stored, immutable body cannot carry a per-request nonce). Every absolute
URL in them comes from ``GEO_PUBLIC_URL`` (:mod:`geo_service.web.public_urls`), never from ``Host``.
"""

from __future__ import annotations

import gzip
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from geo_service.embeds import oembed as oembed_service
from geo_service.embeds import snapshots
from geo_service.embeds.views import embed_scope, parse_version, parse_view
from geo_service.maps.views import boundary_set_is_explicit
from geo_service.scope import Scope
from geo_service.web.connection import database, get_conn
from geo_service.web.openapi import operation
from geo_service.web.public_urls import public_base, public_url_for
from geo_service.web.read_routing import write_on_primary
from geo_service.web.schemas import common
from geo_service.web.schemas import embed as schemas
from geo_service.web.security_headers import allow_script_hashes

bp = Blueprint("embed", __name__)

LIVE_MAX_AGE = 300  # seconds a browser/proxy may reuse a live embed before revalidating
PINNED_MAX_AGE = 31_536_000  # a pinned snapshot never changes


def _send(
    body_gzip: bytes, etag: str, cache_control: str, script_hashes: tuple[str, ...], mimetype: str = "text/html"
) -> Response:
    headers = {"ETag": etag, "Cache-Control": cache_control, "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("Accept-Encoding", "").lower():
        resp = Response(body_gzip, mimetype=mimetype, headers=headers)
        resp.headers["Content-Encoding"] = "gzip"
    else:
        resp = Response(gzip.decompress(body_gzip), mimetype=mimetype, headers=headers)
    resp.charset = "utf-8"
    allow_script_hashes(resp, script_hashes)
    return resp


def _not_modified(etag: str, cache_control: str) -> Response | None:
    if etag in [e.strip() for e in request.headers.get("If-None-Match", "").split(",")]:
        return Response(status=304, headers={"ETag": etag, "Cache-Control": cache_control, "Vary": "Accept-Encoding"})
    return None


@bp.get("/embed/<scenario>/<kind>s/<code>")
@operation(
    tags=["embeds"],
    summary="An embeddable map of an area or network (for an iframe)",
    path=schemas.EmbedPath,
    query=schemas.EmbedQuery,
    responses={
        200: common.html("The map, for an iframe."),
        302: common.PIN_MOVED,
        304: common.NOT_MODIFIED,
        **common.problems(400, 404),
    },
)
def embed_map(scenario: str, kind: str, code: str):
    view = parse_view(scenario, kind, code, request.args)
    version = parse_version(request.args.get("version"))
    pinned = version is not None
    cache_control = f"public, max-age={PINNED_MAX_AGE}, immutable" if pinned else f"public, max-age={LIVE_MAX_AGE}"
    # Cheap revalidation before any rendering: the ETag only needs the data version.
    wanted = version if pinned else snapshots.current_version(get_conn(), view)
    early = _not_modified(snapshots.etag_for(view, wanted), cache_control)
    if early is not None:
        return early
    try:
        embed = _embed(view, version)
    except snapshots.UnpublishedVersion:
        # a stale pin (older than the data): the current version, like a layer's ``?v=`` (issue 26); a version
        # the data never reached stays a 404
        current = snapshots.current_version(get_conn(), view)
        if version is None or version > current:
            raise
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "version"]
        args.append(("version", str(current)))
        location = f"{request.path}?{urlencode(args)}"
        return Response(status=302, headers={"Location": location, "Cache-Control": "no-cache"})
    return _send(embed.body_gzip, embed.etag, cache_control, embed.script_hashes)


def _embed(view, version: int | None) -> snapshots.Embed:  # noqa: ANN001 - an EmbedView
    from geo_service.web.embed_render import render_embed

    return snapshots.get_embed(
        database().url,
        get_conn,
        view,
        version,
        resolve=lambda conn: embed_scope(conn, view),
        render=lambda scope: render_embed(get_conn(), view, scope),
        variant=public_base(),  # a new GEO_PUBLIC_URL renders live embeds again, with links to it
        write=lambda fn: write_on_primary(fn, get_conn),  # issue 26: a rendering is kept on the primary
    )


@bp.get("/oembed")
@operation(
    tags=["embeds"],
    summary="oEmbed for a map page URL",
    query=schemas.OEmbedQuery,
    responses={200: common.json_response(schemas.OEmbed), **common.problems(400, 404, 501)},
)
def oembed():
    body = oembed_service.oembed(
        get_conn(),
        request.args.get("url", ""),
        public_base(),
        fmt=request.args.get("format", "json"),
        maxwidth=request.args.get("maxwidth"),
        maxheight=request.args.get("maxheight"),
    )
    return body, 200, {"Cache-Control": "public, max-age=3600"}


def share_context(kind: str, scope: Scope, version: int, title: str) -> dict:
    """What a map page needs for "Embed this map": pinned and live snippets, preview URL, oEmbed discovery.
    Codes are the scope's canonical ones; the boundary set is named when it is not the scenario's default."""
    from geo_service.embeds.snippet import embed_url, iframe_html

    scenario = scope.scenario["slug"]
    code = scope.area["code"] if kind == "area" else scope.network["code"]
    boundary_set = scope.boundary_set["slug"] if boundary_set_is_explicit(scope) else None
    view = parse_view(scenario, kind, code, {"boundary_set": boundary_set} if boundary_set else {})
    base = public_base()
    page_url = public_url_for(f"maps.{kind}_map", scenario=scenario, code=code, boundary_set=boundary_set)
    return {
        "title": title,
        "version": version,
        "pinned": iframe_html(base, view, version, title),
        "live": iframe_html(base, view, None, title),
        # Shown on our own page: relative, so it loads from wherever the page was loaded from.
        "preview_url": embed_url("", view, None),
        "oembed_url": public_url_for("embed.oembed", url=page_url, format="json"),
    }

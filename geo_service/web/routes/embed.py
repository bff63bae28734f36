"""Embeds for LMC websites: ``/embed/<scenario>/areas|networks/<code>`` and ``/oembed``.

Embed responses carry ``frame-ancestors`` from ``GEO_EMBED_ORIGINS`` (see security_headers),
set no cookies, need no login, and are cacheable: ETag from data version + view, 304 on
``If-None-Match``, bodies gzip-compressed once when rendered and kept per data version (sent through the one
compression path, :mod:`geo_service.web.pipeline.compression`). Their inline
scripts are allowed by hash (a stored, immutable body cannot carry a per-request nonce). Every absolute
URL in them comes from ``GEO_PUBLIC_URL`` (:mod:`geo_service.web.pipeline.public_urls`), never from ``Host``.
"""

from __future__ import annotations

import gzip
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from geo_service.embeds import oembed as oembed_service
from geo_service.embeds import snapshots
from geo_service.embeds.views import embed_scope, parse_version, parse_view
from geo_service.web.map_context import render_embed
from geo_service.web.openapi import operation
from geo_service.web.pipeline import precompressed
from geo_service.web.pipeline.conditional import not_modified
from geo_service.web.pipeline.connection import database, get_conn
from geo_service.web.pipeline.public_urls import public_base
from geo_service.web.pipeline.read_routing import write_on_primary
from geo_service.web.pipeline.security_headers import allow_script_hashes
from geo_service.web.schemas import common
from geo_service.web.schemas import embed as schemas

bp = Blueprint("embed", __name__)

LIVE_MAX_AGE = 300  # seconds a browser/proxy may reuse a live embed before revalidating
PINNED_MAX_AGE = 31_536_000  # a pinned snapshot never changes


def _send(body_gzip: bytes, etag: str, headers: dict, script_hashes: tuple[str, ...]) -> Response:
    """The stored body through the one compression path (kept per ETag and public base URL; its stored gzip
    is that encoding's kept bytes), its inline scripts allowed by hash."""
    key = ("embed", etag, public_base())
    precompressed.keep_compressed(key, "gzip", body_gzip)
    resp = precompressed.response(key, gzip.decompress(body_gzip), "text/html", {**headers, "ETag": etag})
    allow_script_hashes(resp, script_hashes)
    return resp


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
def embed_map(scenario: str, kind: str, code: str, query: dict):
    view = parse_view(scenario, kind, code, query)
    version = parse_version(query.get("version"))
    pinned = version is not None
    cache_control = f"public, max-age={PINNED_MAX_AGE}, immutable" if pinned else f"public, max-age={LIVE_MAX_AGE}"
    # Cheap revalidation before any rendering: the ETag only needs the data version.
    wanted = version if pinned else snapshots.current_version(get_conn(), view)
    headers = {"Cache-Control": cache_control, "Vary": "Accept-Encoding"}
    early = not_modified(snapshots.etag_for(view, wanted), headers)
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
        args = [(k, str(v)) for k, v in query.items() if k != "version" and v is not None]
        args.append(("version", str(current)))
        return Response(
            status=302, headers={"Location": f"{request.path}?{urlencode(args)}", "Cache-Control": "no-cache"}
        )
    return _send(embed.body_gzip, embed.etag, headers, embed.script_hashes)


def _embed(view, version: int | None) -> snapshots.Embed:  # noqa: ANN001 - an EmbedView
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
def oembed(query: dict):
    body = oembed_service.oembed(
        get_conn(),
        query.get("url", ""),
        public_base(),
        fmt=query.get("format", "json"),
        maxwidth=query.get("maxwidth"),
        maxheight=query.get("maxheight"),
    )
    return body, 200, {"Cache-Control": "public, max-age=3600"}

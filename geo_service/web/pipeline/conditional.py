"""The one conditional response of every cached route: its ETag, a 304 when ``If-None-Match`` names it (weak
comparison, the compression mark ignored: :func:`geo_service.conditional.none_match`), else its body, built
only then, and sent through the one compression path (kept bodies compressed once per encoding)."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import Response, request

from geo_service.conditional import none_match
from geo_service.web.pipeline import precompressed


def quoted(etag: str) -> str:
    """An ETag as it goes in the header (a bare digest gets its quotes)."""
    return etag if etag.startswith(('"', 'W/"')) else f'"{etag}"'


def not_modified(etag: str, headers: dict | None = None) -> Response | None:
    """The 304 (with ``headers`` and the ETag) when the client's ``If-None-Match`` names ``etag``, else None:
    for a route that can tell its ETag before it has its body."""
    tag = quoted(etag)
    if none_match(request.headers.get("If-None-Match"), tag):
        return Response(status=304, headers={**(headers or {}), "ETag": tag})
    return None


def conditional_response(
    etag: str,
    body: bytes | Callable[[], bytes],
    mimetype: str,
    headers: dict | None = None,
    *,
    body_headers: dict | None = None,
    keep: Hashable | None = None,
) -> Response:
    """``headers`` go on the 200 and the 304 alike (``ETag`` is added); ``body_headers`` on the 200 only.
    ``body`` may be a function, called only when the client's copy is stale. ``keep``: the key the body is
    kept under, so each encoding of it is compressed once (None: compressed per response, if at all)."""
    both = {**(headers or {}), "ETag": quoted(etag)}
    early = not_modified(etag, headers)
    if early is not None:
        return early
    data = body() if callable(body) else body
    merged = {**(body_headers or {}), **both}
    if keep is None:
        return Response(data, mimetype=mimetype, headers=merged)
    return precompressed.response(keep, data, mimetype, merged)

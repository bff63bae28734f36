"""Cacheable bodies compressed once, not on every request.

GeoJSON layers and checks results are kept per data version; compressing them again for every
response (flask-compress's default) costs more than serving them. Here each (body key, encoding) is
compressed once and kept; the response carries ``Content-Encoding`` so flask-compress leaves it alone.
"""

from __future__ import annotations

import gzip
from collections.abc import Hashable

import brotli
from flask import Response, request

from geo_service.caching import LRUCache

MIN_SIZE = 1024
_COMPRESSED: LRUCache[bytes] = LRUCache(128)


def _encoding(accept_encoding: str) -> str | None:
    offered = {part.split(";")[0].strip().lower() for part in accept_encoding.split(",")}
    if "br" in offered:
        return "br"
    if "gzip" in offered:
        return "gzip"
    return None


def _compress(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(body, quality=5)
    return gzip.compress(body, compresslevel=6, mtime=0)


def response(key: Hashable, body: bytes, mimetype: str, headers: dict | None = None) -> Response:
    """``body`` (identified by ``key``, e.g. its ETag) in the best encoding the client accepts."""
    encoding = _encoding(request.headers.get("Accept-Encoding", ""))
    if encoding is None or len(body) < MIN_SIZE:
        resp = Response(body, mimetype=mimetype, headers=headers)
    else:
        data = _COMPRESSED.get_or_build((encoding, key), lambda: _compress(body, encoding))
        resp = Response(data, mimetype=mimetype, headers=headers)
        resp.headers["Content-Encoding"] = encoding
    resp.vary.add("Accept-Encoding")
    return resp

"""Cacheable bodies compressed once, not on every request.

GeoJSON layers and checks results are kept per data version; compressing them again for every
response (flask-compress's default) costs more than serving them. Here each (body key, encoding) is
compressed once and kept; the response carries ``Content-Encoding`` so flask-compress leaves it alone.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from collections.abc import Hashable

import brotli
from flask import Response, request

MIN_SIZE = 1024
MAX_BYTES = 64 * 1024 * 1024  # issue 21: bounded in bytes, not entries (128 big layers were ~1.4 GB a worker)


class ByteBoundedCache:
    """Least-recently-used bodies, at most ``max_bytes`` in total (a body larger than that is not kept)."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build) -> bytes:  # noqa: ANN001 - a callable giving bytes
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        value = build()  # outside the lock: compressing takes time
        if len(value) > self.max_bytes:
            return value
        with self._lock:
            old = self._items.pop(key, None)
            self._bytes -= len(old) if old is not None else 0
            self._items[key] = value
            self._bytes += len(value)
            while self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    @property
    def bytes(self) -> int:
        with self._lock:
            return self._bytes


_COMPRESSED = ByteBoundedCache()


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

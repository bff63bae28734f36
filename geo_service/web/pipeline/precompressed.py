"""Cacheable bodies compressed once, not on every request.

GeoJSON layers, checks results, tiles and embeds are kept per data version; compressing them again for every
response costs more than serving them. :func:`response` marks such a body with its key; the one compression
path (:mod:`geo_service.web.pipeline.compression`) compresses each (encoding, key) once and keeps the bytes here,
bounded in bytes.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from collections.abc import Hashable

import brotli
from flask import Response

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


_COMPRESSED = ByteBoundedCache()  # the kept bodies' compressed bytes, per (encoding, key)
KEY_ATTRIBUTE = "geo_kept_body_key"  # on a Response: the key its body is kept under
GZIP_LEVEL = 6
BROTLI_QUALITY = 5


def _compress(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(body, quality=BROTLI_QUALITY)
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def compressed(body: bytes, encoding: str, key: Hashable | None = None) -> bytes:
    """``body`` in ``encoding``; with a ``key``, compressed once and kept (the next call gives the kept bytes)."""
    if key is None:
        return _compress(body, encoding)
    return _COMPRESSED.get_or_build((encoding, key), lambda: _compress(body, encoding))


def keep_compressed(key: Hashable, encoding: str, data: bytes) -> None:
    """Keep bytes already in ``encoding`` (an embed stored gzipped) as that encoding of ``key``'s body."""
    _COMPRESSED.get_or_build((encoding, key), lambda: data)


def kept_key(response: Response) -> Hashable | None:
    return getattr(response, KEY_ATTRIBUTE, None)


def response(key: Hashable, body: bytes, mimetype: str, headers: dict | None = None) -> Response:
    """``body`` (identified by ``key``, e.g. its ETag), to be sent in the best encoding the client accepts:
    compressed once per encoding by :mod:`geo_service.web.pipeline.compression`, and kept."""
    resp = Response(body, mimetype=mimetype, headers=headers)
    setattr(resp, KEY_ATTRIBUTE, key)
    return resp

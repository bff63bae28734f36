"""The one compression path: every response is compressed here, once, in the encoding the client prefers.

* Negotiation reads ``Accept-Encoding`` with its quality values (``gzip;q=0`` refuses gzip, ``*`` stands for
  any coding not named, ``identity`` asks for none): :func:`negotiate`.
* Text responses (HTML, JSON, GeoJSON, CSV, JS, CSS, SVG) of 1 KB or more are compressed in an
  ``after_request`` hook; streamed ones (exports) chunk by chunk. A strong ``ETag`` gets the coding appended
  (``"v5"`` → ``"v5:gzip"``: different bytes, RFC 9110), which :mod:`geo_service.conditional` strips when the
  tag comes back in ``If-Match`` / ``If-None-Match``.
* Bodies that are kept (layers, checks, tiles, embeds: sent with
  :func:`geo_service.web.pipeline.precompressed.response`) are compressed once per (encoding, key) and the
  compressed bytes kept, so a hot layer is not compressed again for every request; whatever their media type
  (vector tiles too); their ETag names the kept body and is left as it is.

This replaced flask-compress (which did the same for dynamic responses, while the kept bodies and the embeds
had paths of their own, the embeds' matching "gzip" as a substring and ignoring ``q=0``).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

import brotli
from flask import Flask, Response, request, stream_with_context

from geo_service.web.pipeline import precompressed
from geo_service.web.pipeline.precompressed import BROTLI_QUALITY, GZIP_LEVEL

MIMETYPES = frozenset(
    {
        "text/html",
        "text/css",
        "text/csv",
        "text/plain",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/geo+json",
        "application/problem+json",
        "image/svg+xml",
    }
)
ENCODINGS = ("br", "gzip")  # ours, in our order of preference when the client likes them equally
MIN_SIZE = 1024


def negotiate(accept_encoding: str | None) -> str | None:
    """The coding to send for this ``Accept-Encoding`` (RFC 9110 §12.5.3), or None for the body as it is."""
    quality: dict[str, float] = {}
    for part in (accept_encoding or "").split(","):
        name, _, params = part.partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0  # a weight we cannot read is no permission
        quality["gzip" if name == "x-gzip" else name] = q
    best, best_q = None, 0.0
    for coding in ENCODINGS:  # ties go to our order of preference
        q = quality.get(coding, quality.get("*", 0.0))
        if q > best_q:
            best, best_q = coding, q
    if best is not None and quality.get("identity", 0.0) > best_q:
        return None  # the body as it is, preferred
    return best


def _compress_chunks(chunks: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    if encoding == "br":
        compressor = brotli.Compressor(quality=BROTLI_QUALITY)
        for data in chunks:
            out = compressor.process(data)
            if out:
                yield out
        yield compressor.finish()
        return
    zcomp = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    for data in chunks:
        out = zcomp.compress(data)
        if out:
            yield out
    yield zcomp.flush()


def _compress_response(response: Response) -> Response:
    response.vary.add("Accept-Encoding")
    if "Content-Encoding" in response.headers or not 200 <= response.status_code < 300:
        return response
    key = precompressed.kept_key(response)
    if key is None and response.mimetype not in MIMETYPES:
        return response
    encoding = negotiate(request.headers.get("Accept-Encoding"))
    if encoding is None:
        return response
    if response.is_streamed:
        response.direct_passthrough = False
        response.response = stream_with_context(_compress_chunks(response.iter_encoded(), encoding))
        response.headers.pop("Content-Length", None)
        response.headers["Content-Encoding"] = encoding
        _mark_etag(response, encoding)
        return response
    body = response.get_data()
    if len(body) < MIN_SIZE:
        return response
    if key is not None:  # a kept body: compressed once, its ETag (the kept body's) left as it is
        response.set_data(precompressed.compressed(body, encoding, key))
        response.headers["Content-Encoding"] = encoding
        return response
    response.set_data(precompressed.compressed(body, encoding))
    response.headers["Content-Encoding"] = encoding
    _mark_etag(response, encoding)
    if request.method in ("GET", "HEAD"):
        response.make_conditional(request)  # 304 for a tag sent back as it was received, with its mark
    return response


def _mark_etag(response: Response, encoding: str) -> None:
    tag, weak = response.get_etag()
    if tag and not weak:
        response.set_etag(f"{tag}:{encoding}", weak=False)


def register(app: Flask) -> None:
    app.after_request(_compress_response)

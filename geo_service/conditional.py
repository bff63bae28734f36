"""Conditional requests (``If-Match``, ``If-None-Match``): the one parser of entity tags, used by every
precondition check and every cached route.

Compression changes a response's bytes, so flask-compress rightly marks a strong ETag with the encoding it
applied (``"v5"`` → ``"v5:gzip"``, ``"v6:br"``). A client that echoes the tag it received in ``If-Match``
names the same resource version either way: :func:`if_match_tags` gives back the tags without the encoding
mark (and without ``W/``), so ``"v5"``, ``"v5:gzip"``, ``"v5:br"`` and ``W/"v5"`` all match version 5
(issue 21 finding 11). Pure Python: used by services and routes alike.
"""

from __future__ import annotations

import re

# content-codings flask-compress (and common proxies) append to a strong ETag
_ENCODED = re.compile(r'^"(?P<tag>[^"]*):(?:gzip|br|deflate|zstd|x-gzip)"$')


def if_match_tags(header: str | None) -> list[str]:
    """The entity tags of an ``If-Match`` header, normalised (``*`` kept as is)."""
    tags = []
    for raw in (header or "").split(","):
        tag = raw.strip().removeprefix("W/")
        if not tag:
            continue
        m = _ENCODED.match(tag)
        tags.append(f'"{m.group("tag")}"' if m else tag)
    return tags


def matches(header: str | None, current: str) -> bool:
    """True when ``If-Match: header`` names ``current`` (a quoted ETag) or is ``*``."""
    tags = if_match_tags(header)
    return "*" in tags or current in tags


def none_match(header: str | None, current: str) -> bool:
    """True when ``If-None-Match: header`` names ``current`` (a quoted ETag), so the answer is 304: the weak
    comparison RFC 9110 §13.1.2 asks for (``W/`` ignored), the encoding mark ignored, ``*`` matching any."""
    return matches(header, current.removeprefix("W/"))

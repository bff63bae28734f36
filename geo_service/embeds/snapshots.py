"""Pinned and live embeds: render once per (view, data version), keep it, serve it again.

A live embed follows the latest data: its ETag changes when the data version does. A pinned
embed (``?version=N``) is served from the rendering kept when version N was current, so a
published board paper's map does not change under its readers.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from geo_service.caching import LRUCache
from geo_service.db.repositories import embed_snapshots
from geo_service.embeds.views import EmbedView
from geo_service.errors import NotFound


@dataclass(frozen=True)
class Rendered:
    title: str
    html: str


@dataclass(frozen=True)
class Embed:
    title: str
    body_gzip: bytes
    etag: str
    data_version: int
    pinned: bool
    created_at: datetime | None


# A (view, version) rendering never changes once stored: keep recent ones in memory per process.
_cache: LRUCache[Embed] = LRUCache(64)


def etag_for(view: EmbedView, data_version: int) -> str:
    digest = hashlib.sha256(f"{view.key}|v{data_version}".encode()).hexdigest()[:32]
    return f'"{digest}"'


def current_version(conn) -> int:
    return embed_snapshots.current_data_version(conn)


def get_embed(conn, view: EmbedView, version: int | None, render: Callable[[], Rendered]) -> Embed:
    """The embed for ``view`` at ``version`` (None = live, the current data)."""
    current = embed_snapshots.current_data_version(conn)
    wanted = current if version is None else version
    cached = _cache.get((conn.dsn, view.key, wanted))  # the dsn keeps databases apart
    if cached is not None:
        return Embed(cached.title, cached.body_gzip, cached.etag, wanted, version is not None, cached.created_at)
    snap = embed_snapshots.find(conn, view.key, wanted)
    if snap is None:
        if wanted != current:
            kept = embed_snapshots.versions(conn, view.key)
            raise NotFound(
                f"This map was not published at data version {wanted}. "
                + (
                    f"Versions kept for it: {', '.join(map(str, kept))}."
                    if kept
                    else "No pinned version is kept for it."
                )
            )
        rendered = render()
        body = gzip.compress(rendered.html.encode("utf-8"), compresslevel=6, mtime=0)
        etag = etag_for(view, current)
        embed_snapshots.store(conn, view.key, current, rendered.title, body, etag)
        return Embed(rendered.title, body, etag, current, version is not None, None)
    embed = Embed(snap["title"], snap["body_gzip"], snap["etag"], wanted, version is not None, snap["created_at"])
    _cache.put((conn.dsn, view.key, wanted), embed)
    return embed

"""Pinned and live embeds: render once per (view, scope, data version), keep it, serve it again.

A live embed follows the latest data: its ETag changes when the data version does. A pinned
embed (``?version=N``) is served from the rendering kept when version N was current, so a
published board paper's map does not change under its readers.

Stored renderings are keyed on the view and on its scope (``scoped_key``: the view's URL key plus a digest
of ``Scope.key()``). The data version fixes what a URL resolves to, so a pinned version is found by the
view's URL key alone (whatever its scope was then): a pinned embed kept in memory is served without the
database, and one kept in the database without resolving today's scope.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from geo_service.caching import LRUCache
from geo_service.db.repositories import embed_snapshots, meta
from geo_service.embeds.views import EmbedView
from geo_service.errors import NotFound
from geo_service.maps.script_policy import inline_script_hashes
from geo_service.scope import Scope


@dataclass(frozen=True)
class Rendered:
    title: str
    html: str


class UnpublishedVersion(NotFound):
    """A pinned version that was never kept for this view (issue 26: the route redirects to the current one)."""


@dataclass(frozen=True)
class Embed:
    title: str
    body_gzip: bytes
    etag: str
    data_version: int
    pinned: bool
    created_at: datetime | None
    # CSP sources ('sha256-…') of the body's inline scripts: computed from the body itself, so renderings
    # stored before (or without) any nonce still run under a script-src without 'unsafe-inline'.
    script_hashes: tuple[str, ...] = ()


# A (view, version) rendering never changes once stored: keep recent ones in memory per process.
_cache: LRUCache[Embed] = LRUCache(64)


def etag_for(view: EmbedView, data_version: int) -> str:
    digest = hashlib.sha256(f"{view.key}|v{data_version}".encode()).hexdigest()[:32]
    return f'"{digest}"'


def scoped_key(view: EmbedView, scope: Scope, variant: str = "") -> str:
    """The stored rendering's key: the view's key, ``|``, a digest of its scope (and of ``variant``: what else
    the rendering depends on, such as the public base URL its links are built on)."""
    digest = hashlib.sha256((repr(scope.key()) + (f"|{variant}" if variant else "")).encode()).hexdigest()[:16]
    return f"{view.key}{embed_snapshots.SCOPE_SEPARATOR}{digest}"


def current_version(conn, view: EmbedView | None = None) -> int:
    """The live version of a view: its scenario's own data version (issue 19: an edit of another scenario keeps
    this embed and its ETag), or the database's when no view is given."""
    if view is None:
        return meta.current_version(conn)
    return meta.scenario_version(conn, view.scenario)


def version_exists(conn, view: EmbedView, version: int) -> bool:
    """Whether ``?version=version`` of this view can be served: the current data, or a version kept for it."""
    return version == current_version(conn, view) or version in embed_snapshots.versions(conn, view.key)


def _embed(title: str, body_gzip: bytes, etag: str, version: int, pinned: bool, created_at) -> Embed:
    hashes = inline_script_hashes(gzip.decompress(body_gzip).decode("utf-8"))
    return Embed(title, body_gzip, etag, version, pinned, created_at, hashes)


def get_embed(
    database_key: str,
    connect: Callable[[], object],
    view: EmbedView,
    version: int | None,
    resolve: Callable[[object], Scope],
    render: Callable[[Scope], Rendered],
    variant: str = "",
    write: Callable[[Callable[[object], None]], None] | None = None,
) -> Embed:
    """The embed for ``view`` at ``version`` (None = live, the current data).

    ``database_key`` names the database (kept renderings of different databases never mix);
    ``connect`` lends the request's connection only when needed: a pinned embed already kept in
    memory is served without touching the database. ``resolve(conn)`` gives the view's scope on the
    current data, ``render(scope)`` renders it (both only when the current version is wanted).
    ``variant`` names what else a live rendering depends on (the public base URL); a pinned version is
    served as it was kept. ``write(fn)`` runs ``fn(conn)`` where a new rendering is kept (issue 26: on the
    primary when the request reads from a replica); by default on the request's connection.
    """
    pinned = version is not None
    database_key = f"{database_key}|{variant}"
    if pinned:
        cached = _cache.get((database_key, view.key, version))
        if cached is not None:
            return replace(cached, pinned=True)
    conn = connect()
    current = current_version(conn, view)
    wanted = current if version is None else version
    cached = _cache.get((database_key, view.key, wanted))
    if cached is not None:
        return replace(cached, pinned=pinned)
    if wanted != current:
        snap = embed_snapshots.find_pinned(conn, view.key, wanted)
        if snap is None:
            kept = embed_snapshots.versions(conn, view.key)
            listed = (
                f"Versions kept for it: {', '.join(map(str, kept))}." if kept else "No pinned version is kept for it."
            )
            raise UnpublishedVersion(f"This map was not published at data version {wanted}. {listed}")
    else:
        scope = resolve(conn)
        key = scoped_key(view, scope, variant)
        snap = embed_snapshots.find(conn, key, current)
        if snap is None:
            rendered = render(scope)
            body = gzip.compress(rendered.html.encode("utf-8"), compresslevel=6, mtime=0)
            etag = etag_for(view, current)

            # Not kept in memory yet: only what was read back from the database (so committed) is.
            def keep(on) -> None:
                embed_snapshots.store(on, key, current, rendered.title, body, etag)

            (write or (lambda fn: fn(conn)))(keep)
            return Embed(rendered.title, body, etag, current, pinned, None, inline_script_hashes(rendered.html))
    embed = _embed(snap["title"], snap["body_gzip"], snap["etag"], wanted, pinned, snap["created_at"])
    _cache.put((database_key, view.key, wanted), embed)
    return embed

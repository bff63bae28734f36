"""Absolute URLs that leave the service (embed "Open full map", snippets, oEmbed, discovery links).

They are built from the configured public base URL (``GEO_PUBLIC_URL``), never from the request's ``Host``
header: a client chooses that header, and an embed rendered once is stored and served to every later
visitor (and kept for good when pinned), so a hostile Host would otherwise poison what everyone links to.
Links that stay on our own pages are relative (``url_for`` without ``_external``).
"""

from __future__ import annotations

from flask import current_app, url_for


def public_base() -> str:
    """``scheme://host[:port]`` of the service as the public reaches it, without a trailing slash."""
    return current_app.config["GEO_PUBLIC_URL"].rstrip("/")


def public_url_for(endpoint: str, **values) -> str:
    """``url_for`` made absolute on the public base URL (the app's script root, if mounted, is kept)."""
    return public_base() + url_for(endpoint, **values)

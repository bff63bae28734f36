"""oEmbed (https://oembed.com) for our map and embed URLs: a ``rich`` response with the iframe.

Our URLs are those on the public base URL (``GEO_PUBLIC_URL``), which is also what the iframe points at: the
request's Host plays no part. A URL pinned to a data version that cannot be served is not found (404), as the
embed itself would be.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from geo_service.embeds.snapshots import current_version, version_exists
from geo_service.embeds.snippet import DEFAULT_WIDTH, iframe_html
from geo_service.embeds.views import EmbedView, embed_scope, parse_dimension, parse_version, parse_view
from geo_service.errors import GeoServiceError, NotFound

PROVIDER_NAME = "geo_service PCN planner"
_PATH = re.compile(
    r"^/(?:maps|embed)/(?P<scenario>[a-z0-9][a-z0-9-]*)/(?P<kind>area|network)s/(?P<code>[A-Za-z0-9]+)/?$"
)


class FormatNotImplemented(GeoServiceError):
    """oEmbed: the requested response format is not supported (the spec says 501)."""

    status = 501
    title = "Not Implemented"


def _dimension(raw: str | None, name: str) -> int | None:
    return parse_dimension(raw, name, f"'{name}' must be a positive whole number of pixels.")


def resolve(url: str, public_base: str) -> tuple[EmbedView, int | None]:
    """The embed view (and pinned version) a URL of ours stands for; NotFound for anything else."""
    try:
        parts = urlsplit(url or "")
        parts.port  # noqa: B018 - a malformed port raises ValueError
    except ValueError:
        raise NotFound("That URL is not a map of this service.") from None
    own = urlsplit(public_base)
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != own.netloc.lower():
        raise NotFound("That URL is not a map of this service.")
    m = _PATH.match(parts.path)
    if not m:
        raise NotFound("That URL is not an area or network map of this service.")
    args = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    view = parse_view(m["scenario"], m["kind"], m["code"], args)
    return view, parse_version(args.get("version"))


def oembed(conn, url: str, public_base: str, fmt: str = "json", maxwidth=None, maxheight=None) -> dict:
    """The oEmbed response for ``url``; ``public_base`` is the service's ``GEO_PUBLIC_URL``."""
    if (fmt or "json").lower() != "json":
        raise FormatNotImplemented(f"Only the json format is supported, not '{fmt}'.")
    view, version = resolve(url, public_base)
    # Named as the embed's map page names it: the scope resolved from the URL (NotFound if unknown).
    scope = embed_scope(conn, view)
    subject = scope.area if view.kind == "area" else scope.network
    if version is None:
        version = current_version(conn, view)
    elif not version_exists(conn, view, version):
        raise NotFound(f"This map was not published at data version {version}.")
    width = DEFAULT_WIDTH
    height = view.height
    max_w, max_h = _dimension(maxwidth, "maxwidth"), _dimension(maxheight, "maxheight")
    if max_w:
        width = min(width, max_w)
    if max_h:
        height = min(height, max_h)
    title = f"{subject['name']} ({subject['code']}) – {scope.scenario['name']}"
    base = public_base.rstrip("/")
    return {
        "version": "1.0",
        "type": "rich",
        "provider_name": PROVIDER_NAME,
        "provider_url": base + "/",
        "title": title,
        "html": iframe_html(base, view, version, title, height=height),
        "width": width,
        "height": height,
        "cache_age": 3600,
    }

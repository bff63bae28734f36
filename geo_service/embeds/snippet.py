"""The copy-and-paste HTML for an embed: a responsive, lazy, private iframe."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from geo_service.embeds.views import EmbedView

DEFAULT_WIDTH = 720


def embed_url(base_url: str, view: EmbedView, version: int | None) -> str:
    query = view.query()
    if version is not None:
        query["version"] = str(version)
    return base_url.rstrip("/") + view.path + ("?" + urlencode(query) if query else "")


def iframe_html(base_url: str, view: EmbedView, version: int | None, title: str, height: int | None = None) -> str:
    """``version`` pins the snapshot (None: follow the latest data)."""
    src = embed_url(base_url, view, version)
    return (
        f'<iframe src="{escape(src)}" title="{escape("Map: " + title)}"'
        f' width="100%" height="{int(height or view.height)}"'
        ' style="border:0;width:100%;max-width:100%" loading="lazy" allowfullscreen'
        ' referrerpolicy="strict-origin-when-cross-origin"></iframe>'
    )

"""The inline scripts of a rendered map, and what lets them run under a Content-Security-Policy whose
``script-src`` has no ``'unsafe-inline'``.

Folium writes each map as an inline ``<script>``. Pages rendered for a request carry that request's nonce
(:func:`add_nonce`); a stored embed (served unchanged for years, from public caches too) is allowed by the
SHA-256 hashes of its inline scripts instead (:func:`inline_script_hashes`), which works for renderings kept
before nonces existed as well.
"""

from __future__ import annotations

import base64
import hashlib
import re

# A <script> start tag (any attributes) and its text, up to the first </script: JSON inside our scripts
# is written with "<" escaped (builder.to_script_json), so a script's text never holds "</script".
_SCRIPT = re.compile(r"<script(?P<attrs>(?:\s[^>]*)?)>(?P<text>.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_SRC = re.compile(r"\ssrc\s*=", re.IGNORECASE)
_START_TAG = re.compile(r"<script(?=[\s>])", re.IGNORECASE)
_NONCE = re.compile(r"^[A-Za-z0-9+/_=-]{8,128}$")


def add_nonce(html: str, nonce: str | None) -> str:
    """Every ``<script`` start tag in ``html`` with ``nonce="…"`` (``html`` is our own rendered markup)."""
    if not nonce:
        return html
    if not _NONCE.match(nonce):
        raise ValueError("a CSP nonce is base64 text")
    return _START_TAG.sub(f'<script nonce="{nonce}"', html)


def inline_script_hashes(html: str) -> tuple[str, ...]:
    """CSP sources (``'sha256-…'``) for the inline scripts of ``html``, in order, without repeats."""
    out: list[str] = []
    for m in _SCRIPT.finditer(html):
        if _SRC.search(m["attrs"]):
            continue
        # The browser hashes the script's text after its parser has turned CR LF and CR into LF.
        text = m["text"].replace("\r\n", "\n").replace("\r", "\n")
        source = "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
        if source not in out:
            out.append(source)
    return tuple(out)

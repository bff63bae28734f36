"""URL slugs for boundary sets and scenarios ("CCG April 2019" → "ccg-april-2019")."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug or "unnamed"

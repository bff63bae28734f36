"""Canonical codes for URLs: a scenario slug, area code or network code typed in any case is the stored one
(``99j`` → ``99J``), so that one page has one URL (caches, shares, embeds)."""

from __future__ import annotations

from geo_service.db.repositories import search as repo


def canonical_values(conn, values: dict[str, str], code_kind: str | None) -> dict[str, str]:
    """The route values with each known slug/code in its stored spelling (unknown ones unchanged: the route
    then answers 404 with suggestions). ``code_kind`` says what ``code`` names: 'area', 'network' or None."""
    out = dict(values)
    slug_key = "scenario" if "scenario" in values else "slug" if "slug" in values else None
    if slug_key is None:
        return out
    slug = repo.canonical_scenario(conn, values[slug_key])
    if slug is None:
        return out
    out[slug_key] = slug
    code = values.get("code")
    if code and code_kind == "area":
        out["code"] = repo.canonical_area_code(conn, slug, code) or code
    elif code and code_kind == "network":
        out["code"] = repo.canonical_network_code(conn, slug, code) or code
    return out

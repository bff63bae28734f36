"""Settings: read once by the app factory or the CLI, never at import time.

Every setting can come from the environment (``DATABASE_URL``, ``GEO_*``) or from the
config dict passed to :func:`geo_service.create_app` (same names), the dict winning.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILES_ATTRIBUTION = "&copy; OpenStreetMap contributors"


@dataclass(frozen=True)
class Settings:
    database_url: str
    # Hot standbys for the read-only routes (issue 26, GEO_READ_DATABASE_URL, comma-separated); none: the primary.
    read_database_urls: tuple[str, ...] = ()
    project_root: Path = PROJECT_ROOT
    local_db_port: int = 5544
    statement_timeout_ms: int = 15000
    pool_min: int = 1
    pool_max: int = 8
    tiles_url: str | None = DEFAULT_TILES_URL
    tiles_attribution: str = DEFAULT_TILES_ATTRIBUTION
    embed_origins: tuple[str, ...] = ("*",)
    # Unset: a random key per process (sessions do not outlive it, nor work across workers); production
    # (``GEO_PRODUCTION``, set by ``serve --prod`` and the image) refuses to start without a strong one.
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    production: bool = False
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are believed (ProxyFix); 0: none.
    trusted_proxies: int = 0
    admin_token: str | None = None  # bearer token for the scenario settings API; unset: the API is read-only
    # Base of every absolute URL that leaves the service (embed links, snippets, oEmbed); never the request's Host.
    public_url: str = "http://127.0.0.1:5000"
    cookie_secure: bool = True  # issue 12: session cookie Secure; off only for plain-http development on 127.0.0.1
    extra: Mapping[str, Any] = field(default_factory=dict)

    def as_flask_config(self) -> dict[str, Any]:
        cfg = {
            "SECRET_KEY": self.secret_key,
            "DATABASE_URL": self.database_url,
            "GEO_READ_DATABASE_URL": self.read_database_urls,
            "GEO_TILES_URL": self.tiles_url,
            "GEO_TILES_ATTRIBUTION": self.tiles_attribution,
            "GEO_EMBED_ORIGINS": self.embed_origins,
            "GEO_ADMIN_TOKEN": self.admin_token,
            "GEO_PUBLIC_URL": self.public_url,
            "GEO_COOKIE_SECURE": self.cookie_secure,
            "GEO_PRODUCTION": self.production,
            "GEO_TRUSTED_PROXIES": self.trusted_proxies,
            "JSON_SORT_KEYS": False,
        }
        cfg.update(self.extra)
        return cfg


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"setting {name} must be a whole number, got {value!r}") from exc


def _flag(value: Any) -> bool:
    return str(value).strip().lower() not in ("0", "false", "no", "off", "", "none")


# Values seen in examples, documentation and earlier defaults: never accepted in production, whatever their length.
KNOWN_SECRETS = frozenset({"dev-only-not-secret", "changeme", "change-me", "secret", "bootstrap-secret-token"})
MIN_SECRET_CHARS = 32
MIN_SECRET_DISTINCT = 12


def secret_problem(name: str, value: str | None) -> str | None:
    """Why ``value`` is not a strong secret (None: it is). Strong: at least 32 characters with at least 12
    different ones, and not a value that appears in documentation: ``python -c "import secrets;
    print(secrets.token_urlsafe(48))"`` makes one."""
    how = 'make one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
    if not value:
        return f"{name} is not set; {how}"
    text = str(value)
    if text.strip().lower() in KNOWN_SECRETS or "example" in text.lower() or "change" in text.lower():
        return f"{name} is a published example value; {how}"
    if len(text) < MIN_SECRET_CHARS or len(set(text)) < MIN_SECRET_DISTINCT:
        return f"{name} is too weak (at least {MIN_SECRET_CHARS} characters, {MIN_SECRET_DISTINCT} different); {how}"
    return None


def production_problems(merged: Mapping[str, Any]) -> list[str]:
    """What stops this configuration being served on the internet: a weak or missing ``GEO_SECRET_KEY``
    (anyone knowing it can forge an admin's session) and, when set, a weak ``GEO_ADMIN_TOKEN``."""
    problems = [secret_problem("GEO_SECRET_KEY", merged.get("GEO_SECRET_KEY"))]
    if merged.get("GEO_ADMIN_TOKEN"):
        problems.append(secret_problem("GEO_ADMIN_TOKEN", merged.get("GEO_ADMIN_TOKEN")))
    return [p for p in problems if p]


class InsecureConfiguration(ValueError):
    """Production settings that would let someone forge sessions or guess the admin token."""


def public_base_url(value: Any, port: Any) -> str:
    """``GEO_PUBLIC_URL`` as ``scheme://host[:port]`` (no path, query or trailing slash); unset, the development
    address ``http://127.0.0.1:PORT``. The request's ``Host`` header never plays a part: it is the client's to set."""
    from urllib.parse import urlsplit

    if value in (None, ""):
        return f"http://127.0.0.1:{_int(port, 'PORT')}"
    text = str(value).strip().rstrip("/")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise ValueError(f"setting GEO_PUBLIC_URL must be a URL like https://pcn.example.org, got {value!r}") from exc
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username
        or parts.password
        or parts.path
        or parts.query
        or parts.fragment
        or any(c.isspace() or ord(c) < 0x20 for c in text)
    ):
        raise ValueError(f"setting GEO_PUBLIC_URL must be scheme://host[:port] (http or https, no path), got {value!r}")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def load_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """Merge environment and overrides into a :class:`Settings`."""
    from geo_service.db.cluster import LocalCluster
    from geo_service.db.routing import split_urls

    merged: dict[str, Any] = {k: v for k, v in os.environ.items() if k == "DATABASE_URL" or k.startswith("GEO_")}
    merged.update(overrides or {})
    root = Path(merged.get("GEO_PROJECT_ROOT", PROJECT_ROOT))
    port = _int(merged.get("GEO_DB_PORT", 5544), "GEO_DB_PORT")
    url = merged.get("DATABASE_URL") or LocalCluster(root, port=port).database_url()
    tiles = merged.get("GEO_TILES_URL", DEFAULT_TILES_URL)
    if tiles is not None and str(tiles).strip().lower() in ("", "none", "off"):
        tiles = None
    origins = merged.get("GEO_EMBED_ORIGINS", "*")
    if isinstance(origins, str):
        origins = tuple(o for o in origins.replace(",", " ").split() if o)
    known = {
        "DATABASE_URL",
        "GEO_READ_DATABASE_URL",
        "GEO_PROJECT_ROOT",
        "GEO_DB_PORT",
        "GEO_TILES_URL",
        "GEO_TILES_ATTRIBUTION",
        "GEO_EMBED_ORIGINS",
        "GEO_STATEMENT_TIMEOUT_MS",
        "GEO_POOL_MIN",
        "GEO_POOL_MAX",
        "GEO_SECRET_KEY",
        "GEO_ADMIN_TOKEN",
        "GEO_PUBLIC_URL",
        "GEO_COOKIE_SECURE",
        "GEO_PRODUCTION",
        "GEO_TRUSTED_PROXIES",
    }
    production = _flag(merged.get("GEO_PRODUCTION", "0"))
    if production:
        problems = production_problems(merged)
        if problems:
            raise InsecureConfiguration("refusing to start in production: " + "; ".join(problems))
    key = merged.get("GEO_SECRET_KEY") or secrets.token_urlsafe(48)
    return Settings(
        database_url=url,
        read_database_urls=split_urls(merged.get("GEO_READ_DATABASE_URL")),
        project_root=root,
        local_db_port=port,
        statement_timeout_ms=_int(merged.get("GEO_STATEMENT_TIMEOUT_MS", 15000), "GEO_STATEMENT_TIMEOUT_MS"),
        pool_min=_int(merged.get("GEO_POOL_MIN", 1), "GEO_POOL_MIN"),
        pool_max=_int(merged.get("GEO_POOL_MAX", 8), "GEO_POOL_MAX"),
        tiles_url=tiles,
        tiles_attribution=merged.get("GEO_TILES_ATTRIBUTION", DEFAULT_TILES_ATTRIBUTION),
        embed_origins=tuple(origins) or ("*",),
        secret_key=str(key),
        production=production,
        trusted_proxies=_int(merged.get("GEO_TRUSTED_PROXIES", 0), "GEO_TRUSTED_PROXIES"),
        admin_token=merged.get("GEO_ADMIN_TOKEN") or None,
        public_url=public_base_url(merged.get("GEO_PUBLIC_URL"), merged.get("PORT", os.environ.get("PORT", 5000))),
        cookie_secure=_flag(merged.get("GEO_COOKIE_SECURE", "1")),
        extra={k: v for k, v in (overrides or {}).items() if k not in known},
    )

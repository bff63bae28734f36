"""Settings: read once by the app factory or the CLI, never at import time.

Every setting can come from the environment (``DATABASE_URL``, ``GEO_*``) or from the
config dict passed to :func:`geo_service.create_app` (same names), the dict winning.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo_service.errors import SetupError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def site_root(project_root: Path = PROJECT_ROOT) -> Path:
    """The folder holding ``templates/`` and ``static/``: the checkout (development, editable installs), else the
    copy a built package carries in ``geo_service/_site`` (``pip install .``, the Docker image; see setup.py)."""
    if (Path(project_root) / "templates").is_dir():
        return Path(project_root)
    return Path(__file__).resolve().parent / "_site"


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
    # Where throttling counts (a ``limits`` storage URI); ``memory://`` counts per process (issue 21).
    ratelimit_storage: str = "memory://"
    # Most bytes (estimated) each per-process cache of derived results keeps (issue 21 finding 15).
    cache_max_bytes: int = 32 * 1024 * 1024
    cookie_secure: bool = True  # issue 12: session cookie Secure; off only for plain-http development on 127.0.0.1
    # Issue 22: background suggestions. "thread": the web process runs a queue worker (started by the first
    # suggestion request); "off": only `geo-service worker` processes run them. A worker beats every
    # job_heartbeat_seconds; one silent for job_stalled_seconds has stopped and its running job is queued again.
    job_worker: str = "thread"
    job_heartbeat_seconds: float = 10.0
    job_stalled_seconds: float = 30.0
    # Issue 26: OpenID Connect sign-in and local passwords (GEO_OIDC_*, GEO_LOCAL_PASSWORDS), as given; parsed and
    # checked by geo_service.access.oidc_settings when the app is built.
    sign_in: Mapping[str, Any] = field(default_factory=dict)
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
            "GEO_RATELIMIT_STORAGE": self.ratelimit_storage,
            "GEO_CACHE_MAX_BYTES": self.cache_max_bytes,
            "JSON_SORT_KEYS": False,
        }
        cfg.update(self.sign_in)
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


def _job_worker(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in ("thread", "off"):
        raise ValueError(f"setting GEO_JOB_WORKER must be 'thread' or 'off', got {value!r}")
    return text


def _seconds(value: Any, name: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"setting {name} must be a number of seconds, got {value!r}") from None
    if not 0 < out <= 3600:
        raise ValueError(f"setting {name} must be between 0 and 3600 seconds, got {value!r}")
    return out


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


def split_urls(value: object) -> tuple[str, ...]:
    """``GEO_READ_DATABASE_URL``: URLs separated by commas or whitespace (a list or tuple is taken as it is)."""
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple) else re.split(r"[,\s]+", str(value))
    return tuple(str(u).strip() for u in items if str(u).strip())


def load_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """Merge environment and overrides into a :class:`Settings`. ``DATABASE_URL`` is required: the development
    default (the project-local cluster) is the CLI's to supply (:func:`geo_service.cli.context.local_defaults`),
    so the web app never imports the cluster tooling."""
    merged: dict[str, Any] = {k: v for k, v in os.environ.items() if k == "DATABASE_URL" or k.startswith("GEO_")}
    merged.update(overrides or {})
    root = Path(merged.get("GEO_PROJECT_ROOT", PROJECT_ROOT))
    port = _int(merged.get("GEO_DB_PORT", 5544), "GEO_DB_PORT")
    url = merged.get("DATABASE_URL")
    if not url:
        raise SetupError(
            "DATABASE_URL is not set: point it at a PostGIS database (postgresql://user:password@host:5432/name); "
            "`make run` and the geo-service commands use the project-local cluster when it is unset"
        )
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
        "GEO_POOL_MAX",
        "GEO_SECRET_KEY",
        "GEO_ADMIN_TOKEN",
        "GEO_PUBLIC_URL",
        "GEO_COOKIE_SECURE",
        "GEO_PRODUCTION",
        "GEO_TRUSTED_PROXIES",
        "GEO_RATELIMIT_STORAGE",
        "GEO_CACHE_MAX_MB",
        "GEO_JOB_WORKER",
        "GEO_JOB_HEARTBEAT_SECONDS",
        "GEO_JOB_STALLED_SECONDS",
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
        pool_max=_int(merged.get("GEO_POOL_MAX", 8), "GEO_POOL_MAX"),
        tiles_url=tiles,
        tiles_attribution=merged.get("GEO_TILES_ATTRIBUTION", DEFAULT_TILES_ATTRIBUTION),
        embed_origins=tuple(origins) or ("*",),
        secret_key=str(key),
        production=production,
        trusted_proxies=_int(merged.get("GEO_TRUSTED_PROXIES", 0), "GEO_TRUSTED_PROXIES"),
        admin_token=merged.get("GEO_ADMIN_TOKEN") or None,
        public_url=public_base_url(merged.get("GEO_PUBLIC_URL"), merged.get("PORT", os.environ.get("PORT", 5000))),
        ratelimit_storage=str(merged.get("GEO_RATELIMIT_STORAGE") or "memory://").strip(),
        cache_max_bytes=_int(merged.get("GEO_CACHE_MAX_MB", 32), "GEO_CACHE_MAX_MB") * 1024 * 1024,
        cookie_secure=_flag(merged.get("GEO_COOKIE_SECURE", "1")),
        job_worker=_job_worker(merged.get("GEO_JOB_WORKER", "thread")),
        job_heartbeat_seconds=_seconds(merged.get("GEO_JOB_HEARTBEAT_SECONDS", 10), "GEO_JOB_HEARTBEAT_SECONDS"),
        job_stalled_seconds=_seconds(merged.get("GEO_JOB_STALLED_SECONDS", 30), "GEO_JOB_STALLED_SECONDS"),
        sign_in={k: v for k, v in merged.items() if k.startswith("GEO_OIDC_") or k == "GEO_LOCAL_PASSWORDS"},
        extra={k: v for k, v in (overrides or {}).items() if k not in known},
    )

"""The sign-in settings of a deployment (issue 26): OpenID Connect (``GEO_OIDC_*``) and ``GEO_LOCAL_PASSWORDS``.

Parsed once when the app is built, so a mistake stops the start with the setting's name, not the first sign-in.
See the README's "Signing in with OpenID Connect" for what each one does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from geo_service.errors import SetupError

ROLES = ("editor", "approver", "admin")  # as geo_service.access.service.ROLES
TOKEN_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt")
ACCOUNT_MODES = ("create", "existing")
DEFAULT_SCOPES = "openid profile email"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
COMMISSIONER = re.compile(r"[A-Z0-9]{2,10}", re.ASCII)


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str | None
    private_key_pem: str | None  # private_key_jwt: the client's key (GEO_OIDC_PRIVATE_KEY_FILE), PEM
    private_key_id: str | None  # its ``kid`` as registered with the provider (GEO_OIDC_PRIVATE_KEY_ID)
    token_auth: str  # one of TOKEN_AUTH_METHODS
    scopes: str
    provider_name: str
    accounts: str  # 'create': a first sign-in makes the account; 'existing': only accounts linked beforehand
    role_claim: str | None  # a claim path (dots; lists are walked), e.g. 'groups', 'realm_access.roles'
    role_map: tuple[tuple[str, str, str | None], ...]  # (claim value, role, commissioner code or None)
    username_claim: str
    redirect_uri: str
    clock_skew_s: int
    signing_algs: tuple[str, ...]
    pending_ttl_s: int = 600  # a browser has this long at the provider before its state expires

    @property
    def roles_from_provider(self) -> bool:
        return bool(self.role_claim)


@dataclass(frozen=True)
class SignInSettings:
    local_passwords: bool
    oidc: OidcSettings | None


def _flag(value: Any, name: str) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise SetupError(f"setting {name} must be on or off, got {value!r}")


def _url(value: str, name: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SetupError(f"setting {name} must be an https URL, got {value!r}")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise SetupError(f"setting {name} must use https (plain http only on 127.0.0.1 for development), got {value!r}")
    return value.strip().rstrip("/")


def parse_role_map(value: Any) -> tuple[tuple[str, str, str | None], ...]:
    """``GEO_OIDC_ROLE_MAP``: ``claim value=role[@commissioner], …`` (commas or new lines), or a JSON object
    ``{"claim value": "role" | ["role@QWE", …]}``. A claim value may hold ':' and spaces (CIS2 role codes)."""
    if value is None or str(value).strip() == "":
        return ()
    pairs: list[tuple[str, str]] = []
    text = str(value).strip()
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except ValueError as exc:
            raise SetupError(f"setting GEO_OIDC_ROLE_MAP is not valid JSON: {exc}") from exc
        for claim, roles in loaded.items():
            pairs += [(str(claim), str(r)) for r in (roles if isinstance(roles, list) else [roles])]
    else:
        for item in re.split(r"[,\n]", text):
            if item.strip():
                claim, sep, role = item.rpartition("=")
                if not sep or not claim.strip():
                    raise SetupError(f"setting GEO_OIDC_ROLE_MAP: '{item.strip()}' is not 'claim value=role'")
                pairs.append((claim.strip(), role.strip()))
    out = []
    for claim, granted in pairs:
        role, _, code = granted.partition("@")
        role, code = role.strip().lower(), code.strip().upper() or None
        if role not in ROLES:
            raise SetupError(f"setting GEO_OIDC_ROLE_MAP: '{claim}' maps to unknown role '{role}' ({', '.join(ROLES)})")
        if code is not None and not COMMISSIONER.fullmatch(code):
            raise SetupError(f"setting GEO_OIDC_ROLE_MAP: '{code}' is not a commissioner code (for '{claim}')")
        out.append((claim, role, code))
    return tuple(out)


def _private_key(config: Mapping[str, Any]) -> str | None:
    path = config.get("GEO_OIDC_PRIVATE_KEY_FILE")
    if not path:
        return None
    try:
        pem = Path(str(path)).read_text()
    except OSError as exc:
        raise SetupError(f"setting GEO_OIDC_PRIVATE_KEY_FILE: cannot read {path}: {exc.strerror}") from exc
    if "PRIVATE KEY" not in pem:
        raise SetupError(f"setting GEO_OIDC_PRIVATE_KEY_FILE: {path} holds no PEM private key")
    return pem


def parse(config: Mapping[str, Any]) -> SignInSettings:
    """The deployment's sign-in settings from the app config (environment and overrides)."""
    local = _flag(config.get("GEO_LOCAL_PASSWORDS", "on"), "GEO_LOCAL_PASSWORDS")
    issuer = str(config.get("GEO_OIDC_ISSUER") or "").strip()
    if not issuer:
        if not local:
            raise SetupError("setting GEO_LOCAL_PASSWORDS=off needs GEO_OIDC_ISSUER: nobody could sign in")
        return SignInSettings(local, None)
    issuer = _url(issuer, "GEO_OIDC_ISSUER")
    client_id = str(config.get("GEO_OIDC_CLIENT_ID") or "").strip()
    if not client_id:
        raise SetupError("setting GEO_OIDC_CLIENT_ID is required with GEO_OIDC_ISSUER")
    secret = str(config.get("GEO_OIDC_CLIENT_SECRET") or "") or None
    key = _private_key(config)
    method = str(config.get("GEO_OIDC_TOKEN_AUTH") or ("private_key_jwt" if key else "client_secret_basic")).strip()
    if method not in TOKEN_AUTH_METHODS:
        raise SetupError(f"setting GEO_OIDC_TOKEN_AUTH must be one of {', '.join(TOKEN_AUTH_METHODS)}, got {method!r}")
    if method == "private_key_jwt" and not key:
        raise SetupError("setting GEO_OIDC_TOKEN_AUTH=private_key_jwt needs GEO_OIDC_PRIVATE_KEY_FILE")
    if method != "private_key_jwt" and not secret:
        raise SetupError(f"setting GEO_OIDC_TOKEN_AUTH={method} needs GEO_OIDC_CLIENT_SECRET")
    scopes = " ".join(str(config.get("GEO_OIDC_SCOPES") or DEFAULT_SCOPES).replace(",", " ").split())
    if "openid" not in scopes.split():
        raise SetupError(f"setting GEO_OIDC_SCOPES must include 'openid', got {scopes!r}")
    accounts = str(config.get("GEO_OIDC_ACCOUNTS") or "create").strip().lower()
    if accounts not in ACCOUNT_MODES:
        raise SetupError(f"setting GEO_OIDC_ACCOUNTS must be one of {', '.join(ACCOUNT_MODES)}, got {accounts!r}")
    role_claim = str(config.get("GEO_OIDC_ROLE_CLAIM") or "").strip() or None
    role_map = parse_role_map(config.get("GEO_OIDC_ROLE_MAP"))
    if role_map and not role_claim:
        raise SetupError("setting GEO_OIDC_ROLE_MAP needs GEO_OIDC_ROLE_CLAIM (the claim that holds the values)")
    public = str(config.get("GEO_PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/")
    redirect = _url(str(config.get("GEO_OIDC_REDIRECT_URI") or f"{public}/sign-in/oidc/callback"),
                    "GEO_OIDC_REDIRECT_URI")  # fmt: skip
    try:
        skew = int(config.get("GEO_OIDC_CLOCK_SKEW_SECONDS", 60))
    except (TypeError, ValueError):
        raise SetupError("setting GEO_OIDC_CLOCK_SKEW_SECONDS must be a whole number of seconds") from None
    if not 0 <= skew <= 300:
        raise SetupError(f"setting GEO_OIDC_CLOCK_SKEW_SECONDS must be 0 to 300, got {skew}")
    algs = tuple(str(config.get("GEO_OIDC_SIGNING_ALGS") or "RS256 PS256 ES256").replace(",", " ").split())
    if not algs or any(a.lower() == "none" or a.startswith("HS") for a in algs):
        raise SetupError("setting GEO_OIDC_SIGNING_ALGS: only asymmetric algorithms (RS256, PS256, ES256 …)")
    oidc = OidcSettings(
        issuer=issuer,
        client_id=client_id,
        client_secret=secret,
        private_key_pem=key,
        private_key_id=str(config.get("GEO_OIDC_PRIVATE_KEY_ID") or "") or None,
        token_auth=method,
        scopes=scopes,
        provider_name=str(config.get("GEO_OIDC_PROVIDER_NAME") or "").strip() or urlsplit(issuer).hostname,
        accounts=accounts,
        role_claim=role_claim,
        role_map=role_map,
        username_claim=str(config.get("GEO_OIDC_USERNAME_CLAIM") or "preferred_username").strip(),
        redirect_uri=redirect,
        clock_skew_s=skew,
        signing_algs=algs,
    )
    return SignInSettings(local, oidc)

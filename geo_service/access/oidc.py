"""OpenID Connect sign-in (issue 26): the authorisation-code flow with PKCE, with Authlib as the client.

1. :meth:`OidcClient.begin` reads the provider's discovery document, makes a state, a nonce and a PKCE verifier,
   keeps them server-side (``oidc_pending_sign_ins``, the state as a hash) and answers the provider's
   authorisation URL. The web layer also keeps the state in the browser's session: the callback must come back
   to the browser that started it.
2. :meth:`OidcClient.complete` uses the state once (a replay finds it used), trades the code for tokens at the
   token endpoint (``client_secret_basic``, ``client_secret_post`` or ``private_key_jwt``, with the verifier),
   checks the ID token (signature by a key of the provider's JWKS, issuer, audience, expiry, nonce, at_hash),
   reads the userinfo endpoint (same ``sub``), then finds or makes the account
   (:mod:`geo_service.access.oidc_accounts`).

No pooled database connection is held while the provider is asked anything (issue 21): each database step is a
short borrow of its own, committed at once, so a refused sign-in keeps its audit row and its used state.
Every refusal is a :class:`SignInRefused` naming the reason; the caller audits it (:func:`audit_refusal`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    InvalidTokenError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from geo_service.access import audit
from geo_service.access.oidc_accounts import SignedIn, sign_in_identity
from geo_service.access.oidc_settings import OidcSettings
from geo_service.access.refusals import SignInRefused
from geo_service.db.repositories import identities as identities_repo

log = logging.getLogger(__name__)

HTTP_TIMEOUT_S = 10
METADATA_TTL_S = 3600
KEYS_REFRESH_MIN_S = 60  # an unknown key id fetches the JWKS again, at most this often (key rotation)
USED_STATE_KEPT_S = 86400  # a used state is remembered this long, so a replay is named as one


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def same_state(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


@dataclass(frozen=True)
class Started:
    url: str  # where to send the browser
    state: str  # to keep in the browser's session


class OidcClient:
    """One deployment's OpenID provider: its discovery document and keys (cached), and the two steps of a
    sign-in. One per app (``app.extensions``); safe to share between threads."""

    def __init__(self, settings: OidcSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._metadata: dict | None = None
        self._metadata_at = 0.0
        self._keys: KeySet | None = None
        self._keys_at = 0.0

    # ---- the provider's documents ----------------------------------------------------------------------------

    def _get_json(self, url: str, what: str) -> dict:
        try:
            resp = requests.get(url, timeout=HTTP_TIMEOUT_S, headers={"Accept": "application/json"})
            resp.raise_for_status()
            return resp.json()
        except (requests.RequestException, ValueError) as exc:
            log.warning("OpenID provider %s at %s: %s", what, url, exc)
            raise SignInRefused(
                "provider_unreachable",
                f"{self.settings.provider_name} could not be reached ({what}). Try again in a minute.",
                503,
            ) from None

    def metadata(self) -> dict:
        """The provider's ``.well-known/openid-configuration`` (cached an hour); its issuer must be ours exactly."""
        with self._lock:
            if self._metadata is not None and time.monotonic() - self._metadata_at < METADATA_TTL_S:
                return self._metadata
        doc = self._get_json(f"{self.settings.issuer}/.well-known/openid-configuration", "discovery document")
        if str(doc.get("issuer", "")).rstrip("/") != self.settings.issuer:
            raise SignInRefused(
                "provider_misconfigured",
                f"{self.settings.provider_name}'s discovery document names issuer {doc.get('issuer')!r}, "
                f"not {self.settings.issuer!r} (GEO_OIDC_ISSUER).",
                503,
            )
        for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not doc.get(field):
                raise SignInRefused(
                    "provider_misconfigured", f"{self.settings.provider_name}'s discovery document has no {field}.", 503
                )
        with self._lock:
            self._metadata, self._metadata_at = doc, time.monotonic()
        return doc

    def _key_set(self, refresh: bool = False) -> KeySet:
        with self._lock:
            fresh = time.monotonic() - self._keys_at < KEYS_REFRESH_MIN_S
            if self._keys is not None and (not refresh or fresh):
                return self._keys
        keys = KeySet.import_key_set(self._get_json(self.metadata()["jwks_uri"], "signing keys"))
        with self._lock:
            self._keys, self._keys_at = keys, time.monotonic()
        return keys

    # ---- step 1 ----------------------------------------------------------------------------------------------

    def begin(self, db, next_url: str | None) -> Started:
        """Start a sign-in: the provider's authorisation URL, with state, nonce and a PKCE (S256) challenge."""
        meta = self.metadata()
        state, nonce, verifier = generate_token(43), generate_token(43), generate_token(64)
        with db.connection() as conn:
            identities_repo.purge_pending(conn, USED_STATE_KEPT_S)
            identities_repo.insert_pending(conn, state_hash(state), nonce, verifier, next_url)
        with self._session() as client:
            url, _ = client.create_authorization_url(
                meta["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
            )
        return Started(url, state)

    def _session(self) -> OAuth2Session:
        s = self.settings
        if s.token_auth == "private_key_jwt":
            client = OAuth2Session(
                s.client_id,
                s.private_key_pem,
                token_endpoint_auth_method="private_key_jwt",
                scope=s.scopes,
                redirect_uri=s.redirect_uri,
                code_challenge_method="S256",
            )
            headers = {"kid": s.private_key_id} if s.private_key_id else None
            client.register_client_auth_method(PrivateKeyJWT(self.metadata()["token_endpoint"], headers=headers))
            return client
        return OAuth2Session(
            s.client_id,
            s.client_secret,
            token_endpoint_auth_method=s.token_auth,
            scope=s.scopes,
            redirect_uri=s.redirect_uri,
            code_challenge_method="S256",
        )

    # ---- step 2 ----------------------------------------------------------------------------------------------

    def complete(self, db, params: dict[str, str], browser_state: str | None) -> SignedIn:
        """Finish a sign-in from the callback's query ``params``; ``browser_state`` is the state this browser's
        session holds. The signed-in account, or :class:`SignInRefused`."""
        s = self.settings
        state = params.get("state") or ""
        if not state:
            raise SignInRefused("state_missing", "The answer from the sign-in service had no state. Start again.", 400)
        with db.connection() as conn:
            outcome, pending = identities_repo.consume_pending(conn, state_hash(state), s.pending_ttl_s)
        if outcome == "used":
            raise SignInRefused(
                "state_replayed", "This sign-in answer has already been used (a replay). Start again to sign in.", 400
            )
        if outcome == "expired":
            raise SignInRefused("state_expired", "The sign-in took too long and has expired. Start again.", 400)
        if outcome == "unknown":
            raise SignInRefused(
                "state_unknown", "This sign-in answer was not started by this service. Start again.", 400
            )
        if not same_state(state, browser_state):
            raise SignInRefused(
                "state_other_browser", "This sign-in was started in another browser or tab. Start again here.", 400
            )
        if params.get("error"):
            described = (params.get("error_description") or "").strip()
            raise SignInRefused(
                "provider_error",
                f"{s.provider_name} did not sign you in ({params['error']}{': ' + described if described else ''}).",
                401,
            )
        meta = self.metadata()
        if "iss" in params and params["iss"].rstrip("/") != s.issuer:  # RFC 9207: a mix-up of providers
            raise SignInRefused("issuer_mismatch", "The sign-in answer came from another identity provider.", 401)
        if not params.get("code"):
            raise SignInRefused("code_missing", "The answer from the sign-in service had no code. Start again.", 400)
        tokens = self._exchange(meta, params["code"], pending["code_verifier"])
        claims = self.verify_id_token(tokens.get("id_token"), pending["nonce"], tokens.get("access_token"))
        claims = {**self._userinfo(meta, tokens, claims["sub"]), **claims}
        result = sign_in_identity(db, s, claims)
        return SignedIn(result.actor, result.created, result.roles_changed, pending["next_url"], claims)

    def _exchange(self, meta: dict, code: str, verifier: str) -> dict:
        try:
            with self._session() as client:
                return dict(
                    client.fetch_token(
                        meta["token_endpoint"],
                        grant_type="authorization_code",
                        code=code,
                        code_verifier=verifier,
                        timeout=HTTP_TIMEOUT_S,
                    )
                )
        except OAuthError as exc:
            raise SignInRefused(
                "token_refused",
                f"{self.settings.provider_name} refused to complete the sign-in ({exc.error}). Start again.",
                401,
            ) from None
        except requests.RequestException as exc:
            log.warning("OpenID token endpoint: %s", exc)
            raise SignInRefused(
                "provider_unreachable", f"{self.settings.provider_name} could not be reached. Try again.", 503
            ) from None

    def verify_id_token(self, id_token: str | None, nonce: str, access_token: str | None) -> dict:
        """The ID token's claims once its signature (a key of the provider's JWKS, an allowed algorithm), issuer,
        audience, expiry (with ``GEO_OIDC_CLOCK_SKEW_SECONDS``), nonce and at_hash are right."""
        s = self.settings
        if not id_token:
            raise SignInRefused("id_token_missing", f"{s.provider_name} sent no ID token.", 401)
        supported = self.metadata().get("id_token_signing_alg_values_supported") or list(s.signing_algs)
        algs = [a for a in s.signing_algs if a in supported]
        registry = JWSRegistry(algorithms=algs)
        try:
            try:
                token = jwt.decode(id_token, self._key_set(), algorithms=algs, registry=registry)
            except (InvalidKeyIdError, BadSignatureError):
                token = jwt.decode(id_token, self._key_set(refresh=True), algorithms=algs, registry=registry)
        except (BadSignatureError, InvalidKeyIdError, ValueError, JoseError) as exc:
            raise SignInRefused(
                "id_token_signature",
                f"{s.provider_name}'s ID token is not signed by one of its published keys ({type(exc).__name__}).",
                401,
            ) from None
        options = {
            "iss": {"essential": True, "value": s.issuer},
            "aud": {"essential": True, "value": s.client_id},
            "sub": {"essential": True},
            "exp": {"essential": True},
            "iat": {"essential": True},
            "nonce": {"essential": True},
        }
        claims = CodeIDToken(
            token.claims,
            token.header,
            options,
            {"nonce": nonce, "client_id": s.client_id, "access_token": access_token},
        )
        try:
            claims.validate(leeway=s.clock_skew_s)
        except ExpiredTokenError:
            raise SignInRefused(
                "id_token_expired",
                f"{s.provider_name}'s ID token had expired when it arrived (check this server's clock).",
                401,
            ) from None
        except (InvalidClaimError, MissingClaimError) as exc:
            claim = getattr(exc, "claim", "") or str(exc)
            reason = {"aud": "id_token_audience", "azp": "id_token_audience", "iss": "id_token_issuer",
                      "nonce": "id_token_nonce"}.get(claim, "id_token_invalid")  # fmt: skip
            said = {
                "id_token_audience": "was meant for another service (its audience is not this one)",
                "id_token_issuer": "names another issuer",
                "id_token_nonce": "does not answer this sign-in (its nonce differs)",
            }.get(reason, f"has a wrong or missing '{claim}' claim")
            raise SignInRefused(reason, f"{s.provider_name}'s ID token {said}.", 401) from None
        except (InvalidTokenError, JoseError) as exc:
            raise SignInRefused(
                "id_token_invalid", f"{s.provider_name}'s ID token is not valid ({exc}).", 401
            ) from None
        return dict(claims)

    def _userinfo(self, meta: dict, tokens: dict, subject: str) -> dict[str, Any]:
        """The userinfo endpoint's claims (profile, e-mail, roles: CIS2 answers roles only there); its ``sub``
        must be the ID token's (OpenID Connect Core 5.3.2)."""
        endpoint = meta.get("userinfo_endpoint")
        if not endpoint or not tokens.get("access_token"):
            return {}
        try:
            resp = requests.get(
                endpoint,
                headers={"Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json"},
                timeout=HTTP_TIMEOUT_S,
            )
            resp.raise_for_status()
            info = resp.json()
        except (requests.RequestException, ValueError) as exc:
            log.warning("OpenID userinfo endpoint: %s", exc)
            raise SignInRefused(
                "provider_unreachable", f"{self.settings.provider_name} did not answer who you are. Try again.", 503
            ) from None
        if not isinstance(info, dict) or info.get("sub") != subject:
            raise SignInRefused("userinfo_mismatch", "The sign-in service described someone else. Start again.", 401)
        return info


def audit_refusal(db, refusal: SignInRefused, issuer: str) -> None:
    """One audit row for a refused sign-in (its own transaction: the refused request's is rolled back)."""
    with db.connection() as conn:
        audit.record(
            conn,
            None,
            "sign_in.refused",
            "user",
            refusal.user_id,
            None,
            {"method": "oidc", "reason": refusal.reason, "issuer": issuer, "subject": refusal.subject,
             "message": refusal.message},
        )  # fmt: skip

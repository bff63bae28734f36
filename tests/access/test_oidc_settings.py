"""Issue 26: the single sign-on settings are checked when the app is built; a mistake names the setting."""

from __future__ import annotations

import pytest

from geo_service.access.oidc_settings import parse, parse_role_map
from geo_service.errors import SetupError

pytestmark = pytest.mark.quick
BASE = {"GEO_OIDC_ISSUER": "https://idp.example.nhs.uk/realms/pcn/", "GEO_OIDC_CLIENT_ID": "geo",
        "GEO_OIDC_CLIENT_SECRET": "s" * 40, "GEO_PUBLIC_URL": "https://pcn.example.org"}  # fmt: skip


def test_defaults():
    s = parse(BASE)
    assert s.local_passwords and s.oidc.issuer == "https://idp.example.nhs.uk/realms/pcn"
    assert (s.oidc.token_auth, s.oidc.scopes, s.oidc.accounts) == (
        "client_secret_basic",
        "openid profile email",
        "create",
    )
    assert s.oidc.redirect_uri == "https://pcn.example.org/sign-in/oidc/callback"
    assert s.oidc.provider_name == "idp.example.nhs.uk" and not s.oidc.roles_from_provider
    assert parse({}).oidc is None


def test_private_key_jwt_from_a_key_file(tmp_path):
    key = tmp_path / "client.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n")
    s = parse({**BASE, "GEO_OIDC_CLIENT_SECRET": "", "GEO_OIDC_PRIVATE_KEY_FILE": str(key),
               "GEO_OIDC_SCOPES": "openid profile nationalrbacaccess"})  # fmt: skip
    assert s.oidc.token_auth == "private_key_jwt" and s.oidc.scopes == "openid profile nationalrbacaccess"


def test_role_map_forms():
    assert parse_role_map("geo-editors=editor, S8000:G8000:R8001 = approver@99j") == (
        ("geo-editors", "editor", None),
        ("S8000:G8000:R8001", "approver", "99J"),
    )
    assert parse_role_map('{"admins": ["admin", "editor@QWE"]}') == (("admins", "admin", None),
                                                                    ("admins", "editor", "QWE"))  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"GEO_LOCAL_PASSWORDS": "off", "GEO_OIDC_ISSUER": ""}, "GEO_LOCAL_PASSWORDS=off needs GEO_OIDC_ISSUER"),
        ({"GEO_LOCAL_PASSWORDS": "maybe"}, "setting GEO_LOCAL_PASSWORDS must be on or off"),
        ({"GEO_OIDC_ISSUER": "http://idp.example.nhs.uk"}, "setting GEO_OIDC_ISSUER must use https"),
        ({"GEO_OIDC_CLIENT_ID": ""}, "setting GEO_OIDC_CLIENT_ID is required"),
        ({"GEO_OIDC_CLIENT_SECRET": ""}, "GEO_OIDC_TOKEN_AUTH=client_secret_basic needs GEO_OIDC_CLIENT_SECRET"),
        ({"GEO_OIDC_TOKEN_AUTH": "private_key_jwt"}, "needs GEO_OIDC_PRIVATE_KEY_FILE"),
        ({"GEO_OIDC_PRIVATE_KEY_FILE": "/nonexistent/key.pem"}, "GEO_OIDC_PRIVATE_KEY_FILE: cannot read"),
        ({"GEO_OIDC_SCOPES": "profile email"}, "GEO_OIDC_SCOPES must include 'openid'"),
        ({"GEO_OIDC_ACCOUNTS": "anyone"}, "GEO_OIDC_ACCOUNTS must be one of create, existing"),
        ({"GEO_OIDC_ROLE_MAP": "a=editor"}, "GEO_OIDC_ROLE_MAP needs GEO_OIDC_ROLE_CLAIM"),
        ({"GEO_OIDC_ROLE_CLAIM": "groups", "GEO_OIDC_ROLE_MAP": "a=boss"}, "maps to unknown role 'boss'"),
        ({"GEO_OIDC_ROLE_CLAIM": "groups", "GEO_OIDC_ROLE_MAP": "editor"}, "'editor' is not 'claim value=role'"),
        ({"GEO_OIDC_SIGNING_ALGS": "HS256"}, "only asymmetric algorithms"),
        ({"GEO_OIDC_CLOCK_SKEW_SECONDS": "900"}, "GEO_OIDC_CLOCK_SKEW_SECONDS must be 0 to 300"),
    ],
)
def test_mistakes_name_the_setting(extra, message):
    with pytest.raises(SetupError) as err:
        parse({**BASE, **extra})
    assert message in str(err.value)

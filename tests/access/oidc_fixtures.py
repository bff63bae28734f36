"""A real OpenID provider (the npm ``oidc-provider`` package, tests/access/oidc_provider.mjs) on 127.0.0.1 for the
sign-in tests (issue 26), and a browser-less browser: a cookie jar that follows redirects and fills in forms."""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import requests

from geo_service.config import PROJECT_ROOT
from tests.conftest import ServerThread, free_port

SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
PACKAGE = PROJECT_ROOT / "node_modules" / "oidc-provider" / "package.json"
START_DEADLINE_S = 30
SECRET = "client-secret-for-tests-0123456789abcdef"


class OidcProvider:
    """``node oidc_provider.mjs`` with a config file; ``with`` starts it (waiting for its "listening" line) and
    stops it (SIGTERM, then kill)."""

    def __init__(self, workdir: Path, clients: list[dict], accounts: dict[str, dict], **options) -> None:
        if shutil.which("node") is None or not PACKAGE.is_file():
            raise FileNotFoundError(f"{PACKAGE} or node is missing: run `npm ci` (oidc-provider is in package.json)")
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.config = workdir / f"oidc-provider-{self.port}.json"
        self.config.write_text(json.dumps({"port": self.port, "clients": clients, "accounts": accounts, **options}))
        self.log = workdir / f"oidc-provider-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> OidcProvider:
        with open(self.log, "wb") as err:
            self.process = subprocess.Popen(
                ["node", str(SCRIPT), str(self.config)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=err,
                env={**os.environ, "NODE_ENV": "test"},
            )  # fmt: skip
        sel = selectors.DefaultSelector()
        sel.register(self.process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if sel.select(timeout=0.2) and self.process.stdout.readline().decode().startswith("listening "):
                return self
        self.__exit__()
        raise RuntimeError(f"the OpenID provider did not start: {self.log.read_text()[-2000:]}")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stdout:
            self.process.stdout.close()


def client(client_id: str, redirect_uris: list[str], **metadata) -> dict:
    """An oidc-provider client registration: code flow, client_secret_basic unless ``metadata`` says otherwise."""
    base = {
        "client_id": client_id,
        "client_secret": SECRET,
        "redirect_uris": redirect_uris,
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
    }
    return {**base, **metadata}


class AppServer(ServerThread):
    """The app on a port chosen before it is built (its redirect URI is registered with the provider first)."""

    def __init__(self, app, port: int) -> None:
        from werkzeug.serving import make_server

        super().__init__(make_server("127.0.0.1", port, app, threaded=True))


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001 - HTMLParser's signature
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "id": a.get("id"), "fields": {}})
        elif tag in ("input", "button") and self.forms and a.get("name"):
            self.forms[-1]["fields"].setdefault(a["name"], a.get("value") or "")


def forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


class Browser:
    """A cookie jar that follows redirects (app and provider alike) and submits forms as a person would."""

    def __init__(self) -> None:
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "geo-service-tests/oidc"

    def get(self, url: str) -> requests.Response:
        return self.http.get(url, timeout=30)

    def submit(self, resp: requests.Response, values: dict[str, str], form_id: str | None = None):
        """Fill in and send a form of ``resp``'s page (the one with ``form_id``, else the first)."""
        found = forms(resp.text)
        form = next((f for f in found if form_id is None or f["id"] == form_id), None)
        assert form is not None, f"no form {form_id or ''} on {resp.url}: {resp.text[:500]}"
        return self.http.post(urljoin(resp.url, form["action"]), data={**form["fields"], **values}, timeout=30)

    def sign_in(self, app_url: str, login: str, next_path: str = "") -> requests.Response:
        """The whole flow: the app's sign-in page, its "Sign in with …" button, the provider's login form (any
        password: the provider's development login), back to the app's callback and on. The last answer."""
        page = self.get(f"{app_url}/sign-in" + (f"?next={next_path}" if next_path else ""))
        at_provider = self.submit(page, {}, "sign-in-oidc")
        if at_provider.url.startswith(app_url):  # refused before leaving (e.g. provider unreachable)
            return at_provider
        assert "login" in {k for f in forms(at_provider.text) for k in f["fields"]}, at_provider.text[:500]
        return self.submit(at_provider, {"login": login, "password": "any"})

    def signed_in_as(self, app_url: str) -> str | None:
        m = re.search(r"Signed in as ([^<]+)</span>", self.get(f"{app_url}/sign-in").text)
        return m.group(1).strip() if m else None


def callback_url(resp: requests.Response) -> str:
    """The app's callback URL (code and state) a sign-in went through."""
    for step in [*resp.history, resp]:
        if "/sign-in/oidc/callback?" in step.url:
            return step.url
    raise AssertionError(f"the sign-in never reached the callback: {[r.url for r in resp.history]}")

"""Issue 12: a private draft plan is seen only by its owner, the people it is shared with and admins — on every
route that names a scenario and in every list of scenarios.

The routes are enumerated from ``app.url_map``: every GET route is either filled in with the plan (path values
``scenario``/``slug``, query ``scenario``/``a``/``b``, OGC collection ids, an oEmbed URL) or listed in
``NAMES_NO_SCENARIO``; a new route that is neither fails, so a new route cannot leak unnoticed.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from tests.plans.conftest import Api, read_cursor

SOURCE = "demo-commissioner-proposal"
SLUG = "secret-plan"
NAME = "Secret zebra plan"
AREA = "ZA1"
NETWORK = "UZ0001"
NETWORK_NAME = "Zebra crossing network"

# GET routes that name no scenario (lists are checked below, one by one).
NAMES_NO_SCENARIO = {
    "static",
    "pages.index",
    "api_docs.docs_page",
    "api_docs.openapi_json",
    "api.boundary_sets",
    "api.areas",
    "api.extracts",
    "api.scenarios",
    "plans.list_plans",
    "plans.plans_page",
    "search.search_page",
    "search.search_api",
    # issue 20: one practice in every scenario the caller may see (checked below:
    # test_practice_page_lists_the_plan_only_to_those_who_see_it)
    "practices.practice_page",
    "practices.practice_json",
    "audit.practice_audit",
    "ogc.landing",
    "ogc.collections",
    "ogc.conformance",
    "health.healthz",
    "access.sign_in_page",
    "oidc.callback",  # issue 26: the OpenID provider's answer (code and state), no scenario
    # A suggestion job is its owner's alone (404 to anyone else: tests/suggest/test_suggest_api.py).
    "suggest.get_job",
    # Prometheus counters: route patterns and totals, never a scenario's slug or data (tests/ops/test_metrics.py).
    "metrics.metrics_page",
}
# GET routes that name the scenario in the query string (path values are found from the rule).
BY_QUERY = {
    "maps.compare": {"a": SLUG, "b": SOURCE, "area": AREA},
    "checks_api.compare": {"a": SOURCE, "b": SLUG},
    "pages.switch": {"scenario": SLUG},
    "audit.audit_json": {"scenario": SLUG},
    "audit.audit_csv": {"scenario": SLUG},
}
# Query values other routes need to answer 200 (without them the owner would get a 400).
EXTRA_QUERY = {
    "exports.export": {"layer": "networks", "format": "geojson", "area": AREA},
    "layers_api.search_practices": {"q": "Brook"},
}
# What the owner gets where it is not 200.
OWNER_STATUS = {
    "pages.switch": 303,
    # The plan was made by hand, not suggested: 404 "no suggestion" to those who see it (after the guard).
    "suggest.get_suggestion": 404,
}
# A print not made yet answers 202 ("being made, come back": issue 21) to those who see the plan, 200 once kept.
MADE_IN_THE_BACKGROUND = {"exports.print_area", "exports.print_network"}
# Values for the other path variables.
FILL = {"key": "networks", "fmt": "png", "feature_id": NETWORK, "z": "0", "x": "0", "y": "0"}


def _fill(rule) -> list[str]:
    """URLs of ``rule`` naming the plan (one per OGC collection of it)."""
    url = rule.rule
    for name in rule.arguments:
        if name in ("scenario", "slug"):
            value = SLUG
        elif name == "code":
            value = AREA if ("/areas/" in url or "<kind>" in url) else NETWORK
        elif name == "kind":
            value = "area"
        elif name == "collection_id":
            continue
        elif name in FILL:
            value = FILL[name]
        else:
            raise AssertionError(f"{rule.endpoint} {url}: no test value for <{name}>; add one to FILL")
        url = re.sub(rf"<(?:[a-z]+:)?{name}>", value, url)
    if "collection_id" in rule.arguments:
        kinds = ["networks"] if "tiles" in url or "items/" in url else ["practices", "networks", "memberships"]
        return [url.replace("<collection_id>", f"{SLUG}-{k}") for k in kinds]
    return [url]


def named_urls(app) -> list[tuple[str, str]]:
    """(endpoint, URL) for every GET route, filled in with the plan; fails for a route it cannot classify."""
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NAMES_NO_SCENARIO:
            continue
        if rule.endpoint in BY_QUERY:
            query = "&".join(f"{k}={quote(v)}" for k, v in BY_QUERY[rule.endpoint].items())
            out.extend((rule.endpoint, f"{u}?{query}") for u in _fill(rule))
        elif rule.endpoint == "embed.oembed":
            out.append((rule.endpoint, "oembed"))  # filled in per app (public base URL) below
        elif {"scenario", "slug", "collection_id"} & set(rule.arguments):
            if "boundary-sets" in rule.rule:
                raise AssertionError(f"{rule.endpoint}: boundary-set route; classify it in NAMES_NO_SCENARIO")
            extra = "&".join(f"{k}={quote(v)}" for k, v in EXTRA_QUERY.get(rule.endpoint, {}).items())
            out.extend((rule.endpoint, f"{u}?{extra}" if extra else u) for u in _fill(rule))
        else:
            raise AssertionError(
                f"GET {rule.rule} ({rule.endpoint}) is not classified: add it to BY_QUERY (it names a scenario in "
                "its query), or to NAMES_NO_SCENARIO (and check its lists here)"
            )
    return out


@pytest.fixture(scope="module")
def world(plans_app, tokens):
    """The private draft plan of 'ed' (a copy of the demo proposal), shared with 'viewer' by the sharing API."""
    client = plans_app.test_client()
    owner = Api(client, tokens["ed"])
    resp = owner.send("POST", "/api/v1/plans", {"name": NAME, "slug": SLUG, "copy_from": SOURCE})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["visibility"] == "private" and resp.get_json()["status"] == "draft"
    owner.get(f"/api/v1/plans/{SLUG}")
    renamed = owner.send("POST", f"/api/v1/plans/{SLUG}/edits/rename", {"network": NETWORK, "name": NETWORK_NAME})
    assert renamed.status_code == 200, renamed.get_json()  # a network only the plan has: search must hide it
    got = owner.get(f"/api/v1/plans/{SLUG}/shares")
    assert got.status_code == 200 and got.get_json()["shares"] == []
    shared = owner.send("PUT", f"/api/v1/plans/{SLUG}/shares/viewer", if_match=got.headers["ETag"])
    assert shared.status_code == 200, shared.get_json()
    assert [s["username"] for s in shared.get_json()["shares"]] == ["viewer"]
    with plans_app.test_request_context():
        from geo_service.web.pipeline.public_urls import public_base

        base = public_base().rstrip("/")
    return {"oembed": f"/oembed?url={quote(f'{base}/maps/{SLUG}/areas/{AREA}', safe='')}"}


def _headers(tokens, who: str | None) -> dict:
    return {"Authorization": f"Bearer {tokens[who]}"} if who else {}


def test_every_route_naming_the_plan(plans_app, client, tokens, world):
    urls = [(e, world["oembed"] if u == "oembed" else u) for e, u in named_urls(plans_app)]
    assert len(urls) > 30, urls  # the enumeration found the app's scenario routes
    failures = []
    for endpoint, url in urls:
        for who, expect in ((None, 404), ("ed2", 404), ("appr", 404), ("ed", None), ("viewer", None), ("admin", None)):
            resp = client.get(url, headers=_headers(tokens, who))
            want = expect if expect is not None else OWNER_STATUS.get(endpoint, 200)
            if want == 200 and endpoint in MADE_IN_THE_BACKGROUND and resp.status_code == 202:
                want = 202
            if resp.status_code != want:
                failures.append(f"{who or 'anonymous'} GET {url} ({endpoint}): {resp.status_code}, wanted {want}")
            elif expect == 404 and NAME in resp.get_data(as_text=True):
                failures.append(f"{who or 'anonymous'} GET {url}: the 404 names the plan")
            elif expect is None and "no-store" not in resp.headers.get("Cache-Control", ""):
                failures.append(f"{who} GET {url}: a private plan's reply may be kept by a shared cache")
    assert not failures, "\n".join(failures)


def _lists(client, headers) -> dict[str, str]:
    """Every list of scenarios, as text."""
    out = {}
    for url in (
        "/",
        "/api/v1/scenarios",
        "/api/v1/plans",
        "/plans",
        "/search?q=zebra&all=1",
        "/api/v1/search?q=zebra",
        "/ogc/collections?f=json",
        "/ogc/collections?f=html",
        f"/maps/{SOURCE}",
        f"/maps/{SOURCE}/areas/{AREA}",
        f"/maps/{SOURCE}/networks/{NETWORK}",
        f"/maps/compare?a={SOURCE}&b=demo-as-registered&area={AREA}",
    ):
        resp = client.get(url, headers=headers)
        assert resp.status_code == 200, (url, resp.status_code)
        out[url] = resp.get_data(as_text=True)
    return out


def test_lists_omit_the_plan_for_others_and_show_it_to_owner(client, tokens, world):
    # The owner first: pages and lists cached for the owner must not be served to anyone else.
    for who in ("ed", "viewer", "admin"):
        for url, text in _lists(client, _headers(tokens, who)).items():
            assert SLUG in text, f"{who}: {url} does not list the plan"
    for who in (None, "ed2", "appr"):
        for url, text in _lists(client, _headers(tokens, who)).items():
            for secret in (SLUG, NAME, NETWORK_NAME):
                assert secret not in text, f"{who or 'anonymous'}: {url} shows the private plan ({secret})"


def test_practice_page_lists_the_plan_only_to_those_who_see_it(client, tokens, world):
    members = client.get(f"/api/v1/scenarios/{SOURCE}/networks/{NETWORK}").get_json()["members"]
    code = members[0]["code"]
    for who in ("ed", "viewer", "admin"):
        for url in (f"/practices/{code}", f"/api/v1/practices/{code}", f"/maps/{SOURCE}/networks/{NETWORK}/history"):
            resp = client.get(url, headers=_headers(tokens, who))
            assert resp.status_code == 200 and SLUG in resp.get_data(as_text=True), (who, url)
            assert "no-store" in resp.headers["Cache-Control"], (who, url)
    for who in (None, "ed2", "appr"):
        for url in (f"/practices/{code}", f"/api/v1/practices/{code}", f"/maps/{SOURCE}/networks/{NETWORK}/history"):
            text = client.get(url, headers=_headers(tokens, who)).get_data(as_text=True)
            for secret in (SLUG, NAME, NETWORK_NAME):
                assert secret not in text, f"{who or 'anonymous'}: {url} shows the private plan ({secret})"
    # Compare pickers list the plan to its owner only.
    compare = f"/maps/compare?a={SOURCE}&b=demo-as-registered"
    assert f'<option value="{SLUG}"' in client.get(compare, headers=_headers(tokens, "ed")).get_data(as_text=True)
    assert f'<option value="{SLUG}"' not in client.get(compare).get_data(as_text=True)


def test_switcher_offers_the_plan_to_its_owner(client, tokens, world):
    page = client.get(f"/maps/{SOURCE}/areas/{AREA}", headers=_headers(tokens, "ed")).get_data(as_text=True)
    assert f'<option value="{SLUG}"' in page
    anon = client.get(f"/maps/{SOURCE}/areas/{AREA}").get_data(as_text=True)
    assert f'<option value="{SLUG}"' not in anon and f'<option value="{SOURCE}"' in anon


def test_sharing_routes_owner_or_admin_only(client, tokens, world):
    etag = client.get(f"/api/v1/plans/{SLUG}/shares", headers=_headers(tokens, "ed")).headers["ETag"]
    # anonymous: 401; another editor who cannot see it: 404; the shared viewer (not the owner): 403
    assert client.put(f"/api/v1/plans/{SLUG}/shares/ed2", headers={"If-Match": etag}).status_code == 401
    r = client.put(f"/api/v1/plans/{SLUG}/shares/ed2", headers={**_headers(tokens, "ed2"), "If-Match": etag})
    assert r.status_code == 404
    r = client.put(f"/api/v1/plans/{SLUG}/shares/ed2", headers={**_headers(tokens, "viewer"), "If-Match": etag})
    assert r.status_code in (403,), r.get_json()
    # stale / missing If-Match; unknown user: refused and nothing changes
    r = client.put(f"/api/v1/plans/{SLUG}/shares/ed2", headers={**_headers(tokens, "ed"), "If-Match": '"v1"'})
    assert r.status_code == 412
    assert client.put(f"/api/v1/plans/{SLUG}/shares/ed2", headers=_headers(tokens, "ed")).status_code == 428
    r = client.put(f"/api/v1/plans/{SLUG}/shares/nobody", headers={**_headers(tokens, "ed"), "If-Match": etag})
    assert r.status_code == 400 and "nobody" in r.get_json()["detail"]
    assert client.get(f"/maps/{SLUG}", headers=_headers(tokens, "ed2")).status_code == 404
    # the admin shares with ed2: ed2 sees it; the owner unshares: ed2 no longer does
    r = client.put(f"/api/v1/plans/{SLUG}/shares/ed2", headers={**_headers(tokens, "admin"), "If-Match": etag})
    assert r.status_code == 200, r.get_json()
    assert client.get(f"/maps/{SLUG}", headers=_headers(tokens, "ed2")).status_code == 200
    r = client.delete(
        f"/api/v1/plans/{SLUG}/shares/ed2", headers={**_headers(tokens, "ed"), "If-Match": r.headers["ETag"]}
    )
    assert r.status_code == 200 and [s["username"] for s in r.get_json()["shares"]] == ["viewer"]
    assert client.get(f"/maps/{SLUG}", headers=_headers(tokens, "ed2")).status_code == 404
    audit = client.get(f"/api/v1/audit?scenario={SLUG}", headers=_headers(tokens, "ed")).get_json()
    actions = [e["action"] for e in audit["entries"]]
    assert actions.count("plan.share") == 2 and actions.count("plan.unshare") == 1


def test_audit_log_without_a_scenario_filter_hides_the_plan(client, tokens, world, plans_db_url):

    with read_cursor(plans_db_url[0]) as cur:
        cur.execute("SELECT id FROM scenarios WHERE slug = %s", (SLUG,))
        plan_id = cur.fetchone()[0]

    def plan_entries(who: str | None) -> int:
        body = client.get("/api/v1/audit", headers=_headers(tokens, who)).get_json()
        csv = client.get("/api/v1/audit.csv", headers=_headers(tokens, who)).get_data(as_text=True)
        in_csv = sum(1 for line in csv.splitlines()[1:] if f",{plan_id}," in line and "plan." in line)
        return sum(1 for e in body["entries"] if e["scenario_id"] == plan_id) + in_csv

    assert plan_entries("ed") >= 2 and plan_entries("admin") >= 2
    assert plan_entries(None) == 0 and plan_entries("ed2") == 0


def test_sharing_form_and_its_include_template(plans_app, client, tokens, world):
    from flask import render_template

    etag = client.get(f"/api/v1/plans/{SLUG}/shares", headers=_headers(tokens, "ed")).headers["ETag"]
    form = {"username": "appr", "action": "share", "etag": etag}
    r = client.post(f"/plans/{SLUG}/shares", data=form, headers=_headers(tokens, "ed"))
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/plans/{SLUG}/edit#plan-sharing")
    r = client.post(f"/plans/{SLUG}/shares", data={**form, "action": "lend"}, headers=_headers(tokens, "ed"))
    assert r.status_code == 400
    with plans_app.test_request_context(headers=_headers(tokens, "ed")):
        html = render_template("plans/_sharing.html", plan={"slug": SLUG})
    assert "Appr (appr)" in html and 'id="plan-share-form"' in html and 'name="csrf_token"' in html
    with plans_app.test_request_context(headers=_headers(tokens, "viewer")):
        html = render_template("plans/_sharing.html", plan={"slug": SLUG})
    assert "Appr (appr)" in html and 'id="plan-share-form"' not in html  # shared with, but not the owner
    etag = client.get(f"/api/v1/plans/{SLUG}/shares", headers=_headers(tokens, "ed")).headers["ETag"]
    r = client.post(
        f"/plans/{SLUG}/shares", data={**form, "action": "unshare", "etag": etag}, headers=_headers(tokens, "ed")
    )
    assert r.status_code == 303
    assert client.get(f"/maps/{SLUG}", headers=_headers(tokens, "appr")).status_code == 404

"""Network polygons uploaded from files (GeoJSON, KML, zipped Shapefile in EPSG:27700, GeoPackage), repaired or
refused whole; drawn polygons marked 'drawn'; polygons derived from membership marked 'derived'. Demo data."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.plans.conftest import Api, read_cursor

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE = "demo-commissioner-proposal"


@pytest.fixture(scope="module")
def slug(plans_app, tokens):
    r = Api(plans_app.test_client(), tokens["ed"]).send(
        "POST", "/api/v1/plans", {"name": "Upload", "copy_from": SOURCE}
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()["slug"]


def polygon(url: str, slug: str, code: str) -> tuple:
    """(origin, area in km² (EPSG:27700), valid, parts, EWKB hex) of a network's stored polygon."""
    with read_cursor(url) as cur:
        cur.execute(
            """SELECT n.geom_origin, ST_Area(ST_Transform(n.geom, 27700)) / 1e6, ST_IsValid(n.geom),
                      ST_NumGeometries(n.geom), encode(ST_AsEWKB(n.geom), 'hex')
                 FROM networks n JOIN scenarios s ON s.id = n.scenario_id WHERE s.slug = %s AND n.code = %s""",
            (slug, code),
        )
        return cur.fetchone()


def version(url: str, slug: str) -> int:
    with read_cursor(url) as cur:
        cur.execute("SELECT version FROM scenarios WHERE slug = %s", (slug,))
        return cur.fetchone()[0]


def upload(client, token, slug: str, name: str, if_match: str | None, **form):
    headers = {"X-Edit-Session": "up"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if if_match:
        headers["If-Match"] = if_match
    data = {"file": (io.BytesIO((FIXTURES / name).read_bytes()), name), **form}
    return client.post(f"/api/v1/plans/{slug}/polygons", data=data, headers=headers, content_type="multipart/form-data")


def etag(client, token, slug: str) -> str:
    api = Api(client, token)
    api.get(f"/api/v1/plans/{slug}")
    return api.etag


@pytest.mark.parametrize(
    "name, form, codes, fmt, crs",
    [
        ("networks.geojson", {}, ["UZ0001", "UZ0003"], "GeoJSON", "EPSG:4326"),
        ("one.kml", {"network": "UZ0004"}, ["UZ0004"], "KML", "EPSG:4326"),
        ("networks_27700.zip", {}, ["UZ0001"], "zipped Shapefile", "EPSG:27700"),
        ("networks.gpkg", {"code_field": "code"}, ["UZ0003"], "GeoPackage", "EPSG:4326"),
    ],
)
def test_each_format_saves_uploaded_polygons(client, tokens, slug, plans_db_url, name, form, codes, fmt, crs):
    url = plans_db_url[0]
    r = upload(client, tokens["ed"], slug, name, etag(client, tokens["ed"], slug), **form)
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert [n["code"] for n in out["networks"]] == codes
    assert out["file"] == {"name": name, "format": fmt, "crs": crs, "features": len(codes)}
    assert out["repaired"] == []
    assert {n["code"] for n in out["delta"]["networks"]} == set(codes)
    for code in codes:
        origin, km2, valid, _, _ = polygon(url, slug, code)
        assert origin == "uploaded" and valid and km2 > 100
    if name == "networks_27700.zip":  # a 12 km square drawn in British National Grid metres
        assert polygon(url, slug, "UZ0001")[1] == pytest.approx(144.0, rel=1e-4)


def test_bow_tie_is_repaired_and_reported(client, tokens, slug, plans_db_url):
    r = upload(client, tokens["ed"], slug, "bowtie.geojson", etag(client, tokens["ed"], slug))
    assert r.status_code == 200, r.get_json()
    (fix,) = r.get_json()["repaired"]
    assert fix["feature"] == 1 and fix["network"] == "UZ0001" and "Self-intersection" in fix["reason"]
    assert fix["parts"] == 2
    origin, _, valid, parts, _ = polygon(plans_db_url[0], slug, "UZ0001")
    assert origin == "uploaded" and valid and parts == 2


@pytest.mark.parametrize(
    "name, form, detail, where",
    [
        ("broken.geojson", {}, "not a readable GeoJSON file", {}),
        ("unknown_network.geojson", {}, "'NOPE99' is not a network", {"feature": 2, "field": "network"}),
        ("networks.geojson", {"code_field": "pcn"}, "no field 'pcn'", {"field": "pcn"}),
        ("one.kml", {}, "'Proposed territory' is not a network", {"feature": 1, "field": "Name"}),  # KML names
        ("make_fixtures.py", {}, "unknown file type", {}),
    ],
)
def test_refused_whole_with_the_reason(client, tokens, slug, plans_db_url, name, form, detail, where):
    url = plans_db_url[0]
    before = {c: polygon(url, slug, c) for c in ("UZ0001", "UZ0003", "UZ0004")}
    v = version(url, slug)
    r = upload(client, tokens["ed"], slug, name, etag(client, tokens["ed"], slug), **form)
    assert r.status_code == 400, r.get_json()
    body = r.get_json()
    assert detail in body["detail"] and body["file"] == name and body["parameter"] == "file"
    assert "/tmp" not in body["detail"]
    for key, value in where.items():
        assert body[key] == value
    assert {c: polygon(url, slug, c) for c in before} == before  # nothing changed, UZ0001 of the good feature too
    assert version(url, slug) == v


def test_upload_refusals_by_role_and_version(client, tokens, slug, plans_db_url):
    tag = etag(client, tokens["ed"], slug)
    assert upload(client, None, slug, "networks.geojson", tag).status_code == 401
    assert upload(client, tokens["viewer"], slug, "networks.geojson", tag).status_code == 403  # no editor role
    assert upload(client, tokens["ed2"], slug, "networks.geojson", tag).status_code == 404  # a draft not shared
    assert upload(client, tokens["ed"], slug, "networks.geojson", None).status_code == 428
    # versions start at v1, so "v0" is stale whatever the other tests of this module did to the plan first
    assert upload(client, tokens["ed"], slug, "networks.geojson", '"v0"').status_code == 412


def test_upload_is_undoable_and_drawn_polygons_are_marked_drawn(client, tokens, slug, plans_db_url):
    url = plans_db_url[0]
    api = Api(client, tokens["ed"], session="up")
    api.get(f"/api/v1/plans/{slug}")
    square = {
        "type": "Polygon",
        "coordinates": [[[-1.3, 52.5], [-1.2, 52.5], [-1.2, 52.55], [-1.3, 52.55], [-1.3, 52.5]]],
    }
    r = api.send("POST", f"/api/v1/plans/{slug}/edits/geometry", {"network": "UZ0004", "geometry": square})
    assert r.status_code == 200, r.get_json()
    drawn = polygon(url, slug, "UZ0004")
    assert drawn[0] == "drawn"
    r = upload(client, tokens["ed"], slug, "one.kml", api.etag, network="UZ0004")
    assert r.status_code == 200 and polygon(url, slug, "UZ0004")[0] == "uploaded"
    api.etag = r.headers["ETag"]
    assert api.send("POST", f"/api/v1/plans/{slug}/undo").status_code == 200
    assert polygon(url, slug, "UZ0004") == drawn


def test_derive_polygons_from_membership(client, tokens, slug, plans_db_url):
    url = plans_db_url[0]
    api = Api(client, tokens["ed"], session="derive")
    api.get(f"/api/v1/plans/{slug}")
    r = api.send("PUT", f"/api/v1/plans/{slug}/networks/UZ0005/lock", {"reason": "agreed"})
    assert r.status_code == 200
    r = api.send("POST", f"/api/v1/plans/{slug}/polygons/derive")
    assert r.status_code == 409 and "UZ0005" in r.get_json()["detail"]
    assert api.send("DELETE", f"/api/v1/plans/{slug}/networks/UZ0005/lock").status_code == 200
    assert Api(client, None).send("POST", f"/api/v1/plans/{slug}/polygons/derive", if_match=api.etag).status_code == 401
    v = version(url, slug)
    before_uz5 = polygon(url, slug, "UZ0005")
    r = api.send("POST", f"/api/v1/plans/{slug}/polygons/derive")
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert version(url, slug) == v + 1 and out["plan"]["version"] == v + 1
    with read_cursor(url) as cur:
        cur.execute(
            """SELECT n.code, n.geom_origin, n.geom IS NOT NULL FROM networks n JOIN scenarios s ON s.id = n.scenario_id
                WHERE s.slug = %s AND EXISTS (SELECT 1 FROM memberships m WHERE m.network_id = n.id)
                ORDER BY n.code""",
            (slug,),
        )
        rows = cur.fetchall()
        cur.execute(
            "SELECT count(*) FROM audit_log a JOIN scenarios s ON s.id = a.scenario_id"
            " WHERE s.slug = %s AND a.action = 'plan.polygons.derive'",
            (slug,),
        )
        audited = cur.fetchone()[0]
    assert rows and all(origin == "derived" and has for _, origin, has in rows), rows
    assert sorted(out["networks"]) == [c for c, _, _ in rows]
    assert audited == 1
    # one undoable edit: undo puts every polygon back as it was (the lock test above left UZ0005's as copied)
    assert out["undoable"] is True and out["undo"]["undo"] >= 1
    api.etag = r.headers["ETag"]
    r = api.send("POST", f"/api/v1/plans/{slug}/undo")
    assert r.status_code == 200, r.get_json()
    assert polygon(url, slug, "UZ0005") == before_uz5

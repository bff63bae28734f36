"""The OGC API on the demo: documents, paging, filters, dates, CRS headers, HTML escaping and bad input."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from geo_service.config import PROJECT_ROOT
from tests.ogc.conftest import sql_value

AREAS = "demo-ccg-areas"
PRACTICES = "demo-as-registered-practices"
MEMBERS = "demo-as-registered-memberships"
NETWORKS = "demo-as-registered-networks"
BNG = "http://www.opengis.net/def/crs/EPSG/0/27700"


def _get(base: str, path: str, accept: str = "application/json"):
    req = urllib.request.Request(base + path, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def test_landing_conformance_and_collection_metadata(demo_ogc):
    status, _, body = _get(demo_ogc.url, "/ogc")
    assert status == 200
    rels = {link["rel"] for link in json.loads(body)["links"]}
    assert {"self", "alternate", "conformance", "data"} <= rels
    conf = json.loads(_get(demo_ogc.url, "/ogc/conformance")[2])["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conf
    doc = json.loads(_get(demo_ogc.url, f"/ogc/collections/{AREAS}")[2])
    assert doc["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert BNG in doc["crs"] and "http://www.opengis.net/def/crs/EPSG/0/4326" in doc["crs"]
    members = json.loads(_get(demo_ogc.url, f"/ogc/collections/{MEMBERS}")[2])
    assert members["extent"]["temporal"]["interval"][0][0] is not None


def test_items_paging_filters_and_headers(demo_ogc):
    total = sql_value(
        demo_ogc.db_url,
        "SELECT count(*) FROM memberships m JOIN scenarios s ON s.id = m.scenario_id"
        " WHERE s.slug = 'demo-as-registered'",
    )
    status, headers, body = _get(demo_ogc.url, f"/ogc/collections/{MEMBERS}/items?limit=5&offset=5")
    page = json.loads(body)
    assert status == 200 and headers["Content-Type"].startswith("application/geo+json")
    assert headers["Content-Crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    assert page["numberMatched"] == total and page["numberReturned"] == len(page["features"]) == 5
    rels = {link["rel"] for link in page["links"]}
    assert {"self", "alternate", "next", "prev"} <= rels
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", page["timeStamp"])
    one = page["features"][0]
    code = one["properties"]["ods_code"]
    filtered = json.loads(_get(demo_ogc.url, f"/ogc/collections/{MEMBERS}/items?ods_code={code.lower()}")[2])
    assert filtered["features"] and all(f["properties"]["ods_code"] == code for f in filtered["features"])
    item = json.loads(_get(demo_ogc.url, f"/ogc/collections/{PRACTICES}/items/{code}")[2])
    assert item["id"] == code and item["type"] == "Feature"
    status, headers, body = _get(demo_ogc.url, f"/ogc/collections/{PRACTICES}/items/{code}?crs={BNG}")
    assert headers["Content-Crs"] == f"<{BNG}>"
    x, y = json.loads(body)["geometry"]["coordinates"]
    assert 100_000 < x < 700_000 and 100_000 < y < 700_000
    _, _, body = _get(demo_ogc.url, f"/ogc/collections/{PRACTICES}/items/{code}?crs=EPSG:4326")
    lat, lon = json.loads(body)["geometry"]["coordinates"]
    assert 49 < lat < 56 and -6 < lon < 2


def test_datetime_selects_memberships_by_their_dates(demo_ogc):
    rows = sql_value(
        demo_ogc.db_url,
        """SELECT json_build_object(
                  'all', count(*),
                  'on', count(*) FILTER (WHERE (start_date IS NULL OR start_date <= '2024-10-01')
                                           AND (end_date IS NULL OR end_date >= '2024-10-01')),
                  'before', count(*) FILTER (WHERE start_date IS NULL OR start_date <= '2000-01-01'))
             FROM memberships m JOIN scenarios s ON s.id = m.scenario_id WHERE s.slug = 'demo-as-registered'""",
    )
    for dt, key in (
        ("2024-10-01", "on"),
        ("2024-10-01T12:00:00Z", "on"),
        ("../2000-01-01", "before"),
        ("1900-01-01/..", "all"),
    ):
        page = json.loads(_get(demo_ogc.url, f"/ogc/collections/{MEMBERS}/items?limit=1&datetime={dt}")[2])
        assert page["numberMatched"] == rows[key], dt


@pytest.mark.parametrize(
    "path,status,parameter",
    [
        (f"/ogc/collections/{AREAS}/items?bbox=1,2,3", 400, "bbox"),
        (f"/ogc/collections/{AREAS}/items?bbox=1,52,0,53", 400, "bbox"),
        (f"/ogc/collections/{AREAS}/items?bbox=a,b,c,d", 400, "bbox"),
        (f"/ogc/collections/{AREAS}/items?crs=EPSG:3857", 400, "crs"),
        (f"/ogc/collections/{AREAS}/items?bbox=0,0,1,1&bbox-crs=EPSG:9999", 400, "bbox-crs"),
        (f"/ogc/collections/{AREAS}/items?limit=0", 400, "limit"),
        (f"/ogc/collections/{AREAS}/items?limit=-1", 400, "limit"),
        (f"/ogc/collections/{AREAS}/items?limit=10001", 400, "limit"),
        (f"/ogc/collections/{AREAS}/items?limit=99999999999999", 400, "limit"),
        (f"/ogc/collections/{AREAS}/items?offset=-3", 400, "offset"),
        (f"/ogc/collections/{AREAS}/items?colour=red", 400, "colour"),
        (f"/ogc/collections/{PRACTICES}/items?list_size=5", 400, "list_size"),
        (f"/ogc/collections/{AREAS}/items?datetime=2020-01-01", 400, "datetime"),
        (f"/ogc/collections/{MEMBERS}/items?datetime=2021-01-01/2020-01-01", 400, "datetime"),
        (f"/ogc/collections/{MEMBERS}/items?datetime=yesterday", 400, "datetime"),
        (f"/ogc/collections/{AREAS}/items?f=xml", 400, "f"),
        ("/ogc/collections/no-such-collection", 404, "collectionId"),
        ("/ogc/collections/no-such-collection/items", 404, "collectionId"),
        (f"/ogc/collections/{AREAS}/items/NOPE", 404, "featureId"),
        (f"/ogc/collections/{AREAS}/tiles/WebMercatorQuad/3/9/1", 400, "x"),
        (f"/ogc/collections/{AREAS}/tiles/WebMercatorQuad/30/0/0", 400, "z"),
        (f"/ogc/collections/{MEMBERS}/tiles/WebMercatorQuad/3/1/1", 400, "collectionId"),
    ],
)
def test_bad_input_is_a_problem_naming_the_parameter(demo_ogc, path, status, parameter):
    got, headers, body = _get(demo_ogc.url, path, accept="application/geo+json")
    assert got == status
    assert headers["Content-Type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["parameter"] == parameter and problem["status"] == status and problem["detail"]


def test_bbox_in_british_national_grid_selects_the_same_features(demo_ogc):
    lonlat = json.loads(
        _get(demo_ogc.url, f"/ogc/collections/{PRACTICES}/items?limit=1000&bbox=-1.3,52.3,-0.9,52.5")[2]
    )
    from pyproj import Transformer

    x0, y0, x1, y1 = Transformer.from_crs(4326, 27700, always_xy=True).transform_bounds(-1.3, 52.3, -0.9, 52.5)
    bng = json.loads(
        _get(demo_ogc.url, f"/ogc/collections/{PRACTICES}/items?limit=1000&bbox={x0},{y0},{x1},{y1}&bbox-crs={BNG}")[2]
    )
    inner = {f["id"] for f in lonlat["features"]}
    assert inner and inner <= {f["id"] for f in bng["features"]}
    latlon = json.loads(
        _get(
            demo_ogc.url,
            f"/ogc/collections/{PRACTICES}/items?limit=1000&bbox=52.3,-1.3,52.5,-0.9"
            "&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326",
        )[2]
    )
    assert {f["id"] for f in latlon["features"]} == inner


def test_html_pages_link_on_and_escape_data(demo_ogc):
    status, headers, body = _get(demo_ogc.url, "/ogc/collections", accept="text/html")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert f"/ogc/collections/{AREAS}?f=html" in body.decode()
    html = _get(demo_ogc.url, f"/ogc/collections/{NETWORKS}/items?f=html&limit=50")[2].decode()
    assert "<table" in html and "next" in html
    from flask import render_template

    from tests.conftest import make_app

    app = make_app(demo_ogc.db_url)
    hostile = "<img src=x onerror=alert(1)>"
    with app.test_request_context("/ogc/collections/x/items?f=html"):
        page = render_template(
            "ogc/page.html",
            title=hostile,
            description=hostile,
            matched=1,
            returned=1,
            features=[{"id": hostile, "properties": {"name": hostile, "list_size": 44168}}],
            links=[{"href": "/x", "rel": "self", "type": "text/html", "title": hostile}],
        )
    app.extensions["geo_db"].close()
    assert hostile not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "44,168" in page


def test_readme_connect_qgis_url_is_the_one_the_app_serves(demo_ogc):
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("## Connect QGIS", 1)[1].split("\n## ", 1)[0]
    urls = re.findall(r"`(http://127\.0\.0\.1:5000/[^`]*)`", section)
    assert urls, "the Connect QGIS section names the URL to paste"
    assert "OGC API - Features" in section.replace("–", "-")
    from geo_service.config import load_settings

    assert load_settings({"DATABASE_URL": demo_ogc.db_url}).public_url.endswith(":5000")
    path = urls[0].removeprefix("http://127.0.0.1:5000")
    status, _, body = _get(demo_ogc.url, path)
    assert status == 200 and "conformance" in {link["rel"] for link in json.loads(body)["links"]}

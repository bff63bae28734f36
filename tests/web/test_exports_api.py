"""/api/v1/scenarios/<slug>/export and .../print.png|pdf: files, headers, and problem+json for bad input."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date

import pyogrio
import pytest
from PIL import Image
from pypdf import PdfReader

from geo_service.demo.generator import PROPOSAL, REGISTERED
from tests.exports.print_flow import fetch_print

TODAY = date.today().isoformat()


def test_geopackage_download(demo_client, tmp_path):
    resp = demo_client.get(f"/api/v1/scenarios/{REGISTERED}/export?format=gpkg&area=ZA2&crs=27700")
    assert resp.status_code == 200
    assert resp.mimetype == "application/geopackage+sqlite3"
    assert resp.headers["Content-Disposition"] == (f'attachment; filename="{REGISTERED}_za2_epsg27700_{TODAY}.gpkg"')
    body = resp.get_data()
    assert int(resp.headers["Content-Length"]) == len(body)
    path = tmp_path / "x.gpkg"
    path.write_bytes(body)
    assert [n for n, _ in pyogrio.list_layers(str(path))] == ["practices", "networks", "areas", "memberships"]
    assert pyogrio.read_info(str(path), layer="networks")["crs"] == "EPSG:27700"


def test_geojson_download(demo_client):
    resp = demo_client.get(f"/api/v1/scenarios/{PROPOSAL}/export?format=geojson&layer=networks")
    assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
    assert resp.headers["Content-Disposition"] == f'attachment; filename="{PROPOSAL}_networks_{TODAY}.geojson"'
    doc = json.loads(resp.get_data())
    assert len(doc["features"]) == 11
    assert {"code", "population", "oversized", "findings"} <= set(doc["features"][0]["properties"])


def test_shapefile_zip_download(demo_client):
    resp = demo_client.get(f"/api/v1/scenarios/{REGISTERED}/export?format=shp&layer=practices")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(resp.get_data())) as zf:
        assert set(zf.namelist()) == {f"practices.{e}" for e in ("shp", "shx", "dbf", "prj", "cpg")} | {"README.txt"}


@pytest.mark.parametrize("fmt, mimetype", [("kml", "application/vnd.google-earth.kml+xml"), ("csv", "text/csv")])
def test_single_layer_downloads(demo_client, fmt, mimetype):
    resp = demo_client.get(f"/api/v1/scenarios/{REGISTERED}/export?format={fmt}&layer=areas")
    assert resp.status_code == 200 and resp.mimetype == mimetype
    assert resp.headers["Content-Disposition"].endswith(f'_areas_{TODAY}.{fmt}"')
    assert b"Westhaven" in resp.get_data()


@pytest.mark.parametrize(
    "query, parameter, allowed",
    [
        ("format=dxf", "format", ["gpkg", "geojson", "shp", "kml", "csv"]),
        ("", "format", ["gpkg", "geojson", "shp", "kml", "csv"]),
        ("format=gpkg&crs=3857", "crs", [4326, 27700]),
        ("format=geojson&layer=areas&crs=27700", "crs", [4326]),
        ("format=gpkg&layer=roads", "layer", ["practices", "networks", "areas", "memberships"]),
        ("format=geojson", "layer", ["practices", "networks", "areas", "memberships"]),
        ("format=kml&layer=memberships", "layer", ["practices", "networks", "areas"]),
    ],
)
def test_bad_export_parameters_are_400_with_allowed_values(demo_client, query, parameter, allowed):
    resp = demo_client.get(f"/api/v1/scenarios/{REGISTERED}/export?{query}")
    assert resp.status_code == 400
    assert resp.headers["Content-Type"] == "application/problem+json"
    body = resp.get_json()
    assert body["status"] == 400 and body["title"] == "Invalid parameter"
    assert body["parameter"] == parameter and body["allowed"] == allowed


def test_export_bad_format_message(demo_client):
    body = demo_client.get(f"/api/v1/scenarios/{REGISTERED}/export?format=dxf").get_json()
    assert body["detail"] == "Unknown export format 'dxf'. Choose one of: gpkg, geojson, shp, kml, csv."


@pytest.mark.parametrize(
    "url, detail",
    [
        ("/api/v1/scenarios/nope/export?format=gpkg", "No scenario with slug 'nope'."),
        (
            f"/api/v1/scenarios/{REGISTERED}/export?format=gpkg&area=QQ1",
            "No area with ODS or GSS code 'QQ1' in boundary set 'demo-ccg' or any other boundary set of the synthetic"
            " dataset.",
        ),
        (f"/api/v1/scenarios/{REGISTERED}/export?format=gpkg&boundary_set=x", "No boundary set with slug 'x'."),
        (
            f"/api/v1/scenarios/{REGISTERED}/areas/QQ1/print.png",
            "No area with ODS or GSS code 'QQ1' in boundary set 'demo-ccg' or any other boundary set of the synthetic"
            " dataset.",
        ),
        (
            f"/api/v1/scenarios/{REGISTERED}/networks/U0/print.pdf",
            f"No network with code 'U0' in scenario '{REGISTERED}'.",
        ),
    ],
)
def test_unknown_things_are_404(demo_client, url, detail):
    resp = demo_client.get(url)
    assert resp.status_code == 404
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert resp.get_json()["detail"] == detail


def test_area_print_png(demo_client):
    resp = fetch_print(
        demo_client, f"/api/v1/scenarios/{PROPOSAL}/areas/ZA2/print.png?paper=a4&orientation=portrait&dpi=96"
    )
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert resp.headers["Content-Disposition"] == f'inline; filename="{PROPOSAL}_za2_a4-portrait_{TODAY}.png"'
    with Image.open(io.BytesIO(resp.get_data())) as img:
        assert img.size == (794, 1123)


def test_network_print_pdf_download(demo_client):
    resp = fetch_print(demo_client, f"/api/v1/scenarios/{REGISTERED}/networks/UZ0005/print.pdf?paper=a3&download=1")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert re.fullmatch(r'attachment; filename=".+_uz0005_a3-landscape_.+\.pdf"', resp.headers["Content-Disposition"])
    box = PdfReader(io.BytesIO(resp.get_data())).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (1191, 842)


@pytest.mark.parametrize(
    "suffix, parameter, allowed",
    [
        ("print.svg", "format", ["png", "pdf"]),
        ("print.png?paper=letter", "paper", ["a4", "a3"]),
        ("print.png?orientation=up", "orientation", ["landscape", "portrait"]),
        ("print.png?dpi=5000", "dpi", [72, 96, 150, 200, 300, 600]),
    ],
)
def test_bad_print_parameters_are_400(demo_client, suffix, parameter, allowed):
    resp = demo_client.get(f"/api/v1/scenarios/{REGISTERED}/areas/ZA1/{suffix}")
    assert resp.status_code == 400
    assert resp.headers["Content-Type"] == "application/problem+json"
    body = resp.get_json()
    assert body["parameter"] == parameter and body["allowed"] == allowed


@pytest.mark.parametrize(
    "query, detail",
    [
        ("format=gpkg&crs=3857", "Unsupported CRS '3857'. Choose one of: 4326, 27700."),
        ("format=kml&layer=areas&crs=27700", "KML is always EPSG:4326; use gpkg, shp or csv for EPSG:27700."),
        (
            "format=gpkg&layer=roads",
            "Unknown layer 'roads' for GeoPackage. Choose from: practices, networks, areas, memberships.",
        ),
        (
            "format=csv",
            "CSV (lon/lat or WKT) holds one layer per file: choose one of practices, networks, areas, memberships.",
        ),
    ],
)
def test_bad_export_parameter_messages(demo_client, query, detail):
    resp = demo_client.get(f"/api/v1/scenarios/{REGISTERED}/export?{query}")
    assert resp.status_code == 400
    assert resp.get_json()["detail"] == detail


def test_bad_print_parameter_message(demo_client):
    resp = demo_client.get(f"/api/v1/scenarios/{REGISTERED}/networks/UZ0001/print.png?dpi=1200")
    assert resp.status_code == 400
    assert resp.get_json()["detail"] == "Unsupported resolution '1200'. Choose one of: 72, 96, 150, 200, 300, 600."


DEMO_LINE = (
    "as of 1 Oct 2024; register Oct 2024; list sizes Oct 2024; locations Oct 2024; boundaries Apr 2019; "
    "synthetic demo data"
)


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/scenarios/{REGISTERED}/export?format=csv&layer=practices",
        f"/api/v1/scenarios/{REGISTERED}/export?format=kml&layer=networks",
        f"/api/v1/scenarios/{REGISTERED}/export?format=gpkg&area=ZA1",
        f"/api/v1/scenarios/{REGISTERED}/areas/ZA1/print.png?dpi=72",
        f"/api/v1/scenarios/{REGISTERED}/networks/UZ0001/print.pdf",
    ],
)
def test_every_download_names_its_data_in_a_header(demo_client, url):
    resp = fetch_print(demo_client, url)  # a plain GET for the exports (never 202)
    assert resp.status_code == 200
    assert resp.headers["X-Data-Scope"] == DEMO_LINE

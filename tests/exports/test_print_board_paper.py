"""Issue 20, a print for a board paper: neighbouring networks never share a colour on the page (read back from the
PDF's own vector fills, matched to the networks of a GIS export by their place on the page), the key's colour of
each network is its colour on the map, every finding is written out on continuation sheets, and a second request
for the same print is served from the copy kept for the scenario's data version."""

from __future__ import annotations

import io
import re
from collections import Counter

import pytest

from geo_service.maps import palette
from tests.conftest import make_app
from tests.exports.print_flow import fetch_print
from tests.exports.print_readback import fills_and_clips, page_texts

SCENARIO, BS, AREA = "epcn-april-2022", "icb-july-2022", "QKS"  # Kent and Medway: 40-odd networks
PRINT = f"/api/v1/scenarios/{SCENARIO}/areas/{AREA}/print.pdf?boundary_set={BS}&paper=a4"
NETWORK_COLOURS = set(palette.NETWORK_COLOURS + palette.EXTRA_NETWORK_COLOURS)


@pytest.fixture(scope="module")
def app(england_2022_db_url):
    """The app, keeping its prints where a deployment does (one folder per database, shared by its workers, as
    tests/exports/test_print_layout.py's app does): the Kent and Medway print that module asks for too is drawn
    once per worker's database and code version."""
    app = make_app(england_2022_db_url)
    yield app
    app.extensions["geo_db"].close()


@pytest.fixture(scope="module")
def pdf_data(app) -> bytes:
    resp = fetch_print(app.test_client(), PRINT)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return resp.data


@pytest.fixture(scope="module")
def pdf(pdf_data):
    import pypdf

    return pypdf.PdfReader(io.BytesIO(pdf_data))


@pytest.fixture(scope="module")
def texts(pdf_data) -> list[str]:
    """Each page's text, extracted once (pypdf's extraction is most of a reading test's CPU)."""
    return page_texts(pdf_data)


@pytest.fixture(scope="module")
def parts(app) -> list[tuple[str, object]]:
    return _network_parts(app)


@pytest.fixture(scope="module")
def on_map(pdf, parts) -> dict[str, set[str]]:
    return _colours_on_the_map(pdf, parts)


def _network_parts(app) -> list[tuple[str, object]]:
    """(code, shape) of every drawn network of the area, from the GeoPackage export in EPSG:27700."""
    import pyogrio

    resp = app.test_client().get(
        f"/api/v1/scenarios/{SCENARIO}/export?format=gpkg&layer=networks&area={AREA}&boundary_set={BS}&crs=27700"
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    frame = pyogrio.read_dataframe(io.BytesIO(resp.data), layer="networks")
    parts = []
    for code, geom in zip(frame["code"], frame.geometry, strict=True):
        if geom is not None and not geom.is_empty:  # a network with no shape and no located member is not drawn
            parts.append((code, geom))  # a multipolygon is one (compound) path on the page
    return parts


def _colours_on_the_map(pdf, parts) -> dict[str, set[str]]:
    """Each network's fill colour(s) on page 1's map: the page's palette-coloured polygon fills (no curves: not
    practice markers) that meet the map frame (the largest clipping rectangle), placed in EPSG:27700 by the
    scale and offset that map the fills' joint bounds onto the networks' joint bounds, each matched to the
    network whose bounds it then has."""
    fills, clips = fills_and_clips(pdf.pages[0], pdf)
    frame = max(clips, key=lambda c: (c[2] - c[0]) * (c[3] - c[1]))
    shapes = [
        f
        for f in fills
        if f.colour in NETWORK_COLOURS and not f.curved
        and f.bbox[0] < frame[2] and f.bbox[2] > frame[0] and f.bbox[1] < frame[3] and f.bbox[3] > frame[1]
    ]  # fmt: skip
    px0, py0 = min(f.bbox[0] for f in shapes), min(f.bbox[1] for f in shapes)
    px1, py1 = max(f.bbox[2] for f in shapes), max(f.bbox[3] for f in shapes)
    gx0, gy0 = min(g.bounds[0] for _, g in parts), min(g.bounds[1] for _, g in parts)
    gx1, gy1 = max(g.bounds[2] for _, g in parts), max(g.bounds[3] for _, g in parts)
    sx, sy = (px1 - px0) / (gx1 - gx0), (py1 - py0) / (gy1 - gy0)
    assert sx == pytest.approx(sy, rel=0.02), "the map is not drawn at one scale: matching would be guesswork"
    tolerance = 0.01 * (gx1 - gx0)
    found: dict[str, set[str]] = {}
    for shape in shapes:
        x0, y0, x1, y1 = shape.bbox
        box = (gx0 + (x0 - px0) / sx, gy0 + (y0 - py0) / sy, gx0 + (x1 - px0) / sx, gy0 + (y1 - py0) / sy)
        err, code = min((max(abs(a - b) for a, b in zip(box, g.bounds, strict=True)), c) for c, g in parts)
        assert err < tolerance, f"a {shape.colour} shape on the map matches no network ({err:.0f} m off)"
        found.setdefault(code, set()).add(shape.colour)
    return found


def test_neighbouring_networks_never_share_a_colour_on_the_page(parts, on_map):
    shapes = dict(parts)
    missing = {code: shapes[code].bounds for code in set(shapes) - set(on_map)}
    assert not missing, f"networks without a fill on the map: {missing}"
    for code, colours in on_map.items():
        assert len(colours) == 1, f"{code} is drawn in {sorted(colours)}"
    colour = {code: next(iter(c)) for code, c in on_map.items()}
    codes = sorted(shapes)
    touching = [(a, b) for i, a in enumerate(codes) for b in codes[i + 1 :] if shapes[a].distance(shapes[b]) <= 1.0]
    assert len(touching) >= len(codes) // 2, "too few neighbours for the test to mean anything"
    same = [(a, b, colour[a]) for a, b in touching if colour[a] == colour[b]]
    assert not same, f"neighbouring networks sharing a colour on the page: {same}"


def test_the_key_shows_each_network_in_its_colour_on_the_map(pdf, texts, on_map):
    """The list's swatches (palette-coloured rectangles beside the rows, in reading order: column by column, top
    to bottom) carry the map's colour of the network named on their row; while the palette lasts (18 colours) no
    two rows of the key share a colour."""
    on_map = {code: next(iter(c)) for code, c in on_map.items()}
    key: dict[str, str] = {}
    for page, text in zip(pdf.pages, texts, strict=True):
        rows = [(int(n), code) for n, code in re.findall(r"(?m)^\s*(\d+)\.\s*[^\sU]*\s*(U\d{5})", text)]
        if not rows:
            continue
        fills, clips = fills_and_clips(page, pdf)
        swatches = [f for f in fills if f.colour in NETWORK_COLOURS and not f.curved and len(f.points) == 4]
        # The rows' swatches share one width; the legend's network patch (page 1) is wider.
        widths = Counter(round(s.bbox[2] - s.bbox[0], 1) for s in swatches)
        width = widths.most_common(1)[0][0]
        swatches = [s for s in swatches if round(s.bbox[2] - s.bbox[0], 1) == width]
        ordered = sorted(swatches, key=lambda s: (round(s.bbox[0]), -s.bbox[1]))
        for (_, code), swatch in zip(sorted(rows), ordered, strict=True):
            key[code] = swatch.colour
    assert set(key) == set(on_map)
    wrong = {code: (key[code], on_map[code]) for code in key if key[code] != on_map[code]}
    assert not wrong, f"key colour differs from the map colour: {wrong}"
    if len(key) <= len(NETWORK_COLOURS):
        assert len(set(key.values())) == len(key)


def test_every_finding_is_written_out_on_continuation_pages(app, texts):
    """No "N more findings on the network page": every sentence of every network and practice is on the sheets,
    which run over as many pages as they need (a network's heading repeated, "continued")."""
    from geo_service.analysis import described, wording
    from geo_service.analysis.area_summary import area_summary
    from geo_service.scope import resolve_scope

    pages = texts
    squash = re.sub(r"\s+", "", " ".join(pages))
    with app.app_context(), app.extensions["geo_db"].connection() as conn:
        summary = area_summary(conn, resolve_scope(conn, SCENARIO, BS, area=AREA))
        names = described.names_for(conn, summary.result["items"], summary.scope.boundary_set["id"])
        said = wording.sentences_by_subject(summary.result, names)
    sentences = [t for subject in ("network", "practice") for group in said.get(subject, {}).values() for t in group]
    longest = max(len(group) for group in said["network"].values())
    assert longest > 6, "no network has more findings than the old cap of 6: the test would prove nothing"
    missing = [t for t in sentences if re.sub(r"\s+", "", t) not in squash]
    assert not missing, f"{len(missing)} of {len(sentences)} findings not on the print, e.g. {missing[:2]}"
    assert "morefindings" not in squash
    findings_pages = [p for p in pages if ": findings (page" in p]
    assert len(findings_pages) >= 2


def test_a_second_request_is_served_from_the_kept_copy(app, pdf):
    client = app.test_client()
    store = app.extensions["geo_kept_prints"]
    hits = store.hits
    again = client.get(PRINT)
    assert again.status_code == 200
    assert again.headers["X-Print-Copy"] == "kept"
    assert store.hits == hits + 1
    assert again.data == client.get(PRINT).data


def test_the_kept_copy_goes_when_the_scenarios_data_moves(fresh_demo_db_url, tmp_path):
    """Kept per data version: a write the scenario reads makes the next request draw the print again; a write to
    another scenario does not."""
    from geo_service.demo.generator import PROPOSAL, REGISTERED

    app = make_app(fresh_demo_db_url, GEO_PRINT_KEEP_DIR=str(tmp_path))
    try:
        client = app.test_client()
        url = f"/api/v1/scenarios/{REGISTERED}/areas/ZA3/print.png?dpi=72"
        answers = [fetch_print(client, url).headers["X-Print-Copy"] for _ in range(2)]
        assert answers == ["new", "kept"]
        db = app.extensions["geo_db"]

        def leave(scenario: str, practice: str) -> None:
            with db.connection() as conn, conn.cursor() as cur:
                cur.execute(
                    """DELETE FROM memberships m USING practices p, scenarios s WHERE p.id = m.practice_id
                          AND s.id = m.scenario_id AND s.slug = %(s)s AND p.ods_code = %(p)s""",
                    {"s": scenario, "p": practice},
                )
                assert cur.rowcount == 1

        leave(PROPOSAL, "Z00002")  # another scenario's data: this print's copy stays
        assert fetch_print(client, url).headers["X-Print-Copy"] == "kept"
        leave(REGISTERED, "Z00001")
        assert fetch_print(client, url).headers["X-Print-Copy"] == "new"
        assert fetch_print(client, url).headers["X-Print-Copy"] == "kept"
    finally:
        db.close()
